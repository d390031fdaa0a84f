import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { ApiKeysService } from '../api-keys/api-keys.service.js';
import { registerApiKeyRoutes } from '../api-keys/api-keys.routes.js';
import { registerAlertRoutes } from '../alerts/alerts.routes.js';
import type { AlertsService } from '../alerts/alerts.service.js';
import { registerAuthRoutes } from '../auth/auth.routes.js';
import { registerCustomerRoutes } from '../customers/customers.routes.js';
import type { CustomersService } from '../customers/customers.service.js';
import { registerDashboardRoutes } from '../dashboard/dashboard.routes.js';
import type { DashboardService } from '../dashboard/dashboard.service.js';
import { registerCurrencyRoutes } from '../currencies/currencies.routes.js';
import type { CurrenciesService } from '../currencies/currencies.service.js';
import { registerScoringRoutes } from '../scoring/scoring.routes.js';
import type { ScoringService } from '../scoring/scoring.service.js';
import type { AuthService } from '../auth/auth.service.js';
import type { Authenticate } from '../auth/authenticate.js';
import { type ReadinessCheck, registerHealthRoutes } from '../health/health.routes.js';
import type { InvitationsService } from '../invitations/invitations.service.js';
import { registerInvitationRoutes } from '../invitations/invitations.routes.js';
import type { MembersService } from '../members/members.service.js';
import { registerMemberRoutes } from '../members/members.routes.js';
import { registerOrganizationRoutes } from '../organizations/organizations.routes.js';
import type { OrganizationsService } from '../organizations/organizations.service.js';
import type { ConnectionService } from '../stripe/connection.service.js';
import { registerIntegrationRoutes } from '../stripe/stripe.routes.js';
import type { SyncService } from '../stripe/sync.service.js';
import { registerWebhookRoutes } from '../stripe/webhooks.routes.js';
import type { Asset } from '../web/web.assets.js';
import { registerSupportRoutes } from '../support/support.routes.js';
import { registerIngestRoutes } from '../usage/ingest.routes.js';
import type { IngestService } from '../usage/ingest.service.js';
import { registerUsageRoutes } from '../usage/usage.routes.js';
import type { UsageService } from '../usage/usage.service.js';
import { registerTicketRoutes } from '../tickets/tickets.routes.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import { registerSentimentRoutes } from '../sentiment/sentiment.routes.js';
import type { SentimentService } from '../sentiment/sentiment.service.js';
import type { BacktestService } from '../backtest/backtest.service.js';
import { registerBacktestRoutes } from '../backtest/backtest.routes.js';
import type { BacktestSuggestionService } from '../backtest/backtest.suggest.service.js';
import { registerBacktestSuggestionRoutes } from '../backtest/backtest.suggest.routes.js';
import type { SupportService } from '../support/support.service.js';
import { registerWebRoutes } from '../web/web.routes.js';
import type { WebhookService } from '../stripe/webhooks.service.js';
import { createClientErrorHandler, createFrameworkErrorHandler } from './client-errors.js';
import { errorHandler } from './error-handler.js';
import { type App, documentEdgeErrors } from '../core/http.js';
import { refuseNulText } from './input-text.js';
import type { AppLogger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { appSecurityHeaders, registerSecurityHeaders } from './security-headers.js';

export interface ServerDeps {
  logger: AppLogger;
  metrics: Metrics;
  appUrl: string;
  bodyLimitBytes: number;
  /** Reverse proxies in front of the server (Fastify trusts that many hops of X-Forwarded-For). */
  trustProxy: number;
  /** When set, `GET /metrics` needs it as a bearer token; otherwise only loopback clients may read the metrics. */
  metricsToken?: string | undefined;
  authenticate: Authenticate;
  services: {
    auth: AuthService;
    organizations: OrganizationsService;
    members: MembersService;
    invitations: InvitationsService;
    apiKeys: ApiKeysService;
    connections: ConnectionService;
    sync: SyncService;
    webhooks: WebhookService;
    scoring: ScoringService;
    customers: CustomersService;
    dashboard: DashboardService;
    currencies: CurrenciesService;
    alerts: AlertsService;
    support: SupportService;
    ingest: IngestService;
    usage: UsageService;
    tickets: TicketsService;
    sentiment: SentimentService;
    backtest: BacktestService;
    backtestSuggestion: BacktestSuggestionService;
  };
  readiness: Record<string, ReadinessCheck>;
  /** The built web app (null when not built). */
  webAssets: Map<string, Asset> | null;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

export async function buildServer(deps: ServerDeps): Promise<App> {
  const headers = appSecurityHeaders(deps.appUrl);
  const answerRouterError = createFrameworkErrorHandler(headers);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    // A request must arrive within a minute (Node's own limit for its headers): a body shorter than its
    // Content-Length, or sent a byte at a time, no longer holds a connection forever; it gets a 408.
    requestTimeout: 60_000,
    // Long ids reach validation and get a clear 400; only absurd ones (over 1000 characters) get a 414.
    routerOptions: { maxParamLength: 1000 },
    // Requests the HTTP parser or the router refuses get the app's error shape and headers too.
    clientErrorHandler: createClientErrorHandler(deps.logger as FastifyBaseLogger, headers),
    frameworkErrors: (err, request, reply) => answerRouterError(err, request, reply),
    // The n nearest hops are our proxies; the client is the one before them. Never the leftmost
    // X-Forwarded-For entry, which the client itself writes.
    trustProxy: deps.trustProxy > 0 ? (_address: string, hop: number) => hop < deps.trustProxy : false,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  registerWebRoutes(app, deps.webAssets, (request, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` } }),
  );

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequestDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  registerSecurityHeaders(app, headers);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'PulseScore API',
        version: '1.0.0',
        description:
          'Customer health scores from Stripe billing data. Every error is `{ error: { code, message, details? } }`. ' +
          'No text of a request (path, query, JSON keys and values) may contain the NUL character (U+0000): such a ' +
          'request gets 400 `invalid_text` naming the field. API answers carry `Cache-Control: no-store`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'pulsescore.session_token' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'An organization API key (psk_…)' },
          writeKey: {
            type: 'http',
            scheme: 'basic',
            description: 'Segment write key: an organization API key as the user name, no password',
          },
          metricsToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'METRICS_TOKEN, for GET /metrics (without it: loopback clients only)',
          },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
  app.get('/api/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerHealthRoutes(app, { checks: deps.readiness, metrics: deps.metrics, metricsToken: deps.metricsToken });

  const { services, authenticate } = deps;
  await app.register(
    async (v1) => {
      const api = v1.withTypeProvider<ZodTypeProvider>();
      // One text rule for every field of every request (PostgreSQL text cannot hold NUL), before validation.
      api.addHook('preValidation', refuseNulText);
      // The statuses the edge itself gives (validation, NUL, body limits, outages) are documented on every route.
      api.addHook('onRoute', documentEdgeErrors('json'));
      registerAuthRoutes(api, { auth: services.auth, authenticate, appUrl: deps.appUrl });
      registerOrganizationRoutes(api, { organizations: services.organizations, authenticate });
      registerMemberRoutes(api, { members: services.members, authenticate });
      registerInvitationRoutes(api, { invitations: services.invitations, authenticate });
      registerApiKeyRoutes(api, { apiKeys: services.apiKeys, authenticate });
      registerIntegrationRoutes(api, { connections: services.connections, sync: services.sync, authenticate });
      registerScoringRoutes(api, { scoring: services.scoring, authenticate });
      registerBacktestRoutes(api, { backtest: services.backtest, authenticate });
      registerBacktestSuggestionRoutes(api, { suggestion: services.backtestSuggestion, authenticate });
      registerCustomerRoutes(api, { customers: services.customers, authenticate });
      registerDashboardRoutes(api, { dashboard: services.dashboard, authenticate });
      registerCurrencyRoutes(api, { currencies: services.currencies, authenticate });
      registerAlertRoutes(api, { alerts: services.alerts, authenticate });
      registerSupportRoutes(api, { support: services.support, authenticate });
      registerUsageRoutes(api, { usage: services.usage, authenticate });
      registerTicketRoutes(api, { tickets: services.tickets, authenticate });
      registerSentimentRoutes(api, { sentiment: services.sentiment, authenticate });
    },
    { prefix: '/api/v1' },
  );
  // Segment's tracking API on PulseScore's own host: clients change only their host. Each message of a batch is
  // checked on its own (NUL included), so that one bad message fails alone.
  await app.register(async (segment) => {
    segment.addHook('onRoute', documentEdgeErrors('json'));
    registerIngestRoutes(segment.withTypeProvider<ZodTypeProvider>(), { ingest: services.ingest });
  });
  // Stripe webhooks keep their raw bytes (the signature covers them exactly): no text rule rewrites or refuses them.
  await app.register(
    async (raw) => {
      raw.addHook('onRoute', documentEdgeErrors('raw'));
      await registerWebhookRoutes(raw.withTypeProvider<ZodTypeProvider>(), { webhooks: services.webhooks });
    },
    { prefix: '/api/v1' },
  );

  return app;
}

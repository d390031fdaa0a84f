import { type App, errorSchema } from '../core/http.js';
import { webhookAck, webhookHeaders, webhookTokenParam } from './stripe.schemas.js';
import type { WebhookService } from './webhooks.service.js';

const tags = ['Webhooks'];
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/** Stripe webhooks: the body stays raw (a Buffer) because the signature is computed over its exact bytes. */
export async function registerWebhookRoutes(app: App, deps: { webhooks: WebhookService }) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
    const responses = { 200: webhookAck, 400: errorSchema, 404: errorSchema, 503: errorSchema };
    // Public: the signature over the raw body is the credential (https://docs.stripe.com/webhooks#verify-events).
    const common = { tags, security: [], headers: webhookHeaders };
    const signature = (headers: Record<string, unknown>) =>
      typeof headers['stripe-signature'] === 'string' ? headers['stripe-signature'] : undefined;
    const raw = (body: unknown) => (Buffer.isBuffer(body) ? body : Buffer.alloc(0));

    scope.post(
      '/webhooks/stripe',
      { schema: { ...common, summary: 'Stripe (Connect) webhook endpoint', response: responses } },
      async (request) => deps.webhooks.intake(raw(request.body), signature(request.headers)),
    );
    scope.post(
      '/webhooks/stripe/:token',
      {
        schema: {
          ...common,
          summary: 'Webhook endpoint of one connected account (signed with that connection’s secret; 409 until it is set)',
          params: webhookTokenParam,
          response: { ...responses, 409: errorSchema },
        },
      },
      async (request) => deps.webhooks.intake(raw(request.body), signature(request.headers), (request.params as { token: string }).token),
    );
  });
}

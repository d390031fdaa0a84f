import { type App, authErrors, errorSchema, redirect } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext, requireUser } from '../auth/roles.js';
import type { ConnectionService } from './connection.service.js';
import {
  callbackQuery,
  connectResponse,
  integrationsResponse,
  stripeIntegrationSchema,
  syncProgressResponse,
  syncRunParams,
  syncStartedResponse,
  webhookSecretBody,
} from './stripe.schemas.js';
import type { SyncService } from './sync.service.js';

const tags = ['Integrations'];
const errors = { ...authErrors, 409: errorSchema, 503: errorSchema };

export function registerIntegrationRoutes(
  app: App,
  deps: { connections: ConnectionService; sync: SyncService; authenticate: Authenticate },
) {
  const { connections, sync, authenticate } = deps;

  app.get(
    '/integrations',
    {
      schema: { tags, summary: 'Integrations of the organization and their state', response: { 200: integrationsResponse, ...authErrors } },
    },
    async (request) => {
      const ctx = orgContext(await authenticate(request));
      return { integrations: [await connections.status(ctx.orgId, ctx.userId)] };
    },
  );

  app.get(
    '/integrations/stripe',
    {
      schema: {
        tags,
        summary: 'Stripe connection: account, mode, last sync, webhook URL',
        response: { 200: stripeIntegrationSchema, ...authErrors },
      },
    },
    async (request) => {
      const ctx = orgContext(await authenticate(request));
      return connections.status(ctx.orgId, ctx.userId);
    },
  );

  app.post(
    '/integrations/stripe/connect',
    {
      schema: {
        tags,
        summary: 'Start connecting Stripe (admin): the URL of Stripe’s consent page',
        response: { 200: connectResponse, ...errors },
      },
    },
    async (request) => {
      const actor = await authenticate(request);
      const user = requireUser(actor, 'connect Stripe');
      return connections.connect({ ...orgContext(actor), userId: user.userId });
    },
  );

  app.get(
    '/integrations/stripe/callback',
    {
      schema: {
        tags,
        summary: 'Where Stripe sends the browser back; redirects to the Integrations page with the outcome',
        description:
          'Needs no credentials to answer: every outcome is a redirect. The flow only completes for the signed-in user who started it (session cookie).',
        querystring: callbackQuery,
        security: [],
        response: { 302: redirect, 400: errorSchema },
      },
    },
    async (request, reply) => {
      // The signed-in user must be the one who started the flow; without a session the state check fails.
      const actor = await authenticate(request).catch(() => null);
      const location = await connections.callback(request.query, { userId: actor?.type === 'user' ? actor.userId : null });
      return reply.redirect(location);
    },
  );

  app.post(
    '/integrations/stripe/sync',
    {
      schema: {
        tags,
        summary: 'Re-import everything from Stripe (admin); answers the running sync if one is running',
        response: { 202: syncStartedResponse, ...errors },
      },
    },
    async (request, reply) => reply.status(202).send(await connections.sync(orgContext(await authenticate(request)))),
  );

  app.get(
    '/integrations/stripe/sync',
    { schema: { tags, summary: 'Progress of the current or last sync', response: { 200: syncProgressResponse, ...authErrors } } },
    async (request) => {
      const ctx = orgContext(await authenticate(request));
      return { sync: await sync.progress(ctx.orgId, ctx.userId) };
    },
  );

  app.post(
    '/integrations/stripe/sync/:id/dismiss',
    {
      schema: {
        tags,
        summary: 'Hide a finished sync’s banner for the signed-in user',
        params: syncRunParams,
        response: { 200: syncProgressResponse, ...authErrors },
      },
    },
    async (request) => ({ sync: await sync.dismiss(orgContext(await authenticate(request)), request.params.id) }),
  );

  app.put(
    '/integrations/stripe/webhook-secret',
    {
      schema: {
        tags,
        summary: 'Set (or clear) the signing secret of an account-level webhook endpoint (admin)',
        body: webhookSecretBody,
        response: { 200: stripeIntegrationSchema, ...errors },
      },
    },
    async (request) => connections.setWebhookSecret(orgContext(await authenticate(request)), request.body.secret),
  );

  app.delete(
    '/integrations/stripe',
    {
      schema: {
        tags,
        summary: 'Disconnect Stripe (admin): deauthorizes, stops syncs, keeps the data',
        response: { 200: stripeIntegrationSchema, ...errors },
      },
    },
    async (request) => connections.disconnect(orgContext(await authenticate(request))),
  );
}

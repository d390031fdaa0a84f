import { callbackError, isCallbackError } from './oauth-errors.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import { AppError, conflict, notFound } from '../core/errors.js';
import type { AppLogger } from '../core/logger.js';
import type { SecretBox } from '../core/secrets.js';
import { createSigner } from '../core/secrets.js';
import { type OrgContext, requireRole } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { createConnectionsRepo, createOAuthStatesRepo } from './connections.repo.js';
import type { StripePlatform } from './stripe.client.js';
import type { SyncService } from './sync.service.js';
import { runDto } from './sync-status.js';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types.js';
import { createSyncRunsRepo } from './sync-runs.repo.js';

const STATE_TTL_MS = 10 * 60 * 1000;

/** The messages the Integrations page shows after the OAuth round trip, per the guide's troubleshooting table. */

export interface ConnectionDeps {
  db: Kysely<Database>;
  platform: StripePlatform | null;
  secrets: SecretBox;
  sessionSecret: string;
  appUrl: string;
  sync: SyncService;
  logger: AppLogger;
  /** `SUPPORT_EMAIL`, named in the messages that say to contact support. */
  supportEmail?: string;
}

export interface CallbackInput {
  code?: string | undefined;
  state?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
}

export function createConnectionService(deps: ConnectionDeps) {
  const { db, secrets, appUrl } = deps;
  const signer = createSigner(`stripe-oauth-state:${deps.sessionSecret}`);
  const connections = createConnectionsRepo(db);
  const states = createOAuthStatesRepo(db);
  const redirectUri = `${appUrl}/api/v1/integrations/stripe/callback`;
  const integrationsPage = `${appUrl}/settings/integrations`;

  const done = (params: Record<string, string>) => `${integrationsPage}?${new URLSearchParams({ integration: 'stripe', ...params })}`;
  const supportEmail = deps.supportEmail ?? 'support@pulsescore.app';
  const message = (code: string) => callbackError(code, supportEmail);
  const failed = (code: string) => done({ status: 'error', code: isCallbackError(code) ? code : 'stripe_error', message: message(code) });

  function platform(): StripePlatform {
    if (!deps.platform) throw new AppError(503, 'stripe_not_configured', message('not_configured'));
    return deps.platform;
  }

  /** Who disconnected, and why, in words. */
  async function disconnection(connection: NonNullable<Awaited<ReturnType<typeof connections.find>>>) {
    if (connection.status !== 'disconnected') return { disconnectedBy: null, disconnectReason: null };
    const by = connection.disconnected_by
      ? await db.selectFrom('users').select('name').where('id', '=', connection.disconnected_by).executeTakeFirst()
      : undefined;
    const reason =
      connection.disconnect_reason === 'deauthorized_in_stripe'
        ? 'Access was revoked in Stripe.'
        : `Disconnected in PulseScore${by ? ` by ${by.name}` : ''}.`;
    return { disconnectedBy: by ? { name: by.name } : null, disconnectReason: reason };
  }

  async function status(orgId: string, userId: string | null = null) {
    const [connection, latest, lastEvent] = await Promise.all([
      connections.find(orgId),
      deps.sync.progress(orgId, userId),
      db
        .selectFrom('stripe_events')
        .select(['type', 'received_at'])
        .where('org_id', '=', orgId)
        .orderBy('received_at', 'desc')
        .limit(1)
        .executeTakeFirst(),
    ]);
    const connected = connection?.status === 'connected';
    const platformUrl = `${appUrl}/api/v1/webhooks/stripe`;
    const accountUrl = connection ? `${appUrl}/api/v1/webhooks/stripe/${connection.webhook_token}` : null;
    return {
      provider: 'stripe' as const,
      configured: deps.platform !== null,
      connected,
      status: connection ? connection.status : ('not_connected' as const),
      accountId: connection?.stripe_account_id ?? null,
      livemode: connection?.livemode ?? null,
      label: connection ? `Stripe${connection.livemode ? '' : ' (test)'}` : 'Stripe',
      scope: connection?.scope ?? null,
      connectedAt: connection?.connected_at.toISOString() ?? null,
      disconnectedAt: connection?.status === 'disconnected' ? (connection.disconnected_at?.toISOString() ?? null) : null,
      ...(connection ? await disconnection(connection) : { disconnectedBy: null, disconnectReason: null }),
      lastSync: latest,
      webhook: {
        url: platformUrl,
        accountEndpointUrl: accountUrl,
        signingSecretSet: Boolean(connection?.webhook_secret_enc),
        urls: [
          {
            url: platformUrl,
            purpose:
              'The PulseScore platform endpoint: Stripe Connect delivers your account’s events here with no setup on your side. Use it unless you create an endpoint yourself.',
          },
          ...(accountUrl
            ? [
                {
                  url: accountUrl,
                  purpose:
                    'For an endpoint you create in your own Stripe Dashboard (Developers → Webhooks): paste this URL there, then paste that endpoint’s signing secret below.',
                },
              ]
            : []),
        ],
        eventTypes: [...WEBHOOK_EVENT_TYPES],
        lastEventAt: lastEvent?.received_at.toISOString() ?? null,
        lastEventType: lastEvent?.type ?? null,
      },
    };
  }

  return {
    status,

    async connect(ctx: OrgContext & { userId: string }) {
      requireRole(ctx, 'admin', 'connect integrations');
      const p = platform();
      const existing = await connections.find(ctx.orgId);
      if (existing?.status === 'connected') throw conflict('already_connected', message('already_connected'));
      const id = randomUUID();
      await states.create({ id, orgId: ctx.orgId, userId: ctx.userId, expiresAt: new Date(Date.now() + STATE_TTL_MS) });
      return { url: p.authorizeUrl({ state: signer.sign(id), redirectUri }) };
    },

    /** Finishes the OAuth round trip and answers where to send the browser (always the Integrations page). */
    async callback(input: CallbackInput, caller: { userId: string | null }): Promise<string> {
      const stateId = input.state ? signer.verify(input.state) : null;
      if (!stateId) return failed('invalid_state');
      const state = await states.consume(stateId);
      if (!state) return failed('state_used');
      if (state.expires_at.getTime() < Date.now()) return failed('state_expired');
      if (caller.userId !== state.user_id) return failed('state_user_mismatch');
      const membership = await db
        .selectFrom('members')
        .select('role')
        .where('org_id', '=', state.org_id)
        .where('user_id', '=', state.user_id)
        .executeTakeFirst();
      if (!membership || membership.role === 'member') return failed('state_user_mismatch');
      if (input.error) return failed(isCallbackError(input.error) ? input.error : 'stripe_error');
      if (!input.code) return failed('invalid_grant');
      if (!deps.platform) return failed('not_configured');
      const existing = await connections.find(state.org_id);
      if (existing?.status === 'connected') return failed('already_connected');
      let token: Stripe.OAuthToken;
      try {
        token = await deps.platform.client.oauth.token({ grant_type: 'authorization_code', code: input.code });
      } catch (err) {
        deps.logger.warn({ code: (err as { type?: string }).type }, 'Stripe OAuth token exchange failed');
        if (err instanceof Stripe.errors.StripeInvalidGrantError) return failed('invalid_grant');
        if (err instanceof Stripe.errors.StripeInvalidClientError) return failed('invalid_client');
        return failed('stripe_error');
      }
      await connections.save({
        orgId: state.org_id,
        accountId: token.stripe_user_id!,
        livemode: token.livemode ?? false,
        scope: token.scope ?? 'read_only',
        accessTokenEnc: secrets.seal(token.access_token!),
        refreshTokenEnc: token.refresh_token ? secrets.seal(token.refresh_token) : null,
        webhookToken: existing?.webhook_token ?? randomBytes(18).toString('base64url'),
        userId: state.user_id,
      });
      await deps.sync.request(state.org_id, 'initial', state.user_id);
      return done({ status: 'connected', account: token.stripe_user_id!, livemode: String(token.livemode ?? false) });
    },

    async setWebhookSecret(ctx: OrgContext, secret: string | null) {
      requireRole(ctx, 'admin', 'change integration settings');
      if (!(await connections.setWebhookSecret(ctx.orgId, secret ? secrets.seal(secret) : null))) throw notFound('Stripe connection');
      return status(ctx.orgId, ctx.userId);
    },

    async sync(ctx: OrgContext) {
      requireRole(ctx, 'admin', 'start a sync');
      const connection = await connections.find(ctx.orgId);
      if (connection?.status !== 'connected') throw conflict('not_connected', 'Stripe is not connected. Connect Stripe first.');
      const { run, started } = await deps.sync.request(ctx.orgId, 'manual', ctx.userId);
      return { started, sync: runDto(run) };
    },

    /** Deauthorizes at Stripe, stops syncs and webhook processing; keeps the data. */
    async disconnect(ctx: OrgContext) {
      requireRole(ctx, 'admin', 'disconnect integrations');
      const connection = await connections.find(ctx.orgId);
      if (connection?.status !== 'connected') throw notFound('Stripe connection');
      if (deps.platform) {
        try {
          await deps.platform.client.oauth.deauthorize({
            client_id: deps.platform.config.clientId,
            stripe_user_id: connection.stripe_account_id,
          });
        } catch (err) {
          // Already revoked on Stripe's side: nothing left to undo there.
          deps.logger.warn({ err: (err as Error).message }, 'Stripe deauthorize failed; disconnecting locally');
        }
      }
      await db.transaction().execute(async (trx) => {
        await createConnectionsRepo(trx).markDisconnected(ctx.orgId, 'disconnected_by_user', ctx.userId);
        await createSyncRunsRepo(trx).cancelRunning(ctx.orgId, 'Stripe was disconnected.');
      });
      return status(ctx.orgId, ctx.userId);
    },

    /** Stripe told us the account revoked access (account.application.deauthorized). */
    async revokedAtStripe(orgId: string) {
      await db.transaction().execute(async (trx) => {
        await createConnectionsRepo(trx).markDisconnected(orgId, 'deauthorized_in_stripe', null);
        await createSyncRunsRepo(trx).cancelRunning(
          orgId,
          'Access was revoked in Stripe.',
          'Reconnect Stripe (Settings → Integrations → Connect Stripe): a sync starts by itself.',
        );
      });
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;

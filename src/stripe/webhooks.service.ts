import { type Kysely, sql } from 'kysely';
import Stripe from 'stripe';
import { AppError, badRequest } from '../core/errors.js';
import type { AppLogger } from '../core/logger.js';
import type { SecretBox } from '../core/secrets.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { storableJson } from '../db/pg-text.js';
import { createConnectionsRepo } from './connections.repo.js';
import { createEventStore } from './event-intake.batcher.js';
import type { StripePlatform } from './stripe.client.js';
import { createEventApplier } from './webhooks.apply.js';
import { drainEventsJob } from './webhooks.jobs.js';

const SIGNATURE_TOLERANCE_SECONDS = 300;
const WAKE_DELAY_MS = 2;
const BATCH_SIZE = 100;
const PARALLEL = 10;
const MAX_ATTEMPTS = 10;
/** A claimed event whose worker has not finished it after this long is put back. */
const STUCK_AFTER_SECONDS = 120;

export interface WebhookDeps {
  db: Kysely<Database>;
  platform: StripePlatform | null;
  secrets: SecretBox;
  logger: AppLogger;
  /** Called when Stripe reports that an account revoked access. */
  onDeauthorized: (orgId: string) => Promise<void>;
  /** Called after a batch changed the billing data of some organizations' customers (to re-score them). */
  onCustomersChanged?: (orgIds: string[]) => Promise<void>;
}

export function createWebhookService(deps: WebhookDeps) {
  const { db, logger } = deps;
  const verifier = deps.platform?.client.webhooks ?? Stripe.webhooks;
  const connections = createConnectionsRepo(db);
  const eventStore = createEventStore(db);

  function verify(raw: Buffer, signature: string | undefined, secret: string): Stripe.Event {
    if (!signature) throw badRequest('missing_signature', 'The Stripe-Signature header is missing.');
    try {
      return verifier.constructEvent(raw, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
    } catch {
      throw badRequest('invalid_signature', 'The webhook signature is invalid or too old.');
    }
  }

  /**
   * Verifies the signature on the raw body, stores the event once per organization it belongs to, and queues
   * its processing. Platform (Connect) events are attributed by `event.account`; an account-level endpoint's
   * path carries its connection's token.
   */
  async function intake(raw: Buffer, signature: string | undefined, endpointToken?: string) {
    let event: Stripe.Event;
    let attribution: { account: string | null; connectionId: string | null };
    if (endpointToken) {
      const connection = await connections.findByWebhookToken(endpointToken);
      if (!connection) throw new AppError(404, 'not_found', 'Unknown webhook endpoint.');
      if (!connection.webhook_secret_enc) {
        // The endpoint exists but cannot verify anything yet: a conflict with its state, retried by Stripe later.
        throw new AppError(
          409,
          'webhook_secret_not_set',
          'Set this endpoint’s signing secret in Settings → Integrations → Stripe → Webhook secret.',
        );
      }
      event = verify(raw, signature, deps.secrets.open(connection.webhook_secret_enc));
      attribution = { account: null, connectionId: connection.id };
    } else {
      const secret = deps.platform?.config.webhookSecret;
      if (!secret) throw badRequest('webhooks_not_configured', 'STRIPE_WEBHOOK_SECRET is not configured on this server.');
      event = verify(raw, signature, secret);
      if (!event.account) return { received: true, stored: 0, ignored: 'no connected organization for this account' };
      attribution = { account: event.account, connectionId: null };
    }
    // Signed by Stripe, but still checked: an event that cannot be stored is refused alone, with a 400.
    if (typeof event.id !== 'string' || event.id.length > 255 || typeof event.type !== 'string' || !Number.isSafeInteger(event.created)) {
      throw badRequest('invalid_event', 'The event lacks a valid id, type or created time.');
    }
    const outcome = await eventStore.store({
      ...attribution,
      id: event.id,
      type: event.type,
      created: event.created,
      // Stored as jsonb, which cannot hold NUL: a text field with one keeps everything but that character.
      payload: storableJson(raw.toString('utf8')),
    });
    if (outcome.orgs === 0) return { received: true, stored: 0, ignored: 'no connected organization for this account' };
    if (outcome.stored > 0) wake();
    return { received: true, stored: outcome.stored, ignored: null };
  }

  /**
   * Asks for a drain within a few milliseconds, once for any number of events arriving meanwhile. If this
   * fails (or the process dies first) the events are still stored, and the workers' periodic check drains them.
   */
  let wakeTimer: NodeJS.Timeout | null = null;
  function wake(): void {
    if (wakeTimer) return;
    wakeTimer = setTimeout(() => {
      wakeTimer = null;
      enqueue(db, drainEventsJob, {}).catch((err: unknown) =>
        logger.warn({ err: (err as Error).message }, 'could not queue Stripe event processing; the periodic check will'),
      );
    }, WAKE_DELAY_MS);
    wakeTimer.unref();
  }

  const apply = createEventApplier(deps);

  interface Claimed {
    id: string;
    org_id: string;
    payload: Record<string, any>;
    attempts: number;
  }

  /** Claims a batch of due events; SKIP LOCKED lets several workers drain side by side. */
  async function claim(limit: number): Promise<Claimed[]> {
    const res = await sql<Claimed>`
      update stripe_events set status = 'processing', claimed_at = now(), attempts = attempts + 1
      where id in (
        select id from stripe_events where status = 'pending' and next_attempt_at <= now()
        order by next_attempt_at limit ${limit} for update skip locked
      )
      returning id, org_id, payload, attempts`.execute(db);
    return res.rows;
  }

  interface Result {
    id: string;
    status: 'processed' | 'skipped' | 'failed' | 'pending';
    error: string | null;
    retryInSeconds: number;
  }

  async function processOne(row: Claimed, connected: Set<string>): Promise<Result> {
    const event = row.payload as unknown as Stripe.Event;
    // After a disconnect, nothing but the deauthorization itself is applied any more.
    if (!connected.has(row.org_id) && event.type !== 'account.application.deauthorized') {
      return { id: row.id, status: 'skipped', error: 'Stripe is disconnected', retryInSeconds: 0 };
    }
    try {
      return { id: row.id, status: await apply(row.org_id, event), error: null, retryInSeconds: 0 };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logger.warn({ eventId: event.id, type: event.type, err: message, attempt: row.attempts }, 'Stripe event processing failed');
      const last = row.attempts >= MAX_ATTEMPTS;
      return {
        id: row.id,
        status: last ? 'failed' : 'pending',
        error: message.slice(0, 500),
        retryInSeconds: Math.min(3600, 2 ** row.attempts),
      };
    }
  }

  async function finish(results: Result[]): Promise<void> {
    if (results.length === 0) return;
    const values = sql.join(results.map((r) => sql`(${r.id}::uuid, ${r.status}::text, ${r.error}::text, ${r.retryInSeconds}::int)`));
    await sql`
      update stripe_events as e set
        status = v.status,
        error = v.error,
        processed_at = case when v.status = 'pending' then null else now() end,
        next_attempt_at = case when v.status = 'pending' then now() + make_interval(secs => v.retry) else e.next_attempt_at end,
        claimed_at = null
      from (values ${values}) as v(id, status, error, retry)
      where e.id = v.id`.execute(db);
  }

  /**
   * The drain job: applies stored events batch by batch until none is due. Idempotent and safe in any order:
   * every write is guarded by the version of the Stripe state it carries.
   */
  async function drain(signal?: AbortSignal): Promise<number> {
    let total = 0;
    for (;;) {
      if (signal?.aborted) break;
      const batch = await claim(BATCH_SIZE);
      if (batch.length === 0) break;
      const orgs = [...new Set(batch.map((r) => r.org_id))];
      const rows = await db
        .selectFrom('stripe_connections')
        .select('org_id')
        .where('org_id', 'in', orgs)
        .where('status', '=', 'connected')
        .execute();
      const connected = new Set(rows.map((r) => r.org_id));
      const results: Result[] = [];
      for (let i = 0; i < batch.length; i += PARALLEL) {
        results.push(...(await Promise.all(batch.slice(i, i + PARALLEL).map((row) => processOne(row, connected)))));
      }
      await finish(results);
      total += batch.length;
      const changed = [...new Set(batch.filter((row, i) => results[i]?.status === 'processed').map((row) => row.org_id))];
      if (changed.length > 0 && deps.onCustomersChanged) {
        await deps
          .onCustomersChanged(changed)
          .catch((err: unknown) =>
            logger.warn({ err: (err as Error).message }, 'could not re-score customers after Stripe events; the next check will'),
          );
      }
    }
    return total;
  }

  /** Puts back events claimed by a worker that died, and asks for a drain when events are due. */
  async function recover(): Promise<void> {
    await db
      .updateTable('stripe_events')
      .set({ status: 'pending', claimed_at: null })
      .where('status', '=', 'processing')
      .where('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${STUCK_AFTER_SECONDS})`)
      .execute();
    const due = await db
      .selectFrom('stripe_events')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', sql<Date>`now()`)
      .limit(1)
      .executeTakeFirst();
    if (due) await enqueue(db, drainEventsJob, {});
  }

  return { intake, drain, recover };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

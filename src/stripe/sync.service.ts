import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import type { AppLogger } from '../core/logger.js';
import type { Database } from '../db/schema.js';
import { forbidden, notFound } from '../core/errors.js';
import type { OrgContext } from '../auth/roles.js';
import { enqueue } from '../jobs/jobs.registry.js';
import type { JobMeta } from '../jobs/jobs.worker.js';
import { createCatalogService, type StripeCall } from './catalog.service.js';
import { createRateGate, type RateGate, type RetryOptions, type StripePlatform, withStripeRetry } from './stripe.client.js';
import { createStripeDataRepo } from './stripe-data.repo.js';
import { syncJob } from './sync.jobs.js';
import { CATALOG_STREAMS, initialCursors, PAGE_SIZE, type Prepared, STREAMS, streamOf } from './sync.streams.js';
import { createSyncRunsRepo, type StreamCursor, type SyncRunRow } from './sync-runs.repo.js';
import { describeFailure, retryReason, runDto } from './sync-status.js';

/** A run whose worker has not written for this long is taken over (the worker crashed or was killed). */
export const STALE_AFTER_SECONDS = 30;

class LostOwnership extends Error {}
class Paused extends Error {}

export { CHARGE_WINDOW_DAYS, INVOICE_WINDOW_DAYS, initialCursors } from './sync.streams.js';

/** Graphile Worker waits about e^attempt seconds before a failed job's next attempt. */
const jobBackoffMs = (attempt: number) => Math.exp(Math.min(attempt, 10)) * 1000;

const isPermanent = (err: unknown) =>
  err instanceof Stripe.errors.StripePermissionError ||
  err instanceof Stripe.errors.StripeAuthenticationError ||
  err instanceof Stripe.errors.StripeInvalidRequestError;

export interface SyncDeps {
  db: Kysely<Database>;
  platform: StripePlatform | null;
  logger: AppLogger;
  retry?: RetryOptions;
  /** Seconds without a heartbeat after which another worker resumes a run. */
  staleSeconds?: number;
  /** Called after a run completes, e.g. to re-score the organization. */
  onCompleted?: (orgId: string) => Promise<void>;
  /** Where a failed run's advice sends people. */
  supportEmail?: string;
}

export function createSyncService(deps: SyncDeps) {
  const { db, logger } = deps;
  const runs = createSyncRunsRepo(db);
  const catalog = createCatalogService(db);
  const staleSeconds = deps.staleSeconds ?? STALE_AFTER_SECONDS;
  const supportEmail = deps.supportEmail ?? 'support@pulsescore.app';

  /** Starts a full import unless one is running; answers the running one in that case. */
  async function request(orgId: string, kind: 'initial' | 'manual', userId: string | null) {
    // The running sync that kept this one from starting may finish before it is read: then start again.
    for (;;) {
      const outcome = await db.transaction().execute(async (trx) => {
        const runs = createSyncRunsRepo(trx);
        const started = await runs.start({ orgId, kind, userId, cursors: initialCursors(Math.floor(Date.now() / 1000)) });
        if (!started) {
          const running = await runs.running(orgId);
          return running ? { run: running, started: false } : null;
        }
        await enqueue(trx, syncJob, { runId: started.id });
        return { run: started, started: true };
      });
      if (outcome) return outcome;
    }
  }

  async function runStream(
    run: SyncRunRow,
    token: string,
    key: string,
    stripe: Stripe,
    signal: AbortSignal,
    gate: RateGate,
  ): Promise<void> {
    const name = streamOf(key);
    const stream = STREAMS[name];
    let cursor = run.cursors[key] ?? { after: null, done: false };
    if (cursor.done) return;
    const list = stream.list(stripe);
    const account = await db
      .selectFrom('stripe_connections')
      .select(['stripe_account_id', 'status'])
      .where('org_id', '=', run.org_id)
      .executeTakeFirst();
    if (!account || account.status !== 'connected') throw new LostOwnership();
    const options: Stripe.RequestOptions = { stripeAccount: account.stripe_account_id };
    const call: StripeCall = (fn) =>
      withStripeRetry(() => fn(stripe, options), {
        ...deps.retry,
        signal,
        gate,
        onRetry: async (err, attempt, delay) => {
          logger.warn(
            { stream: name, attempt, delay, status: (err as { statusCode?: number }).statusCode },
            'Stripe call failed; retrying',
          );
          // The status says why nothing moves; a page that arrives clears it. A status that cannot be written
          // does not stop the sync.
          await runs
            .noteRetry(run.id, token, { reason: retryReason(err), attempt, nextAttemptAt: new Date(Date.now() + delay).toISOString() })
            .catch((e: unknown) => logger.warn({ err: e }, 'could not record a sync retry'));
        },
      });
    const ctx = { db, orgId: run.org_id, runId: run.id, call, catalog };
    // The next page is fetched while the current one is written. The fetch settles into a value and never
    // rejects on its own, so a page read ahead and then abandoned (the run stopped, access revoked) cannot
    // become an unhandled rejection; its error is thrown only where the loop awaits it.
    type Fetched = { ok: true; page: Stripe.ApiList<any>; fetchedAt: number } | { ok: false; err: unknown };
    const fetchPage = (after: string | null): Promise<Fetched> => {
      const fetchedAt = Math.floor(Date.now() / 1000);
      return call((_s, o) => list({ limit: PAGE_SIZE, ...stream.params(cursor), ...(after ? { starting_after: after } : {}) }, o)).then(
        (page) => ({ ok: true, page, fetchedAt }),
        (err: unknown) => ({ ok: false, err }),
      );
    };
    let pending = fetchPage(cursor.after);
    for (;;) {
      if (signal.aborted) throw new Paused();
      const fetched = await pending;
      if (!fetched.ok) throw fetched.err;
      const { page, fetchedAt } = fetched;
      const last = page.data.at(-1)?.id ?? cursor.after;
      if (page.has_more) pending = fetchPage(last);
      const prepared: Prepared = await stream.prepare(page.data, ctx, fetchedAt);
      const next: StreamCursor = { ...cursor, after: last, done: !page.has_more };
      await db.transaction().execute(async (trx) => {
        const repo = createStripeDataRepo(trx);
        const added = await stream.write(repo, run.org_id, prepared, { ts: fetchedAt, eventId: null });
        const skipped = await repo.recordSkipped(run.id, run.org_id, prepared.skipped);
        const still = await createSyncRunsRepo(trx).advance(run.id, token, key, next, { ...added, skipped }, name);
        if (!still) throw new LostOwnership();
      });
      if (prepared.skipped.length > 0)
        logger.warn({ runId: run.id, stream: name, skipped: prepared.skipped }, 'Stripe objects could not be imported; skipped');
      cursor = next;
      if (next.done) return;
    }
  }

  /** The sync job: claims the run, walks the four streams side by side, and finishes it. Resumable at every page. */
  async function execute(runId: string, meta: Pick<JobMeta, 'attempt' | 'maxAttempts' | 'signal'>): Promise<void> {
    const token = randomUUID();
    const run = await runs.claim(runId, token, staleSeconds);
    if (!run) return;
    if (!deps.platform) {
      await runs.finish(
        runId,
        'failed',
        'failed',
        'Stripe is not configured on this server.',
        token,
        `Contact support at ${supportEmail}.`,
      );
      return;
    }
    const stripe = deps.platform.client;
    const beat = setInterval(() => void runs.heartbeat(runId, token).catch(() => undefined), Math.max(1000, (staleSeconds * 1000) / 6));
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    meta.signal.addEventListener('abort', onAbort);
    // The streams share the account's rate limit: one meeting it holds them all back.
    const gate = createRateGate();
    try {
      // The catalog first (a few pages), so that subscriptions find their prices, products and coupons stored;
      // then every other list side by side.
      const keys = Object.keys(run.cursors);
      for (const phase of [keys.filter((k) => CATALOG_STREAMS.has(streamOf(k))), keys.filter((k) => !CATALOG_STREAMS.has(streamOf(k)))]) {
        const results = await Promise.allSettled(phase.map((key) => runStream(run as SyncRunRow, token, key, stripe, abort.signal, gate)));
        const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
        if (failure) {
          abort.abort();
          throw failure;
        }
      }
      const done = await runs.byId(runId);
      if (await runs.finish(runId, 'succeeded', 'complete', null, token)) {
        await createStripeDataRepo(db).logEvent({
          orgId: run.org_id,
          type: 'sync.completed',
          customer: null,
          payload: { runId, counts: done?.counts ?? {} },
          occurredAt: new Date(),
          dedupKey: `sync.completed:${runId}`,
        });
        await deps.onCompleted?.(run.org_id);
        logger.info({ runId, orgId: run.org_id, counts: done?.counts }, 'Stripe sync complete');
      }
    } catch (err) {
      if (err instanceof LostOwnership) return;
      if (err instanceof Paused || meta.signal.aborted) {
        // Shutting down: hand the run back and queue its continuation from the saved cursors.
        await runs.release(runId, token);
        await enqueue(db, syncJob, { runId });
        return;
      }
      const last = meta.attempt >= meta.maxAttempts || isPermanent(err);
      logger.error({ runId, orgId: run.org_id, err, final: last }, 'Stripe sync failed');
      if (last) {
        const { error, advice } = describeFailure(err, supportEmail);
        await runs.finish(runId, 'failed', 'failed', error, token, advice);
        return;
      }
      // The job is tried again after its back-off, from the saved cursors: the status says so meanwhile.
      await runs.noteRetry(runId, token, {
        reason: `${retryReason(err)}; the sync resumes where it stopped`,
        attempt: meta.attempt,
        nextAttemptAt: new Date(Date.now() + jobBackoffMs(meta.attempt)).toISOString(),
      });
      await runs.release(runId, token);
      throw err;
    } finally {
      clearInterval(beat);
      meta.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Queues a continuation for every run whose worker died; called at start-up and periodically by workers. */
  async function recoverStale(): Promise<number> {
    const stale = await runs.stale(staleSeconds);
    for (const run of stale) await enqueue(db, syncJob, { runId: run.id });
    if (stale.length > 0) logger.warn({ runs: stale.map((r) => r.id) }, 'resuming Stripe syncs whose worker stopped');
    return stale.length;
  }

  /** The current or last run as `userId` sees it (their dismissal; a finished run is moot once Stripe is disconnected). */
  async function progress(orgId: string, userId: string | null) {
    const run = await runs.latest(orgId);
    if (!run) return null;
    const [skipped, previous, connection] = await Promise.all([
      (run.counts.skipped ?? 0) > 0 ? runs.skipped(run.id, 20) : [],
      run.status === 'running' ? runs.previousCounts(orgId, run.id) : null,
      db.selectFrom('stripe_connections').select(['status', 'disconnected_at']).where('org_id', '=', orgId).executeTakeFirst(),
    ]);
    const disconnectedSince =
      connection?.status === 'disconnected' &&
      connection.disconnected_at &&
      run.finished_at &&
      connection.disconnected_at >= run.finished_at;
    const dismissed = run.status !== 'running' && (Boolean(disconnectedSince) || (userId !== null && run.dismissed_by.includes(userId)));
    return runDto(run, { skipped, previous, dismissed });
  }

  return {
    request,
    execute,
    recoverStale,
    progress,
    /** Hides a run's banner for the signed-in user; answers the status as they now see it. */
    async dismiss(ctx: OrgContext, runId: string) {
      if (ctx.userId === null) {
        // Another organization's run is not found, whoever asks; an API key has no banner of its own.
        if (!(await runs.byIdInOrg(ctx.orgId, runId))) throw notFound('Sync');
        throw forbidden('API keys cannot dismiss a sync message; sign in as a user.', 'user_required');
      }
      if (!(await runs.dismiss(ctx.orgId, runId, ctx.userId))) throw notFound('Sync');
      return progress(ctx.orgId, ctx.userId);
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;

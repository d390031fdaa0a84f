import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import type { AppLogger } from '../core/logger.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import type { JobMeta } from '../jobs/jobs.worker.js';
import { createCatalogService, type StripeCall } from './catalog.service.js';
import { createRateGate, type RateGate, type RetryOptions, type StripePlatform, withStripeRetry } from './stripe.client.js';
import { createStripeDataRepo } from './stripe-data.repo.js';
import { syncJob } from './sync.jobs.js';
import { CATALOG_STREAMS, initialCursors, PAGE_SIZE, type Prepared, STREAMS, streamOf } from './sync.streams.js';
import { createSyncRunsRepo, type StreamCursor, type SyncRunRow } from './sync-runs.repo.js';

/** A run whose worker has not written for this long is taken over (the worker crashed or was killed). */
export const STALE_AFTER_SECONDS = 30;

class LostOwnership extends Error {}
class Paused extends Error {}

export { CHARGE_WINDOW_DAYS, INVOICE_WINDOW_DAYS, initialCursors } from './sync.streams.js';

export function completionMessage(counts: Record<string, number>): string {
  const skipped = counts.skipped ?? 0;
  const notImported = skipped > 0 ? ` ${skipped} ${skipped === 1 ? 'object' : 'objects'} could not be imported.` : '';
  return `Sync complete — ${counts.customers ?? 0} customers imported.${notImported}`;
}

/** What the UI shows about a run: phase, counts and the final message or error. */
export function runDto(
  run: Pick<SyncRunRow, 'id' | 'kind' | 'status' | 'phase' | 'counts' | 'error' | 'started_at' | 'finished_at'>,
  skipped: { type: string; id: string; reason: string }[] = [],
) {
  const counts = {
    customers: 0,
    subscriptions: 0,
    payments: 0,
    invoices: 0,
    anonymous_charges_skipped: 0,
    refunds: 0,
    disputes: 0,
    skipped: 0,
    ...run.counts,
  };
  return {
    id: run.id,
    kind: run.kind,
    status: run.status,
    phase: run.phase,
    counts,
    message:
      run.status === 'succeeded'
        ? completionMessage(counts)
        : run.status === 'running'
          ? 'Syncing Stripe data…'
          : run.status === 'canceled'
            ? `Sync stopped: ${run.error ?? 'canceled'}`
            : `Sync failed: ${run.error ?? 'unknown error'}`,
    error: run.status === 'failed' || run.status === 'canceled' ? run.error : null,
    skipped,
    startedAt: run.started_at.toISOString(),
    finishedAt: run.finished_at?.toISOString() ?? null,
  };
}

function describeFailure(err: unknown): string {
  if (err instanceof Stripe.errors.StripePermissionError || err instanceof Stripe.errors.StripeAuthenticationError) {
    return 'Stripe refused access to the connected account; it may have been disconnected. Reconnect Stripe, then retry the sync.';
  }
  if (err instanceof Stripe.errors.StripeRateLimitError)
    return 'Stripe kept rate-limiting the sync. It will be retried; you can also click Retry sync later.';
  if (err instanceof Stripe.errors.StripeError) return `Stripe answered: ${err.message}`;
  return 'An internal error stopped the sync. Click Retry sync; if it happens again, contact support@pulsescore.app.';
}

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
}

export function createSyncService(deps: SyncDeps) {
  const { db, logger } = deps;
  const runs = createSyncRunsRepo(db);
  const catalog = createCatalogService(db);
  const staleSeconds = deps.staleSeconds ?? STALE_AFTER_SECONDS;

  /** Starts a full import unless one is running; answers the running one in that case. */
  async function request(orgId: string, kind: 'initial' | 'manual', userId: string | null) {
    return db.transaction().execute(async (trx) => {
      const started = await createSyncRunsRepo(trx).start({ orgId, kind, userId, cursors: initialCursors(Math.floor(Date.now() / 1000)) });
      if (!started) return { run: (await createSyncRunsRepo(trx).running(orgId))!, started: false };
      await enqueue(trx, syncJob, { runId: started.id });
      return { run: started, started: true };
    });
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
        onRetry: (err, attempt, delay) =>
          logger.warn(
            { stream: name, attempt, delay, status: (err as { statusCode?: number }).statusCode },
            'Stripe call failed; retrying',
          ),
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
      await runs.finish(runId, 'failed', 'failed', 'Stripe is not configured on this server.', token);
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
        await runs.finish(runId, 'failed', 'failed', describeFailure(err), token);
        return;
      }
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

  return {
    request,
    execute,
    recoverStale,
    async progress(orgId: string) {
      const run = await runs.latest(orgId);
      return run ? runDto(run, (run.counts.skipped ?? 0) > 0 ? await runs.skipped(run.id, 20) : []) : null;
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;

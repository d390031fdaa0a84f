import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import type { AppLogger } from '../app/logger.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import type { JobMeta } from '../jobs/jobs.worker.js';
import { createRateGate, type RateGate, type RetryOptions, type StripePlatform, withStripeRetry } from './stripe.client.js';
import { createStripeDataRepo, type SourceVersion } from './stripe-data.repo.js';
import { mapCharge, mapCustomer, mapInvoice, mapSubscription, type CustomerRow } from './stripe.mapping.js';
import { syncJob } from './sync.jobs.js';
import { createSyncRunsRepo, type StreamCursor, type StreamName, type SyncRunRow } from './sync-runs.repo.js';

const PAGE_SIZE = 100;
const DAY = 86_400;
export const CHARGE_WINDOW_DAYS = 90;
export const INVOICE_WINDOW_DAYS = 365;
/** A run whose worker has not written for this long is taken over (the worker crashed or was killed). */
export const STALE_AFTER_SECONDS = 30;

class LostOwnership extends Error {}
class Paused extends Error {}

type Lister = (params: Record<string, unknown>, options: Stripe.RequestOptions) => Promise<Stripe.ApiList<any>>;

interface Stream {
  list: (stripe: Stripe) => Lister;
  params: (cursor: StreamCursor) => Record<string, unknown>;
  /** Writes one page; returns counters to add to the run. */
  write: (
    repo: ReturnType<typeof createStripeDataRepo>,
    orgId: string,
    objects: any[],
    version: SourceVersion,
  ) => Promise<Record<string, number>>;
}

const STREAMS: Record<StreamName, Stream> = {
  customers: {
    list: (s) => s.customers.list.bind(s.customers) as Lister,
    params: () => ({}),
    write: async (repo, orgId, objects: Stripe.Customer[], version) => {
      const rows = objects.map(mapCustomer).filter((r): r is CustomerRow => !('deleted' in r));
      await repo.upsertCustomers(orgId, rows, version);
      return { customers: rows.length };
    },
  },
  subscriptions: {
    list: (s) => s.subscriptions.list.bind(s.subscriptions) as Lister,
    // Canceled ones too, with what MRR needs expanded in the list call: prices, tiers, products, coupons.
    params: () => ({
      status: 'all',
      expand: [
        'data.items.data.price.product',
        'data.items.data.price.tiers',
        'data.discounts.source.coupon',
        'data.items.data.discounts.source.coupon',
      ],
    }),
    write: async (repo, orgId, objects: Stripe.Subscription[], version) => {
      await repo.upsertSubscriptions(orgId, objects.map(mapSubscription), version);
      return { subscriptions: objects.length };
    },
  },
  charges: {
    list: (s) => s.charges.list.bind(s.charges) as Lister,
    params: (c) => ({ created: { gte: c.since, ...(c.until ? { lt: c.until } : {}) } }),
    write: async (repo, orgId, objects: Stripe.Charge[], version) => {
      const rows = objects.map(mapCharge).filter((r) => r !== null);
      await repo.upsertPayments(orgId, rows, version);
      return { payments: rows.length, anonymous_charges_skipped: objects.length - rows.length };
    },
  },
  invoices: {
    list: (s) => s.invoices.list.bind(s.invoices) as Lister,
    params: (c) => ({ created: { gte: c.since, ...(c.until ? { lt: c.until } : {}) } }),
    write: async (repo, orgId, objects: Stripe.Invoice[], version) => {
      const rows = objects.map(mapInvoice).filter((r) => r !== null);
      await repo.upsertInvoices(orgId, rows, version);
      return { invoices: rows.length };
    },
  },
};

/** Windowed lists are walked as several `created` ranges side by side: one long walk would be the slowest part. */
const PARTITIONS = 4;

function partitioned(name: StreamName, since: number, now: number): Record<string, StreamCursor> {
  const step = Math.ceil((now - since) / PARTITIONS);
  return Object.fromEntries(
    Array.from({ length: PARTITIONS }, (_, i) => [
      `${name}#${i}`,
      // The last range is open-ended, so objects created while the sync runs are not missed.
      { after: null, done: false, since: since + i * step, ...(i < PARTITIONS - 1 ? { until: since + (i + 1) * step } : {}) },
    ]),
  );
}

/** Where a run starts: every list from its first page, with the charge and invoice windows fixed now. */
export function initialCursors(now: number): Record<string, StreamCursor> {
  return {
    customers: { after: null, done: false },
    subscriptions: { after: null, done: false },
    ...partitioned('charges', now - CHARGE_WINDOW_DAYS * DAY, now),
    ...partitioned('invoices', now - INVOICE_WINDOW_DAYS * DAY, now),
  };
}

const streamOf = (key: string) => key.split('#')[0] as StreamName;

export function completionMessage(counts: Record<string, number>): string {
  return `Sync complete — ${counts.customers ?? 0} customers imported.`;
}

/** What the UI shows about a run: phase, counts and the final message or error. */
export function runDto(run: Pick<SyncRunRow, 'id' | 'kind' | 'status' | 'phase' | 'counts' | 'error' | 'started_at' | 'finished_at'>) {
  const counts = { customers: 0, subscriptions: 0, payments: 0, invoices: 0, anonymous_charges_skipped: 0, ...run.counts };
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
    const options = { stripeAccount: '' as string };
    const account = await db
      .selectFrom('stripe_connections')
      .select(['stripe_account_id', 'status'])
      .where('org_id', '=', run.org_id)
      .executeTakeFirst();
    if (!account || account.status !== 'connected') throw new LostOwnership();
    options.stripeAccount = account.stripe_account_id;
    const fetchPage = (after: string | null) => {
      const fetchedAt = Math.floor(Date.now() / 1000);
      const page = withStripeRetry(
        () => list({ limit: PAGE_SIZE, ...stream.params(cursor), ...(after ? { starting_after: after } : {}) }, options),
        {
          ...deps.retry,
          signal,
          gate,
          onRetry: (err, attempt, delay) =>
            logger.warn(
              { stream: name, attempt, delay, status: (err as { statusCode?: number }).statusCode },
              'Stripe call failed; retrying',
            ),
        },
      );
      page.catch(() => undefined);
      return page.then((p) => ({ page: p, fetchedAt }));
    };
    // The next page is fetched while the current one is written.
    let pending = fetchPage(cursor.after);
    for (;;) {
      if (signal.aborted) throw new Paused();
      const { page, fetchedAt } = await pending;
      const last = page.data.at(-1)?.id ?? cursor.after;
      if (page.has_more) pending = fetchPage(last);
      const next: StreamCursor = { ...cursor, after: last, done: !page.has_more };
      await db.transaction().execute(async (trx) => {
        const added = await stream.write(createStripeDataRepo(trx), run.org_id, page.data, { ts: fetchedAt, eventId: null });
        const still = await createSyncRunsRepo(trx).advance(run.id, token, key, next, added, name);
        if (!still) throw new LostOwnership();
      });
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
      const results = await Promise.allSettled(
        Object.keys(run.cursors).map((key) => runStream(run as SyncRunRow, token, key, stripe, abort.signal, gate)),
      );
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason;
      if (failure) {
        abort.abort();
        throw failure;
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
      return run ? runDto(run) : null;
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;

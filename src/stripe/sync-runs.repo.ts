import { type Kysely, sql } from 'kysely';
import type { Database, SyncStatus } from '../db/schema.js';

export type StreamName =
  'prices' | 'products' | 'coupons' | 'customers' | 'subscriptions' | 'charges' | 'invoices' | 'refunds' | 'disputes';
export interface StreamCursor {
  after: string | null;
  done: boolean;
  /** `created` range of windowed streams, fixed when the run starts so that a resume walks the same list. */
  since?: number;
  until?: number;
}

export interface SyncRetry {
  /** Why, in words: "Stripe is rate-limiting requests". */
  reason: string;
  /** Attempts made at the call so far. */
  attempt: number;
  nextAttemptAt: string;
}

export function createSyncRunsRepo(db: Kysely<Database>) {
  const columns = [
    'id',
    'org_id',
    'kind',
    'status',
    'phase',
    'cursors',
    'counts',
    'error',
    'started_at',
    'finished_at',
    'heartbeat_at',
    'retry',
    'advice',
    'dismissed_by',
  ] as const;
  return {
    latest(orgId: string) {
      return db
        .selectFrom('sync_runs')
        .select(columns)
        .where('org_id', '=', orgId)
        .orderBy('started_at', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
    running(orgId: string) {
      return db.selectFrom('sync_runs').select(columns).where('org_id', '=', orgId).where('status', '=', 'running').executeTakeFirst();
    },
    byId(id: string) {
      return db
        .selectFrom('sync_runs')
        .select([...columns, 'owner_token'])
        .where('id', '=', id)
        .executeTakeFirst();
    },
    byIdInOrg(orgId: string, id: string) {
      return db.selectFrom('sync_runs').select('id').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    },
    /** Starts a run unless one is running for the organization; returns the new run, or null. */
    async start(input: { orgId: string; kind: 'initial' | 'manual'; userId: string | null; cursors: Record<string, StreamCursor> }) {
      const row = await db
        .insertInto('sync_runs')
        .values({
          org_id: input.orgId,
          kind: input.kind,
          status: 'running',
          requested_by: input.userId,
          cursors: JSON.stringify(input.cursors),
          counts: JSON.stringify({}),
        })
        .onConflict((oc) => oc.column('org_id').where('status', '=', 'running').doNothing())
        .returning(columns)
        .executeTakeFirst();
      return row ?? null;
    },
    /** Takes ownership of a run whose owner is gone (no heartbeat for `staleSeconds`) or that has none. */
    claim(id: string, token: string, staleSeconds: number) {
      return db
        .updateTable('sync_runs')
        .set({ owner_token: token, heartbeat_at: sql`now()` })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where((eb) =>
          eb.or([eb('owner_token', 'is', null), eb('heartbeat_at', '<', sql<Date>`now() - make_interval(secs => ${staleSeconds})`)]),
        )
        .returning(columns)
        .executeTakeFirst();
    },
    /** Saves one stream's progress; fails (false) when another worker has taken the run over. */
    async advance(
      id: string,
      token: string,
      stream: string,
      cursor: StreamCursor,
      counts: Record<string, number>,
      phase: string,
    ): Promise<boolean> {
      let counters = sql<string>`counts`;
      for (const [key, n] of Object.entries(counts)) {
        counters = sql<string>`jsonb_set(${counters}, ${sql.lit(`{${key}}`)}, to_jsonb(coalesce((counts ->> ${key})::bigint, 0) + ${n}))`;
      }
      const res = await db
        .updateTable('sync_runs')
        .set({
          cursors: sql<string>`jsonb_set(cursors, ${sql.lit(`{${stream}}`)}, ${JSON.stringify(cursor)}::jsonb)`,
          counts: counters,
          heartbeat_at: sql`now()`,
          phase,
          // A page arrived: whatever was being retried has gone through.
          retry: null,
        })
        .where('id', '=', id)
        .where('owner_token', '=', token)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    /** Records the Stripe call being retried now, so that the status can say why nothing moves. */
    async noteRetry(id: string, token: string, retry: SyncRetry): Promise<void> {
      await db
        .updateTable('sync_runs')
        .set({ retry: JSON.stringify(retry) })
        .where('id', '=', id)
        .where('owner_token', '=', token)
        .where('status', '=', 'running')
        .execute();
    },
    /** Hides a run's banner for one user; false when the organization has no such run. */
    async dismiss(orgId: string, id: string, userId: string): Promise<boolean> {
      const res = await db
        .updateTable('sync_runs')
        .set({
          dismissed_by: sql<string>`case when dismissed_by ? ${userId} then dismissed_by else dismissed_by || to_jsonb(${userId}::text) end`,
        })
        .where('id', '=', id)
        .where('org_id', '=', orgId)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    /** What the last complete run imported, list by list: what the next run can expect, about. */
    async previousCounts(orgId: string, beforeRunId: string): Promise<Record<string, number> | null> {
      const row = await db
        .selectFrom('sync_runs')
        .select('counts')
        .where('org_id', '=', orgId)
        .where('status', '=', 'succeeded')
        .where('id', '!=', beforeRunId)
        .orderBy('finished_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.counts ?? null;
    },
    async heartbeat(id: string, token: string): Promise<boolean> {
      const res = await db
        .updateTable('sync_runs')
        .set({ heartbeat_at: sql`now()` })
        .where('id', '=', id)
        .where('owner_token', '=', token)
        .where('status', '=', 'running')
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async release(id: string, token: string): Promise<void> {
      await db.updateTable('sync_runs').set({ owner_token: null }).where('id', '=', id).where('owner_token', '=', token).execute();
    },
    async finish(
      id: string,
      status: Exclude<SyncStatus, 'running'>,
      phase: string,
      error: string | null,
      token?: string,
      advice: string | null = null,
    ): Promise<boolean> {
      let q = db
        .updateTable('sync_runs')
        .set({ status, phase, error, advice, finished_at: sql`now()`, owner_token: null, retry: null })
        .where('id', '=', id)
        .where('status', '=', 'running');
      if (token) q = q.where('owner_token', '=', token);
      const res = await q.executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async cancelRunning(orgId: string, reason: string, advice: string | null = null): Promise<void> {
      await db
        .updateTable('sync_runs')
        .set({ status: 'canceled', phase: 'canceled', error: reason, advice, finished_at: sql`now()`, owner_token: null, retry: null })
        .where('org_id', '=', orgId)
        .where('status', '=', 'running')
        .execute();
    },
    /** What a run could not import, first recorded first. */
    skipped(runId: string, limit: number) {
      return db
        .selectFrom('sync_skipped')
        .select(['object_type as type', 'object_id as id', 'reason'])
        .where('run_id', '=', runId)
        .orderBy('created_at')
        .limit(limit)
        .execute();
    },
    /** Runs whose worker stopped beating: crashed or killed processes. */
    stale(staleSeconds: number) {
      return db
        .selectFrom('sync_runs')
        .select(['id', 'org_id'])
        .where('status', '=', 'running')
        .where((eb) =>
          eb.or([eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', sql<Date>`now() - make_interval(secs => ${staleSeconds})`)]),
        )
        .execute();
    },
  };
}

export type SyncRunRow = NonNullable<Awaited<ReturnType<ReturnType<typeof createSyncRunsRepo>['byId']>>>;

import type { Kysely } from 'kysely';
import { badRequest } from '../core/errors.js';
import type { AppLogger } from '../core/logger.js';
import { type OrgContext, requireRole } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { DEFAULT_CONFIG, type ScoringConfig, scoringConfigSchema } from '../scoring/scoring.config.js';
import type { CustomerHistory } from '../scoring/reconstruct.js';
import { type ComputedFactors, scoreFromFactors } from '../scoring/scoring.engine.js';
import { churnOf, gridStart, reconstructPoints, type StoredPoint } from './backtest.history.js';
import { reconstructJob } from './backtest.jobs.js';
import {
  type BacktestCustomer,
  backtestHorizon,
  type Churn,
  churnRows,
  HORIZONS,
  type HorizonResult,
  type Level,
} from './backtest.metrics.js';
import { createBacktestRepo, type ReferencePoint, runStatus } from './backtest.repo.js';

const DAY = 86_400;
/** Customers reconstructed per chunk (one read, one transaction). */
const CHUNK = 250;
/** Customers reconstructed between two turns given to the event loop (a few milliseconds of work). */
const GIVE_WAY_EVERY = 10;
const giveWay = () => new Promise<void>((resolve) => setImmediate(resolve));

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
function unwrap<T>(s: Settled<T>): T {
  if (!s.ok) throw s.error;
  return s.value;
}

export interface BacktestDeps {
  db: Kysely<Database>;
  logger: AppLogger;
  /** The clock, in unix milliseconds; tests move it. */
  now?: () => number;
}

/** A stored point's level under a configuration (factors are configuration-independent). */
function levelUnder(p: ReferencePoint, config: ScoringConfig): { score: number | null; level: Level | null } {
  const factors = Object.fromEntries(
    Object.entries(p.factors).map(([k, v]) => [k, { value: v, explanation: '' }]),
  ) as unknown as ComputedFactors;
  const r = scoreFromFactors(factors, config, { state: p.lifecycle, at: null });
  return { score: r.score, level: r.level };
}

export function createBacktestService(deps: BacktestDeps) {
  const { db, logger } = deps;
  const repo = createBacktestRepo(db);
  const clock = deps.now ?? Date.now;

  async function config(orgId: string): Promise<ScoringConfig> {
    const row = await db.selectFrom('scoring_configs').select('config').where('org_id', '=', orgId).executeTakeFirst();
    const parsed = row ? scoringConfigSchema.safeParse(row.config) : null;
    return parsed?.success ? parsed.data : DEFAULT_CONFIG;
  }

  /** The records of the next chunk of customers after `after` (null: the first chunk). */
  async function readChunk(orgId: string, after: string | null) {
    const ids = await repo.customerIds(orgId, after, CHUNK);
    return { ids, histories: ids.length > 0 ? await repo.histories(orgId, ids) : new Map<string, CustomerHistory>() };
  }

  /**
   * Every customer's weekly points over the history, a chunk at a time; the same data gives the same rows. Reads,
   * computation and writes overlap: while a chunk is computed, the next one is read and the previous one written
   * (at most one of each in flight, so memory stays at three chunks). Each read and write settles into a value
   * where it is started, and its error is thrown where the loop awaits it (never an unhandled rejection).
   */
  async function rebuild(orgId: string): Promise<{ customers: number; points: number }> {
    const end = Math.floor(clock() / 1000);
    await repo.startRun(orgId);
    let writing: Promise<Settled<void>> = Promise.resolve({ ok: true, value: undefined });
    try {
      const cfg = await config(orgId);
      const first = await repo.firstRecordAt(orgId);
      const start = gridStart(first ?? end, end);
      let customers = 0;
      let points = 0;
      let reading = settle(readChunk(orgId, null));
      for (;;) {
        const { ids, histories } = unwrap(await reading);
        if (ids.length === 0) break;
        const last = ids.length === CHUNK;
        if (last) reading = settle(readChunk(orgId, ids.at(-1)!));
        const byCustomer = new Map<string, StoredPoint[]>();
        const churns = new Map<string, Churn>();
        let k = 0;
        for (const [id, h] of histories) {
          // Other organizations' requests and jobs run on this event loop too: give way every few customers.
          if (++k % GIVE_WAY_EVERY === 0) await giveWay();
          const list = reconstructPoints(h, start, end, cfg);
          byCustomer.set(id, list);
          points += list.length;
          const churn = churnOf(h);
          if (churn && churn.at <= end) churns.set(id, churn);
        }
        unwrap(await writing);
        writing = settle(repo.replace(orgId, ids, byCustomer, churns));
        customers += ids.length;
        if (!last) break;
      }
      unwrap(await writing);
      await repo.removeDeleted(orgId);
      await repo.finishRun(orgId, { start, end, customers, points });
      logger.debug({ orgId, customers, points }, 'score history reconstructed');
      return { customers, points };
    } catch (err) {
      // A write still in flight ends before the run is marked failed (its outcome no longer matters).
      await writing;
      await repo.failRun(orgId, err instanceof Error ? err.message : String(err)).catch(() => undefined);
      throw err;
    }
  }

  /** The backtest of the stored history under each configuration, at one horizon. */
  async function evaluate(orgId: string, horizon: number, configs: ScoringConfig[]) {
    const run = await repo.run(orgId);
    if (!run || run.historyEnd === null || run.historyStart === null) return { run, results: null };
    const end = run.historyEnd;
    const [all, churns, refs] = await Promise.all([
      repo.allCustomerIds(orgId),
      repo.churns(orgId),
      repo.referencePoints(
        orgId,
        [end - horizon * DAY],
        HORIZONS.map((h) => h * DAY),
      ),
    ]);
    const churnOfCustomer = new Map(churns.map((c) => [c.customerId, c.churn]));
    const byCustomer = new Map<string, ReferencePoint[]>();
    for (const p of refs) {
      const list = byCustomer.get(p.customerId) ?? [];
      list.push(p);
      byCustomer.set(p.customerId, list);
    }
    for (const list of byCustomer.values()) list.sort((a, b) => a.at - b.at);
    const results = configs.map((cfg) => {
      const customers: BacktestCustomer[] = [...byCustomer].map(([id, list]) => ({
        id,
        churn: churnOfCustomer.get(id) ?? null,
        points: list.map((p) => ({ at: p.at, churned: p.lifecycle === 'churned', ...levelUnder(p, cfg) })),
      }));
      // Customers without any point there still count, as excluded ones.
      for (const id of new Set([...all, ...churnOfCustomer.keys()])) {
        if (!byCustomer.has(id)) customers.push({ id, churn: churnOfCustomer.get(id) ?? null, points: [] });
      }
      return { result: backtestHorizon(customers, horizon, end), churns: churnRows(customers, end) };
    });
    return { run, results };
  }

  function status(run: Awaited<ReturnType<typeof repo.run>>) {
    return {
      status: runStatus(run),
      builtAt: run?.status === 'done' && run.finishedAt ? run.finishedAt.toISOString() : null,
      historyStart: run?.historyStart ? new Date(run.historyStart * 1000).toISOString() : null,
      historyEnd: run?.historyEnd ? new Date(run.historyEnd * 1000).toISOString() : null,
      reconstructedCustomers: run?.customers ?? 0,
      points: run?.points ?? 0,
      error: run?.status === 'failed' ? run.error : null,
    };
  }

  const ids = (r: HorizonResult) =>
    [r.all, r.voluntary, r.involuntary].flatMap((k) =>
      [k.red, k.redOrYellow].flatMap((f) => [...f.customers.caught, ...f.customers.missed, ...f.customers.falseAlarms]),
    );

  return {
    rebuild,
    /** Asks for a rebuild in the background (after a sync or a configuration change). */
    async requestRebuild(orgId: string): Promise<void> {
      await enqueue(db, reconstructJob, { orgId });
    },

    async rebuildNow(ctx: OrgContext): Promise<void> {
      requireRole(ctx, 'admin', 'rebuild the score history');
      await enqueue(db, reconstructJob, { orgId: ctx.orgId });
    },

    /** The backtest under the saved configuration: GET /scoring/backtest. */
    async backtest(ctx: OrgContext, horizon: number) {
      const cfg = await config(ctx.orgId);
      const { run, results } = await evaluate(ctx.orgId, horizon, [cfg]);
      const first = results?.[0] ?? null;
      const customerIds = first ? [...new Set([...ids(first.result), ...first.churns.map((c) => c.customerId)])] : [];
      return {
        ...status(run),
        horizon,
        config: cfg,
        result: first?.result ?? null,
        churns: first?.churns.map((c) => ({ ...c, churnedAt: new Date(c.churnedAt * 1000).toISOString() })) ?? [],
        customers: await repo.names(ctx.orgId, customerIds),
      };
    },

    /** The what-if: the candidate configuration's backtest beside the saved one's, without saving anything. */
    async whatIf(ctx: OrgContext, input: { config: ScoringConfig; horizon: number }) {
      const parsed = scoringConfigSchema.safeParse(input.config);
      if (!parsed.success) {
        const first = parsed.error.issues[0]!;
        throw badRequest('invalid_scoring_config', `config.${first.path.join('.')}: ${first.message}`);
      }
      const cfg = await config(ctx.orgId);
      const { run, results } = await evaluate(ctx.orgId, input.horizon, [cfg, parsed.data]);
      return {
        ...status(run),
        horizon: input.horizon,
        currentConfig: cfg,
        config: parsed.data,
        current: results?.[0]?.result ?? null,
        candidate: results?.[1]?.result ?? null,
      };
    },
  };
}

export type BacktestService = ReturnType<typeof createBacktestService>;

import { hash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { badRequest } from '../core/errors.js';
import type { AppLogger } from '../core/logger.js';
import { type OrgContext, requireRole } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { evaluateCustomer } from './customer-health.js';
import { storedLifecycle } from './lifecycle.js';
import { historySince, type InvoiceLineRow, openInvoiceSweep, sweepPays } from './invoice-lines.repo.js';
import { createRecombineRepo } from './recombine.repo.js';
import { type ScoringConfig, scoringConfigSchema } from './scoring.config.js';
import { type ComputedFactors, scoreFromFactors } from './scoring.engine.js';
import { rescoreJob, type RescoreReason } from './scoring.jobs.js';
import { createScoringRepo, type HistoryEntry, type ScoredCustomer, type StoredScore } from './scoring.repo.js';
import { loadSignals, type SignalSources, signalSources } from './signals.repo.js';

const BATCH = 1000;
/** Customers re-combined per SQL statement after a configuration change. */
const RECOMBINE_CHUNK = 5000;
const PARALLEL_BATCHES = 2;
/**
 * Computing a batch is CPU work on the one event loop that also answers requests and applies webhooks: it gives
 * way this often, so that another organization's webhook re-score never waits behind a whole batch of this one.
 */
const YIELD_EVERY = 50;
const giveWay = () => new Promise<void>((resolve) => setImmediate(resolve));
/** A factor "moved" when its value changed by at least this much (1 point of a full-weight factor). */
const MOVED = 0.01;

export interface ScoringDeps {
  db: Kysely<Database>;
  logger: AppLogger;
  /** The clock, in unix milliseconds; tests move it. */
  now?: () => number;
  /** Called after scores changed (score history and events written), e.g. to evaluate alerts. */
  onScoresChanged?: (orgId: string) => Promise<void>;
}

/** The values of the factors that were computed (rounded: history shows them, it does not recompute with them). */
function factorValues(factors: ComputedFactors): Record<string, number> {
  const values: Record<string, number> = {};
  for (const [name, f] of Object.entries(factors)) if ('value' in f) values[name] = Math.round(f.value * 1000) / 1000;
  return values;
}

/** Which factors moved between the stored score and the new one. */
function changedFactors(old: Record<string, number>, now: Record<string, number>): HistoryEntry['changed'] {
  const names = new Set([...Object.keys(old), ...Object.keys(now)]);
  return [...names]
    .map((name) => ({ name, from: old[name] ?? null, to: now[name] ?? null }))
    .filter((c) => c.from === null || c.to === null || Math.abs(c.from - c.to) >= MOVED);
}

/**
 * A short digest of computed values: equal digests mean nothing to write. One-shot `hash` (the same bytes as a
 * Hash object's) costs a third of creating one per value, three values per customer.
 */
function digest(value: unknown): string {
  return hash('sha1', JSON.stringify(value), 'base64url');
}

export function createScoringService(deps: ScoringDeps) {
  const { db, logger } = deps;
  const repo = createScoringRepo(db);
  const clock = deps.now ?? Date.now;
  // Organizations whose scores changed since the hook was last told: it hears once per run, not per batch.
  const changedOrgs = new Set<string>();
  async function announce(orgId: string): Promise<void> {
    if (!changedOrgs.delete(orgId)) return;
    await deps.onScoresChanged?.(orgId).catch((err: unknown) => logger.warn({ err }, 'could not announce changed scores'));
  }

  /** Fingerprints what is new, writes what changed, and records history and events for changed scores. */
  async function store(
    orgId: string,
    computed: { s: ScoredCustomer; prev: StoredScore | undefined }[],
    reason: RescoreReason,
    startedAt: Date,
  ) {
    const scored: ScoredCustomer[] = [];
    const history: HistoryEntry[] = [];
    for (const [i, { s, prev }] of computed.entries()) {
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await giveWay();
      // Score and level are compared as they are (a configuration change rewrites them in SQL, see
      // recombine.repo.ts); the digest covers the rest of the list columns.
      s.summaryFingerprint = digest([s.mrrByCurrency, s.mrrCurrency, s.lastPaymentAt?.getTime(), s.mrrFingerprint, s.lifecycle]);
      s.detailFingerprint ||= digest(s.factors);
      s.writeSummary = prev?.summary_fingerprint !== s.summaryFingerprint || prev.score !== s.score || prev.risk_level !== s.level;
      // Invoice points computed from the invoices now are kept for the next re-scores.
      s.writeDetail = prev?.detail_fingerprint !== s.detailFingerprint || s.invoicePoints !== null;
      s.writeMrr = s.writeMrr && prev?.mrr_fingerprint !== s.mrrFingerprint;
      scored.push(s);
      if (prev && (prev.score !== s.score || prev.risk_level !== s.level)) {
        // The first score of a customer starts its history; only later changes are events (alerts react to them).
        history.push({
          customerId: s.id,
          externalId: prev.external_id,
          score: s.score,
          level: s.level,
          previousScore: prev.score,
          previousLevel: prev.risk_level,
          factors: factorValues(s.factors),
          changed: [],
        });
      }
    }
    const previous = await repo.factorValues(
      orgId,
      history.map((h) => h.customerId),
    );
    for (const h of history) h.changed = changedFactors(previous.get(h.customerId) ?? {}, h.factors);
    await repo.save(orgId, scored, history, reason, startedAt);
    if (history.length > 0) changedOrgs.add(orgId);
    return scored.length;
  }

  /**
   * Re-scores customers from their billing data: one read and one transaction per batch. From a sweep, the
   * batch's invoice lines come with it, and the sweep's start is the moment they were read at.
   */
  async function rescoreIds(
    orgId: string,
    ids: string[],
    reason: RescoreReason,
    config: ScoringConfig,
    reuseKept = true,
    run: { swept?: { lines: InvoiceLineRow[]; at: Date }; sources?: SignalSources } = {},
  ): Promise<number> {
    const { swept, sources } = run;
    const startedAt = swept?.at ?? new Date(clock());
    const now = startedAt.getTime() / 1000;
    // Usage, support and sentiment come from their rollups, read beside the billing records.
    const [{ records, stored }, signals] = await Promise.all([
      repo.records(orgId, ids, startedAt, reuseKept, swept?.lines),
      loadSignals(db, orgId, ids, startedAt, sources),
    ]);
    const before = new Map(stored.map((s) => [s.id, s]));
    const computed: { s: ScoredCustomer; prev: StoredScore | undefined }[] = [];
    for (const [id, rec] of records) {
      if (computed.length % YIELD_EVERY === YIELD_EVERY - 1) await giveWay();
      rec.signals = signals.get(id);
      const health = evaluateCustomer(rec, now, config);
      const s: ScoredCustomer = {
        id,
        mrr: health.mrr.amount,
        mrrCurrency: health.mrr.currency,
        mrrMajor: health.mrr.major,
        mrrByCurrency: health.mrr.byCurrency,
        lastPaymentAt: health.lastPaymentAt,
        score: health.score.score,
        level: health.score.level,
        lifecycle: health.lifecycle,
        factors: health.factors,
        segments: health.segments,
        invoicePoints: before.get(id)?.points_fresh === false ? null : health.invoicePoints,
        lastPaidInvoiceAt: rec.lastPaidInvoiceAt ?? null,
        summaryFingerprint: '',
        detailFingerprint: '',
        mrrFingerprint: digest(health.segments),
        writeSummary: true,
        writeDetail: true,
        writeMrr: true,
      };
      computed.push({ s, prev: before.get(id) });
    }
    return store(orgId, computed, reason, startedAt);
  }

  /**
   * Re-scores an organization under a new configuration from the factors of its customers' last computation:
   * factors do not depend on weights or thresholds, so only the combination is redone — in the database, a
   * chunk at a time (see recombine.repo.ts), exactly as the preview computes it. Customers never scored, or
   * whose billing data changed since, are computed from their data instead.
   */
  async function recombineOrganization(orgId: string, reason: RescoreReason, config: ScoringConfig): Promise<number> {
    const recombine = createRecombineRepo(db);
    const now = new Date(clock());
    const starts = await recombine.chunkStarts(orgId, RECOMBINE_CHUNK);
    let next = 0;
    let total = 0;
    let failure: unknown = null;
    // Two chunks at a time (the database works, Node waits): each worker takes the next chunk until none is left,
    // and stops at the first failure (reported once both have stopped).
    const worker = async () => {
      for (let i = next++; i < starts.length && failure === null; i = next++) {
        try {
          const chunk = await recombine.recombineChunk(orgId, starts[i]!, starts[i + 1] ?? null, config, reason, now);
          if (chunk.historyWritten > 0) changedOrgs.add(orgId);
          for (let j = 0; j < chunk.stale.length; j += BATCH) await rescoreIds(orgId, chunk.stale.slice(j, j + BATCH), reason, config);
          total += chunk.seen;
        } catch (err) {
          failure ??= err;
        }
        await giveWay();
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_BATCHES }, worker));
    if (failure !== null) throw failure;
    return total;
  }

  /**
   * Runs batches two at a time, so that computing one overlaps with the database reading and writing the other:
   * `next` gives each batch's work (null when there is none left); stops taking more at the first failure.
   */
  async function inPairs(next: () => Promise<(() => Promise<number>) | null>): Promise<number> {
    let total = 0;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;
    try {
      while (failure === null) {
        const batch = await next();
        if (batch === null) break;
        const job: Promise<void> = batch().then(
          (n) => void (total += n),
          (err: unknown) => void (failure ??= err),
        );
        inFlight.add(job);
        void job.finally(() => inFlight.delete(job));
        if (inFlight.size >= PARALLEL_BATCHES) await Promise.race(inFlight);
      }
    } finally {
      await Promise.all(inFlight);
    }
    if (failure !== null) throw failure;
    return total;
  }

  /** Every customer (or only those flagged as changed) of an organization, batch by batch. */
  async function rescoreOrganization(orgId: string, reason: RescoreReason, onlyDirty = false): Promise<number> {
    const config = await repo.config(orgId);
    if (reason === 'config' && !onlyDirty) {
      const total = await recombineOrganization(orgId, reason, config);
      await announce(orgId);
      return total;
    }
    let total: number;
    try {
      const [sweepFirst, sources] = await Promise.all([sweepPays(db, orgId, onlyDirty), signalSources(db, orgId)]);
      if (sweepFirst) {
        // Most customers need their invoices read: one pass over them (see invoice-lines.repo.ts).
        const at = new Date(clock());
        total = await db.transaction().execute(async (trx) => {
          const sweep = await openInvoiceSweep(trx, orgId, historySince(at), onlyDirty);
          return inPairs(async () => {
            const { customers, lines } = await sweep.next(BATCH);
            if (customers.length === 0) return null;
            return () =>
              rescoreIds(
                orgId,
                customers.map((c) => c.id),
                reason,
                config,
                true,
                { swept: { lines, at }, sources },
              );
          });
        });
      } else {
        let after: string | null = null;
        total = await inPairs(async () => {
          const ids = await repo.customerIds(orgId, after, BATCH, onlyDirty);
          if (ids.length === 0) return null;
          after = ids.at(-1)!;
          return () => rescoreIds(orgId, ids, reason, config, true, { sources });
        });
      }
    } finally {
      await announce(orgId);
    }
    logger.debug({ orgId, reason, customers: total }, 'customers re-scored');
    return total;
  }

  return {
    rescoreOrganization,
    /** Customers whose billing data changed since their last score (sync, webhooks). */
    rescoreChanged: (orgId: string, reason: RescoreReason) => rescoreOrganization(orgId, reason, true),
    /**
     * One customer. Asked for by a person ('manual'), it is computed from all of its billing data, nothing kept from
     * earlier computations: someone who presses "re-score" expects every record to be read again.
     */
    async rescoreCustomer(orgId: string, customerId: string, reason: RescoreReason): Promise<void> {
      await rescoreIds(orgId, [customerId], reason, await repo.config(orgId), reason !== 'manual');
      await announce(orgId);
    },
    /** Some customers of an organization (e.g. those whose usage rollups changed), a batch at a time. */
    async rescoreCustomers(orgId: string, customerIds: string[], reason: RescoreReason): Promise<number> {
      const config = await repo.config(orgId);
      let total = 0;
      for (let i = 0; i < customerIds.length; i += BATCH) total += await rescoreIds(orgId, customerIds.slice(i, i + BATCH), reason, config);
      await announce(orgId);
      return total;
    },
    /**
     * Safety net for re-scores that were asked for but never ran (a crash between storing an event and scoring):
     * organizations with customers flagged for a while, and no sync running, get a re-score job.
     */
    async recoverChanged(olderThanSeconds = 30): Promise<void> {
      const rows = await db
        .selectFrom('customers as c')
        .select('c.org_id')
        .distinct()
        .where('c.score_dirty_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('sync_runs as r').select('r.id').whereRef('r.org_id', '=', 'c.org_id').where('r.status', '=', 'running'))),
        )
        .execute();
      for (const { org_id } of rows) await enqueue(db, rescoreJob, { orgId: org_id, reason: 'webhook', changedOnly: true });
    },
    async rescoreAll(reason: RescoreReason): Promise<void> {
      for (const orgId of await repo.organizationsWithCustomers()) await enqueue(db, rescoreJob, { orgId, reason });
    },

    async getConfig(ctx: OrgContext): Promise<ScoringConfig> {
      return repo.config(ctx.orgId);
    },

    /** Saves a new configuration (admins) and re-scores the organization in the background. */
    async putConfig(ctx: OrgContext, input: unknown): Promise<ScoringConfig> {
      requireRole(ctx, 'admin', 'change scoring settings');
      const config = parseConfig(input);
      await db.transaction().execute(async (trx) => {
        await createScoringRepo(trx).saveConfig(ctx.orgId, config, ctx.userId);
        await enqueue(trx, rescoreJob, { orgId: ctx.orgId, reason: 'config' });
      });
      return config;
    },

    async recalculate(ctx: OrgContext): Promise<void> {
      requireRole(ctx, 'admin', 're-score every customer');
      await enqueue(db, rescoreJob, { orgId: ctx.orgId, reason: 'manual' });
    },

    /** What a candidate configuration would do, from the factors of the current scores, without saving it. */
    async preview(ctx: OrgContext, input: unknown) {
      const candidate = parseConfig(input);
      const current = await repo.config(ctx.orgId);
      const rows = await db
        .selectFrom('customers as c')
        .leftJoin('customer_scores as s', 's.customer_id', 'c.id')
        .select(['c.id', 'c.name', 'c.email', 'c.score', 'c.risk_level', 'c.lifecycle_state', 'c.lifecycle_at', 's.factors'])
        .where('c.org_id', '=', ctx.orgId)
        .where('c.deleted_at', 'is', null)
        .execute();
      // Churned customers are counted apart, as the dashboard counts them: a customer who left is not at risk, and
      // its level moving is no change anybody can act on.
      const distribution = { green: 0, yellow: 0, red: 0, none: 0, churned: 0 };
      const currentDistribution = { green: 0, yellow: 0, red: 0, none: 0, churned: 0 };
      type Level = 'green' | 'yellow' | 'red' | null;
      const changes: { id: string; name: string | null; email: string | null; from: Level; to: Level; score: number | null }[] = [];
      for (const r of rows) {
        if (r.lifecycle_state === 'churned') {
          distribution.churned++;
          currentDistribution.churned++;
          continue;
        }
        const next = scoreFromFactors((r.factors ?? {}) as ComputedFactors, candidate, storedLifecycle(r));
        distribution[next.level ?? 'none']++;
        currentDistribution[r.risk_level ?? 'none']++;
        if (next.level !== r.risk_level) {
          changes.push({ id: r.id, name: r.name, email: r.email, from: r.risk_level, to: next.level, score: next.score });
        }
      }
      return {
        config: candidate,
        currentConfig: current,
        customers: rows.length,
        current: currentDistribution,
        distribution,
        changed: changes.length,
        changes: changes.slice(0, 200),
      };
    },
  };
}

function parseConfig(input: unknown): ScoringConfig {
  const parsed = scoringConfigSchema.safeParse(input);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    throw badRequest(
      'invalid_scoring_config',
      `${where}${first.message}`,
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

export type ScoringService = ReturnType<typeof createScoringService>;

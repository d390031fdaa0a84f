import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { MrrSegment } from '../revenue/mrr-steps.js';
import type { CustomerRecords, InvoiceRecord, PaymentRecord, SubscriptionRecord } from './customer-health.js';
import { DEFAULT_CONFIG, type ScoringConfig, scoringConfigSchema } from './scoring.config.js';
import type { AbsentFactor, FactorResult } from './scoring.engine.js';

/** How far back invoices feed the MRR history (the sync imports 12 months). */
const HISTORY_DAYS = 400;

export interface StoredScore {
  id: string;
  external_id: string;
  score: number | null;
  risk_level: 'green' | 'yellow' | 'red' | null;
  score_factors: unknown[];
  score_absent: unknown[];
}

export interface ScoredCustomer {
  id: string;
  mrr: number;
  mrrCurrency: string | null;
  mrrMajor: number;
  mrrByCurrency: Record<string, number>;
  lastPaymentAt: Date | null;
  score: number | null;
  level: 'green' | 'yellow' | 'red' | null;
  factors: FactorResult[];
  absent: AbsentFactor[];
  explanation: string;
  segments: MrrSegment[];
}

export interface HistoryEntry {
  customerId: string;
  externalId: string;
  score: number | null;
  level: string | null;
  previousScore: number | null;
  previousLevel: string | null;
  factors: Record<string, number>;
  changed: { name: string; from: number | null; to: number | null }[];
}

const json = (v: unknown) => JSON.stringify(v);

export function createScoringRepo(db: Kysely<Database>) {
  return {
    async config(orgId: string): Promise<ScoringConfig> {
      const row = await db.selectFrom('scoring_configs').select('config').where('org_id', '=', orgId).executeTakeFirst();
      const parsed = row ? scoringConfigSchema.safeParse(row.config) : null;
      return parsed?.success ? parsed.data : DEFAULT_CONFIG;
    },

    async saveConfig(orgId: string, config: ScoringConfig, userId: string | null): Promise<void> {
      await db
        .insertInto('scoring_configs')
        .values({ org_id: orgId, config: json(config), updated_by: userId, updated_at: new Date() })
        .onConflict((oc) => oc.column('org_id').doUpdateSet({ config: json(config), updated_by: userId, updated_at: new Date() }))
        .execute();
    },

    /** The next page of customer ids (keyset on id), optionally only those whose billing data changed. */
    async customerIds(orgId: string, after: string | null, limit: number, onlyDirty: boolean): Promise<string[]> {
      let q = db.selectFrom('customers').select('id').where('org_id', '=', orgId).orderBy('id').limit(limit);
      if (after) q = q.where('id', '>', after);
      if (onlyDirty) q = q.where('score_dirty_at', 'is not', null);
      return (await q.execute()).map((r) => r.id);
    },

    /** The current scores of some customers, to tell what changed. */
    async storedScores(orgId: string, ids: string[]): Promise<StoredScore[]> {
      if (ids.length === 0) return [];
      return db
        .selectFrom('customers')
        .select(['id', 'external_id', 'score', 'risk_level', 'score_factors', 'score_absent'])
        .where('org_id', '=', orgId)
        .where('id', 'in', ids)
        .execute();
    },

    /** Everything the score and the MRR history of these customers are computed from, in four queries. */
    async records(orgId: string, ids: string[], now: Date): Promise<Map<string, CustomerRecords>> {
      const result = new Map<string, CustomerRecords>();
      if (ids.length === 0) return result;
      const customers = await db
        .selectFrom('customers')
        .select(['id', 'external_id', 'currency'])
        .where('org_id', '=', orgId)
        .where('id', 'in', ids)
        .execute();
      const byExternal = new Map<string, CustomerRecords>();
      for (const c of customers) {
        const records: CustomerRecords = { currency: c.currency, subscriptions: [], payments: [], invoices: [], liveSince: {} };
        result.set(c.id, records);
        byExternal.set(c.external_id, records);
      }
      const externals = [...byExternal.keys()];
      const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000);
      const [subs, payments, invoices, open] = await Promise.all([
        db
          .selectFrom('subscriptions')
          .select([
            'stripe_customer_id',
            'stripe_subscription_id',
            'status',
            'currency',
            'interval',
            'interval_count',
            'cancel_at_period_end',
            'items',
            'discounts',
          ])
          .where('org_id', '=', orgId)
          .where('stripe_customer_id', 'in', externals)
          .execute(),
        db
          .selectFrom('payments')
          .select(['stripe_customer_id', 'status', 'failure_code', 'paid_at'])
          .where('org_id', '=', orgId)
          .where('stripe_customer_id', 'in', externals)
          .execute(),
        db
          .selectFrom('invoices')
          .select(['stripe_customer_id', 'stripe_subscription_id', 'status', 'currency', 'subtotal_cents', 'total_cents', 'lines'])
          .where('org_id', '=', orgId)
          .where('stripe_customer_id', 'in', externals)
          .where('issued_at', '>=', since)
          .execute(),
        db
          .selectFrom('mrr_history')
          .select(['customer_id', 'currency', 'mrr', 'valid_from'])
          .where('org_id', '=', orgId)
          .where('customer_id', 'in', ids)
          .where('valid_to', 'is', null)
          .execute(),
      ]);
      for (const s of subs) byExternal.get(s.stripe_customer_id)?.subscriptions.push(s as SubscriptionRecord);
      for (const p of payments) byExternal.get(p.stripe_customer_id)?.payments.push(p as PaymentRecord);
      for (const i of invoices) byExternal.get(i.stripe_customer_id)?.invoices.push(i as InvoiceRecord);
      for (const o of open) {
        const records = result.get(o.customer_id);
        if (records) records.liveSince![o.currency] = { mrr: Number(o.mrr), from: o.valid_from.getTime() / 1000 };
      }
      return result;
    },

    /**
     * Stores new scores, MRR and MRR history, appends score history and events for what changed, and clears
     * the re-score flag of customers not changed again since `startedAt` — all in one transaction.
     */
    async save(orgId: string, scored: ScoredCustomer[], history: HistoryEntry[], reason: string, startedAt: Date): Promise<void> {
      if (scored.length === 0) return;
      const ids = scored.map((s) => s.id);
      const now = new Date();
      await db.transaction().execute(async (trx) => {
        const rows = scored.map((s) => ({
          id: s.id,
          mrr: s.mrr,
          mrr_currency: s.mrrCurrency,
          mrr_major: s.mrrMajor,
          mrr_by_currency: s.mrrByCurrency,
          last_payment_at: s.lastPaymentAt?.toISOString() ?? null,
          score: s.score,
          risk_level: s.level,
          score_factors: s.factors,
          score_absent: s.absent,
          score_explanation: s.explanation,
        }));
        await sql`
          update customers c set
            mrr = x.mrr, mrr_currency = x.mrr_currency, mrr_major = x.mrr_major, mrr_by_currency = x.mrr_by_currency,
            last_payment_at = x.last_payment_at, score = x.score, risk_level = x.risk_level, score_factors = x.score_factors,
            score_absent = x.score_absent, score_explanation = x.score_explanation, scored_at = ${now},
            score_dirty_at = case when c.score_dirty_at <= ${startedAt} then null else c.score_dirty_at end
          from jsonb_to_recordset(${json(rows)}::jsonb) as x(
            id uuid, mrr numeric, mrr_currency text, mrr_major numeric, mrr_by_currency jsonb, last_payment_at timestamptz,
            score smallint, risk_level text, score_factors jsonb, score_absent jsonb, score_explanation text)
          where c.id = x.id and c.org_id = ${orgId}`.execute(trx);

        await trx.deleteFrom('mrr_history').where('org_id', '=', orgId).where('customer_id', 'in', ids).execute();
        const segments = scored.flatMap((s) =>
          s.segments.map((seg, i) => {
            const next = s.segments.slice(i + 1).find((n) => n.currency === seg.currency);
            return {
              customer_id: s.id,
              currency: seg.currency,
              valid_from: new Date(seg.from * 1000).toISOString(),
              valid_to: next ? new Date(next.from * 1000).toISOString() : null,
              mrr: seg.mrr,
              movement: seg.movement,
              delta: seg.delta,
            };
          }),
        );
        if (segments.length > 0) {
          await sql`
            insert into mrr_history (org_id, customer_id, currency, valid_from, valid_to, mrr, movement, delta)
            select ${orgId}, x.customer_id, x.currency, x.valid_from, x.valid_to, x.mrr, x.movement, x.delta
            from jsonb_to_recordset(${json(segments)}::jsonb) as x(
              customer_id uuid, currency text, valid_from timestamptz, valid_to timestamptz, mrr numeric, movement text, delta numeric)
            on conflict do nothing`.execute(trx);
        }

        if (history.length > 0) {
          const entries = history.map((h) => ({
            customer_id: h.customerId,
            score: h.score,
            risk_level: h.level,
            previous_score: h.previousScore,
            previous_level: h.previousLevel,
            factors: h.factors,
            changed: h.changed,
          }));
          await sql`
            insert into score_history (org_id, customer_id, score, risk_level, previous_score, previous_level, factors, changed, reason, computed_at)
            select ${orgId}, x.customer_id, x.score, x.risk_level, x.previous_score, x.previous_level, x.factors, x.changed, ${reason}, ${now}
            from jsonb_to_recordset(${json(entries)}::jsonb) as x(
              customer_id uuid, score smallint, risk_level text, previous_score smallint, previous_level text, factors jsonb, changed jsonb)`.execute(
            trx,
          );
          const events = history
            .filter((h) => h.previousLevel !== null || h.previousScore !== null)
            .flatMap((h) => {
              const payload = {
                customerId: h.customerId,
                score: h.score,
                previousScore: h.previousScore,
                level: h.level,
                previousLevel: h.previousLevel,
                changed: h.changed,
                reason,
              };
              const stamp = now.getTime();
              const out = [{ type: 'score.changed', customer: h.externalId, payload, key: `score.changed:${h.customerId}:${stamp}` }];
              if (h.level !== h.previousLevel) {
                out.push({
                  type: 'risk_level.changed',
                  customer: h.externalId,
                  payload,
                  key: `risk_level.changed:${h.customerId}:${stamp}`,
                });
              }
              return out;
            });
          await sql`
            insert into org_events (org_id, type, customer_external_id, payload, occurred_at, dedup_key)
            select ${orgId}, x.type, x.customer, x.payload, ${now}, x.key
            from jsonb_to_recordset(${json(events)}::jsonb) as x(type text, customer text, payload jsonb, key text)
            on conflict (org_id, dedup_key) do nothing`.execute(trx);
        }
      });
    },

    /** Organizations with customers, for the daily re-score. */
    async organizationsWithCustomers(): Promise<string[]> {
      const rows = await db.selectFrom('customers').select('org_id').distinct().execute();
      return rows.map((r) => r.org_id);
    },
  };
}

export type ScoringRepo = ReturnType<typeof createScoringRepo>;

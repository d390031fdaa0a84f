import { type ExpressionBuilder, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CustomerFilter } from './customers.schemas.js';

type Tables = Database;

/** `%` and `_` in a search are literal characters, not patterns. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const DEFAULT_DESC = new Set(['mrr', 'last_payment']);

/** A customer's MRR in the reporting currency as SQL, null when part of it has no rate (`convertedMrrSql`). */
export type MrrSortKey = RawBuilder<string | null>;

/**
 * Who needs attention first: at risk, then watch, then healthy, then not scored; customers who have left (or never
 * paid) after them all. The same expression as `customers_attention_idx` (migration 0012), so the default list of
 * a 100k-customer organization is read from the index instead of sorted.
 */
export const ATTENTION_RANK = sql`(case when lifecycle_state in ('churned', 'no_billing') then 5 when risk_level = 'red' then 1
  when risk_level = 'yellow' then 2 when risk_level = 'green' then 3 else 4 end)`;

const LIST_COLUMNS = [
  'id',
  'external_id',
  'name',
  'email',
  'score',
  'risk_level',
  'mrr',
  'mrr_currency',
  'mrr_major',
  'mrr_by_currency',
  'last_payment_at',
  'first_seen_at',
  'lifecycle_state',
  'lifecycle_churn',
  'lifecycle_at',
] as const;

const scoreDetail = (eb: ExpressionBuilder<Tables, 'customers'>) =>
  eb.selectFrom('customer_scores as s').whereRef('s.customer_id', '=', 'customers.id');

/** A customer's list columns, with what its score is made of and when it was computed (kept in `customer_scores`). */
export function summaryColumns(eb: ExpressionBuilder<Tables, 'customers'>) {
  return [...LIST_COLUMNS, scoreDetail(eb).select('s.factors').as('score_factors'), scoreDetail(eb).select('s.scored_at').as('scored_at')];
}

/** What an export needs: the list columns only. */
const exportColumns = (eb: ExpressionBuilder<Tables, 'customers'>) => [
  ...LIST_COLUMNS,
  scoreDetail(eb).select('s.scored_at').as('scored_at'),
];

/** One entry of a customer's score history (computed, or reconstructed from its billing history). */
export interface ScoreHistoryRow {
  score: number | null;
  risk_level: string | null;
  previous_score: number | null;
  previous_level: string | null;
  factors: Record<string, number>;
  changed: { name: string; from: number | null; to: number | null }[];
  /** Why it was computed (`sync`, `webhook`, `config`, `daily`, `manual`, `usage`), or `reconstructed`. */
  reason: string;
  computed_at: Date;
}

/**
 * Which factors moved between two reconstructed points: by at least 0.01 (one point of a full-weight factor), or
 * appearing or vanishing — the rule the scoring applies to computed scores' history.
 */
function movedFactors(old: Record<string, number>, now: Record<string, number>): ScoreHistoryRow['changed'] {
  return [...new Set([...Object.keys(old), ...Object.keys(now)])]
    .map((name) => ({ name, from: old[name] ?? null, to: now[name] ?? null }))
    .filter((c) => c.from === null || c.to === null || Math.abs(c.from - c.to) >= 0.01);
}

export function createCustomersRepo(db: Kysely<Tables>) {
  function filtered(orgId: string, filter: CustomerFilter) {
    let q = db.selectFrom('customers').where('org_id', '=', orgId).where('deleted_at', 'is', null);
    if (filter.q) {
      const pattern = `%${escapeLike(filter.q)}%`;
      // The same expression as the search index (with the organization and the risk level), so that a search over
      // 100k customers stays fast.
      // A Stripe customer id ("cus_…") finds its customer too: exactly, through the (org_id, external_id) key.
      q = q.where(sql<SqlBool>`((coalesce(name, '') || ' ' || coalesce(email, '')) ilike ${pattern} or external_id = ${filter.q.trim()})`);
    }
    if (filter.state && filter.state.length > 0) q = q.where('lifecycle_state', 'in', filter.state);
    if (filter.risk && filter.risk.length > 0) {
      // "none" (no score) is a level like the others, and the search index's own expression.
      q = q.where(sql<SqlBool>`coalesce(risk_level, 'none') = any(${filter.risk}::text[])`);
    }
    return q;
  }

  /**
   * Orders a filtered list. `sortMatches` (with a search): find the matches through the search index, then sort
   * them — counting them visits them all anyway. Left to itself, the planner may walk a sort index instead,
   * filtering as it goes, and read most of the table when few customers match; an expression no index has (same
   * values) keeps it from that.
   */
  function ordered<Q extends { orderBy: (...args: never[]) => unknown }>(
    query: Q,
    filter: CustomerFilter,
    sortMatches: boolean,
    mrrKey: MrrSortKey | null = null,
  ): Q {
    const desc = (filter.order ?? (DEFAULT_DESC.has(filter.sort) ? 'desc' : 'asc')) === 'desc';
    const dir = desc ? sql`desc` : sql`asc`;
    if (filter.sort === 'mrr' && mrrKey) {
      // MRR in the reporting currency; customers with an amount that has no rate after all others, by currency
      // and by their own amount within it (never compared with other currencies).
      return (query as any)
        .orderBy(sql`${mrrKey} ${dir} nulls last`)
        .orderBy(sql`mrr_currency asc nulls last`)
        .orderBy(sql`mrr ${dir}`)
        .orderBy('id', desc ? 'desc' : 'asc') as Q;
    }
    if (filter.sort === 'attention') {
      // Within a rank, the most revenue first: in the reporting currency when some MRR is in another one (`mrrKey`;
      // amounts without a rate after the others, by currency and their own amount), else as stored (the index's order).
      const rank = sortMatches || mrrKey ? sql`${ATTENTION_RANK} + 0` : ATTENTION_RANK;
      const most = desc ? sql`asc` : sql`desc`;
      const ranked = (query as any).orderBy(sql`${rank} ${dir}`);
      const byRevenue = mrrKey
        ? ranked
            .orderBy(sql`${mrrKey} ${most} nulls last`)
            .orderBy(sql`mrr_currency asc nulls last`)
            .orderBy(sql`mrr ${most}`)
        : ranked.orderBy(sql`mrr_major ${most} nulls last`);
      return byRevenue.orderBy('id', desc ? 'desc' : 'asc') as Q;
    }
    const column = {
      name: sortMatches ? sql`lower(coalesce(name, email, external_id)) || ''` : sql`lower(coalesce(name, email, external_id))`,
      mrr: sortMatches ? sql`mrr_major + 0` : sql`mrr_major`,
      // No index on the score (migration 0018): sorting by it is a top-N sort either way.
      score: sql`score`,
      last_payment: sortMatches ? sql`last_payment_at + interval '0 seconds'` : sql`last_payment_at`,
      // Those who need attention first: money owed, leaving, in trial, then the settled ones.
      state: sql`case lifecycle_state when 'past_due' then 1 when 'canceling' then 2 when 'trialing' then 3 when 'active' then 4
                   when 'free' then 5 when 'churned' then 6 when 'no_billing' then 7 end`,
    }[filter.sort];
    // Customers without a score or a payment come last whichever the direction; id breaks ties for stable pages.
    return (query as any).orderBy(sql`${column} ${dir} nulls last`).orderBy('id', desc ? 'desc' : 'asc') as Q;
  }

  return {
    async list(orgId: string, filter: CustomerFilter, limit: number, offset: number, mrrKey: MrrSortKey | null = null) {
      const base = filtered(orgId, filter);
      const [rows, count] = await Promise.all([
        ordered(base.select(summaryColumns), filter, Boolean(filter.q), mrrKey).limit(limit).offset(offset).execute(),
        base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },

    /** The filtered list in chunks, for exports. */
    async *each(orgId: string, filter: CustomerFilter, chunk = 2000, mrrKey: MrrSortKey | null = null) {
      for (let offset = 0; ; offset += chunk) {
        const rows = await ordered(filtered(orgId, filter).select(exportColumns), filter, Boolean(filter.q), mrrKey)
          .limit(chunk)
          .offset(offset)
          .execute();
        if (rows.length > 0) yield rows;
        if (rows.length < chunk) return;
      }
    },

    async find(orgId: string, id: string) {
      return db
        .selectFrom('customers')
        .select(summaryColumns)
        .select(['currency', 'metadata', 'deleted_at', 'score_dirty_at', 'has_payment_method'])
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    async subscriptions(orgId: string, externalId: string) {
      return db
        .selectFrom('subscriptions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('stripe_customer_id', '=', externalId)
        .orderBy('started_at', 'desc')
        .execute();
    },

    async payments(orgId: string, externalId: string, limit: number) {
      return db
        .selectFrom('payments')
        .select([
          'stripe_payment_id',
          'amount_cents',
          'currency',
          'status',
          'failure_code',
          'failure_message',
          'paid_at',
          'amount_refunded_cents',
          'disputed',
          'decline_code',
          'advice_code',
        ])
        .where('org_id', '=', orgId)
        .where('stripe_customer_id', '=', externalId)
        .orderBy('paid_at', 'desc')
        .limit(limit)
        .execute();
    },

    /** When Stripe will next try to collect an open invoice of the customer (Smart Retries), if it will. */
    async nextRetry(orgId: string, externalId: string): Promise<Date | null> {
      const row = await db
        .selectFrom('invoices')
        .select('next_payment_attempt')
        .where('org_id', '=', orgId)
        .where('stripe_customer_id', '=', externalId)
        .where('status', '=', 'open')
        .where('next_payment_attempt', 'is not', null)
        .orderBy('next_payment_attempt')
        .limit(1)
        .executeTakeFirst();
      return row?.next_payment_attempt ?? null;
    },

    /**
     * When anything shown on the customer's page last changed: the customer, its score, subscriptions, payments,
     * invoices or disputes. A few index lookups, cheap enough for an open page to poll.
     */
    async version(orgId: string, id: string): Promise<string | null> {
      const latest = (table: 'subscriptions' | 'payments' | 'invoices' | 'disputes') =>
        sql<Date | null>`(select max(t.updated_at) from ${sql.table(table)} t where t.org_id = c.org_id and t.stripe_customer_id = c.external_id)`;
      const row = await db
        .selectFrom('customers as c')
        .leftJoin('customer_scores as s', 's.customer_id', 'c.id')
        .select(
          // As text, to the microsecond: two changes within a millisecond are still two versions.
          sql<string>`(extract(epoch from greatest(c.updated_at, s.scored_at, ${latest('subscriptions')}, ${latest('payments')}, ${latest('invoices')}, ${latest('disputes')})) * 1000000)::bigint::text`.as(
            'changed_at',
          ),
        )
        .where('c.org_id', '=', orgId)
        .where('c.id', '=', id)
        .executeTakeFirst();
      return row ? row.changed_at : null;
    },

    async disputes(orgId: string, externalId: string, limit: number) {
      return db
        .selectFrom('disputes')
        .select(['stripe_dispute_id', 'stripe_charge_id', 'amount_cents', 'currency', 'status', 'reason', 'opened_at'])
        .where('org_id', '=', orgId)
        .where('stripe_customer_id', '=', externalId)
        .orderBy('opened_at', 'desc')
        .limit(limit)
        .execute();
    },

    async mrrHistory(orgId: string, customerId: string) {
      return db
        .selectFrom('mrr_history')
        .select(['currency', 'valid_from', 'valid_to', 'mrr', 'movement', 'delta'])
        .where('org_id', '=', orgId)
        .where('customer_id', '=', customerId)
        .orderBy('valid_from')
        .execute();
    },

    /**
     * The customer's score history, newest first: the scores computed (`score_history`) and, before the first of
     * them, the points reconstructed from its billing history (`score_reconstructions`, reason `reconstructed`), so
     * that the history reaches back beyond the first sync at once. Only reconstructed points where the score or the
     * level moved are kept (what `score_history` keeps of computed scores), each with the point before it as its
     * previous one; a reconstructed point is never shown for a time computed scores already cover. The first computed
     * score's previous one is the last reconstructed point.
     */
    async scoreHistory(orgId: string, customerId: string, limit = 1000): Promise<ScoreHistoryRow[]> {
      const rows = await sql<ScoreHistoryRow & { previous_factors: Record<string, number> | null; src: number; id: string | null }>`
        with first_real as (
          select min(computed_at) as at from score_history where org_id = ${orgId} and customer_id = ${customerId}
        ),
        reconstructed as (
          select r.at, r.score, r.risk_level, r.factors,
            lag(r.score) over w as previous_score, lag(r.risk_level) over w as previous_level,
            lag(r.factors) over w as previous_factors, row_number() over w as n
          from score_reconstructions r
          where r.org_id = ${orgId} and r.customer_id = ${customerId}
            and r.at < coalesce((select at from first_real), 'infinity'::timestamptz)
          window w as (order by r.at)
        ),
        -- The first computed score follows the last reconstructed point, not nothing ("N/A → 91" after a week at 91).
        last_reconstructed as (
          select score, risk_level from reconstructed order by at desc limit 1
        )
        select * from (
          select h.score, h.risk_level,
            case when h.computed_at = (select at from first_real) and h.previous_score is null and h.previous_level is null
              then (select score from last_reconstructed) else h.previous_score end as previous_score,
            case when h.computed_at = (select at from first_real) and h.previous_score is null and h.previous_level is null
              then (select risk_level from last_reconstructed) else h.previous_level end as previous_level,
            h.factors, h.changed, h.reason, h.computed_at, null::jsonb as previous_factors, 0 as src, h.id
          from score_history h where h.org_id = ${orgId} and h.customer_id = ${customerId}
          union all
          select score, risk_level, previous_score, previous_level, factors, null, 'reconstructed', at,
            previous_factors, 1, null
          from reconstructed
          where (n = 1 or score is distinct from previous_score or risk_level is distinct from previous_level)
            -- Weeks before the first reconstructed score (no billing yet) say nothing.
            and (score is not null or previous_score is not null)
        ) h
        order by computed_at desc, src, id desc
        limit ${limit}`.execute(db);
      return rows.rows.map(({ previous_factors, src, id: _id, ...h }) =>
        src === 1 ? { ...h, changed: movedFactors(previous_factors ?? {}, h.factors) } : h,
      );
    },
  };
}

export type CustomersRepo = ReturnType<typeof createCustomersRepo>;

import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ChurnEvent } from '../revenue/churn.js';

export interface RiskCounts {
  green: number;
  yellow: number;
  red: number;
  /** Customers who have not churned and have no score. */
  none: number;
  /** Customers who had churned: in no level, as a customer who left is not "at risk" (nor healthy). */
  churned: number;
}

export interface ScoreState {
  customers: number;
  risk: RiskCounts;
  averageScore: number | null;
}

/** `rows`: the level (or `churned`) of the customers with one. */
const toCounts = (rows: { level: string | null; n: string }[], total: number): RiskCounts => {
  const counts: RiskCounts = { green: 0, yellow: 0, red: 0, none: 0, churned: 0 };
  for (const r of rows)
    if (r.level === 'green' || r.level === 'yellow' || r.level === 'red' || r.level === 'churned') counts[r.level] += Number(r.n);
  counts.none = total - counts.green - counts.yellow - counts.red - counts.churned;
  return counts;
};

/** A churned customer's level is `churned`: its last score says how it left, not a risk that can still be acted on. */
const LEVEL_OR_CHURNED = sql<string | null>`case when lifecycle_state = 'churned' then 'churned' else risk_level end`;

/**
 * The latest reconstructed point at or before `at` of each customer `who` selects (an `id` column): the score
 * and level a customer not scored yet at that moment had, rebuilt from its billing history (`score_reconstructions`).
 * The points lie on a weekly grid, so most customers have theirs in the week before `at`: that week is read as one
 * range of the `(org_id, at)` index, instead of ranking every point of the organization (a year of weekly points
 * for 100k customers is millions of rows). Only customers without a point that week (one kept once when it churned,
 * and stayed churned) are looked up one by one, on the `(customer_id, at)` primary key. Customers without any
 * point by then are left out.
 */
function reconstructedAt(orgId: string, at: Date, who: RawBuilder<unknown>) {
  return sql`
    select u.id as customer_id, coalesce(w.score, p.score) as score, coalesce(w.risk_level, p.risk_level) as risk_level,
      coalesce(w.lifecycle_state, p.lifecycle_state) as lifecycle_state
    from (${who}) u
    left join (
      select distinct on (r.customer_id) r.customer_id, r.score, r.risk_level, r.lifecycle_state from score_reconstructions r
      where r.org_id = ${orgId} and r.at <= ${at} and r.at > ${at}::timestamptz - interval '7 days'
      order by r.customer_id, r.at desc
    ) w on w.customer_id = u.id
    left join lateral (
      select true as found, r.score, r.risk_level, r.lifecycle_state from score_reconstructions r
      where w.customer_id is null and r.customer_id = u.id and r.org_id = ${orgId} and r.at <= ${at}
      order by r.at desc limit 1
    ) p on true
    where w.customer_id is not null or p.found`;
}

/** The dashboard's numbers, each one SQL over the organization's rows; past values from the histories. */
export function createDashboardRepo(db: Kysely<Database>) {
  return {
    /** Customers known at `at` (created in Stripe by then and not deleted by then). */
    async customerCount(orgId: string, at: Date | null): Promise<number> {
      let q = db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('org_id', '=', orgId);
      q = at
        ? q.where('first_seen_at', '<=', at).where((eb) => eb.or([eb('deleted_at', 'is', null), eb('deleted_at', '>', at)]))
        : q.where('deleted_at', 'is', null);
      return Number((await q.executeTakeFirstOrThrow()).n);
    },

    /** MRR per currency at `at`, from the MRR history (whose open segments are today's MRR). */
    async mrrAt(orgId: string, at: Date): Promise<Record<string, number>> {
      const rows = await db
        .selectFrom('mrr_history')
        .select(['currency', (eb) => eb.fn.sum<string>('mrr').as('mrr')])
        .where('org_id', '=', orgId)
        .where('valid_from', '<=', at)
        .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', at)]))
        .groupBy('currency')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.currency, Number(r.mrr)]));
    },

    /** MRR per currency at several moments, in one query. */
    async mrrSeries(orgId: string, moments: Date[]): Promise<{ at: Date; currency: string; mrr: number }[]> {
      const rows = await sql<{ at: Date; currency: string; mrr: string }>`
        select m.at, h.currency, sum(h.mrr) as mrr
        from unnest(${moments.map((m) => m.toISOString())}::timestamptz[]) as m(at)
        join mrr_history h on h.org_id = ${orgId} and h.valid_from <= m.at and (h.valid_to is null or h.valid_to > m.at)
        group by m.at, h.currency`.execute(db);
      return rows.rows.map((r) => ({ at: new Date(r.at), currency: r.currency, mrr: Number(r.mrr) }));
    },

    /** MRR movements per month and currency since `since`. */
    async movements(orgId: string, since: Date) {
      const rows = await sql<{ month: Date; currency: string; movement: string; total: string; n: string }>`
        select date_trunc('month', valid_from, 'UTC') as month, currency, movement, sum(delta) as total, count(*) as n
        from mrr_history where org_id = ${orgId} and valid_from >= ${since}
        group by 1, 2, 3 order by 1`.execute(db);
      return rows.rows.map((r) => ({
        month: new Date(r.month),
        currency: r.currency,
        movement: r.movement,
        total: Number(r.total),
        count: Number(r.n),
      }));
    },

    /**
     * Churn movements of the MRR history in (since, until], each with the ended subscription of its customer and
     * currency nearest in time (what the churn is put down to) and the customer's lifecycle churn.
     */
    async churnEvents(orgId: string, since: Date, until: Date): Promise<ChurnEvent[]> {
      const rows = await sql<{
        customer_id: string;
        currency: string;
        lost: string;
        at: Date;
        lifecycle_state: string | null;
        lifecycle_churn: 'voluntary' | 'involuntary' | null;
        sub_status: string | null;
        cancellation_reason: string | null;
      }>`
        select h.customer_id, h.currency, -h.delta as lost, h.valid_from as at, c.lifecycle_state, c.lifecycle_churn,
               s.status as sub_status, s.cancellation_reason
        from mrr_history h
        join customers c on c.id = h.customer_id and c.org_id = h.org_id
        left join lateral (
          select s.status, s.cancellation_reason from subscriptions s
          where s.org_id = h.org_id and s.stripe_customer_id = c.external_id and lower(s.currency) = h.currency
            and s.status in ('canceled', 'unpaid', 'incomplete_expired')
          order by abs(extract(epoch from coalesce(s.ended_at, s.canceled_at, s.updated_at) - h.valid_from)), s.id
          limit 1
        ) s on true
        where h.org_id = ${orgId} and h.movement = 'churn' and h.valid_from > ${since} and h.valid_from <= ${until}`.execute(db);
      return rows.rows.map((r) => ({
        customerId: r.customer_id,
        currency: r.currency,
        lost: Number(r.lost),
        at: new Date(r.at).getTime() / 1000,
        subscription: r.sub_status ? { status: r.sub_status, cancellationReason: r.cancellation_reason } : null,
        customerChurn: r.lifecycle_state === 'churned' ? r.lifecycle_churn : null,
      }));
    },

    /** Risk distribution and average score now, of the customers who have not churned (churned ones counted apart). */
    async currentScores(orgId: string): Promise<ScoreState> {
      const [levels, avg] = await Promise.all([
        db
          .selectFrom('customers')
          .select([LEVEL_OR_CHURNED.as('level'), (eb) => eb.fn.countAll<string>().as('n')])
          .where('org_id', '=', orgId)
          .where('deleted_at', 'is', null)
          .groupBy(sql`1`)
          .execute(),
        db
          .selectFrom('customers')
          .select((eb) => eb.fn.avg<string | null>('score').as('avg'))
          .where('org_id', '=', orgId)
          .where('deleted_at', 'is', null)
          .where(sql<boolean>`lifecycle_state is distinct from 'churned'`)
          .executeTakeFirstOrThrow(),
      ]);
      const total = levels.reduce((s, r) => s + Number(r.n), 0);
      return { customers: total, risk: toCounts(levels, total), averageScore: avg.avg === null ? null : Number(avg.avg) };
    },

    /**
     * Risk distribution and average score as they stood at `at`: each customer's latest score-history entry by
     * then, or — for a customer not scored yet at that moment (its scores begin with the first sync) — its latest
     * point reconstructed from the billing history by then. Null when the organization had neither yet. A customer
     * counts as churned then when its reconstructed state says so, or (computed scores keep no state) when it is
     * churned now and was by then.
     */
    async scoresAt(orgId: string, at: Date): Promise<ScoreState | null> {
      const began = await sql<{ computed: boolean; reconstructed: boolean }>`
        select exists (select 1 from score_history where org_id = ${orgId} and computed_at <= ${at}) as computed,
               exists (select 1 from score_reconstructions where org_id = ${orgId} and at <= ${at}) as reconstructed`.execute(db);
      const { computed, reconstructed } = began.rows[0]!;
      if (!computed && !reconstructed) return null;
      // The customers known then (as `customerCount` counts them) without a computed score by then.
      const unscored = sql`
        select c.id from customers c
        where c.org_id = ${orgId} and c.first_seen_at <= ${at} and (c.deleted_at is null or c.deleted_at > ${at})
          and not exists (select 1 from latest l where l.customer_id = c.id)`;
      const fallback = reconstructed
        ? sql`union all select f.score, f.risk_level, f.lifecycle_state from (${reconstructedAt(orgId, at, unscored)}) f`
        : sql``;
      const result = await sql<{ level: string | null; n: string; avg: string | null }>`
        with latest as (
          select distinct on (h.customer_id) h.customer_id, h.score, h.risk_level,
            case when c.lifecycle_state = 'churned' and coalesce(c.lifecycle_at, '-infinity') <= ${at} then 'churned' end
              as lifecycle_state
          from score_history h join customers c on c.id = h.customer_id
          where h.org_id = ${orgId} and h.computed_at <= ${at} and (c.deleted_at is null or c.deleted_at > ${at})
          order by h.customer_id, h.computed_at desc, h.id desc
        )
        select ${LEVEL_OR_CHURNED} as level, count(*) as n, avg(score) as avg
        from (select score, risk_level, lifecycle_state from latest ${fallback}) x
        group by 1`.execute(db);
      const customers = await this.customerCount(orgId, at);
      const scored = result.rows.filter((r) => r.level !== null && r.level !== 'churned');
      const n = scored.reduce((s, r) => s + Number(r.n), 0);
      const sum = scored.reduce((s, r) => s + Number(r.avg) * Number(r.n), 0);
      return { customers, risk: toCounts(result.rows, customers), averageScore: n > 0 ? sum / n : null };
    },

    /** Histogram of the scores of customers who have not churned, in ten-point buckets (the last one is 90–100). */
    async histogram(orgId: string): Promise<number[]> {
      const rows = await sql<{ bucket: number; n: string }>`
        select least(score / 10, 9) as bucket, count(*) as n from customers
        where org_id = ${orgId} and deleted_at is null and score is not null and lifecycle_state is distinct from 'churned'
        group by 1`.execute(db);
      const buckets = Array.from({ length: 10 }, () => 0);
      for (const r of rows.rows) buckets[Number(r.bucket)] = Number(r.n);
      return buckets;
    },

    /** `mrrKey`: the MRR in the reporting currency (`convertedMrrSql`) when the organization bills in several. */
    async mostAtRisk(orgId: string, limit: number, mrrKey: RawBuilder<string | null> | null = null) {
      return (
        db
          .selectFrom('customers')
          .select(['id', 'name', 'email', 'score', 'risk_level', 'mrr', 'mrr_currency'])
          .select((eb) =>
            eb.selectFrom('customer_scores as s').whereRef('s.customer_id', '=', 'customers.id').select('s.factors').as('score_factors'),
          )
          .where('org_id', '=', orgId)
          .where('deleted_at', 'is', null)
          .where('risk_level', 'in', ['red', 'yellow'])
          // Customers still paying come first: revenue that can still be saved (churned ones are already lost).
          .orderBy(sql`mrr_major > 0`, 'desc')
          .orderBy('score', 'asc')
          .$if(mrrKey !== null, (q) => q.orderBy(sql`${mrrKey} desc nulls last`).orderBy(sql`mrr_currency asc nulls last`))
          .orderBy(mrrKey ? sql`mrr` : sql`mrr_major`, 'desc')
          .limit(limit)
          .execute()
      );
    },

    /**
     * The largest falls from each customer's score at `since` to its score now, of customers who have not churned
     * (a churned customer's fall can no longer be acted on). The score at `since` is the latest
     * computed one by then; for a customer not scored yet at that moment, its latest reconstructed point by then
     * (`reconstructedAt`); failing both (or without a score then), its first computed score after.
     */
    async biggestDrops(orgId: string, since: Date, limit: number) {
      const rows = await sql<{
        id: string;
        name: string | null;
        email: string | null;
        score: number;
        risk_level: string;
        before: number;
        drop: number;
      }>`
        with before as (
          select distinct on (customer_id) customer_id, score from score_history
          where org_id = ${orgId} and computed_at <= ${since} and score is not null
          order by customer_id, computed_at desc, id desc
        ),
        reconstructed as (${reconstructedAt(
          orgId,
          since,
          sql`select c.id from customers c where c.org_id = ${orgId} and c.deleted_at is null and c.score is not null
                and not exists (select 1 from before b where b.customer_id = c.id)`,
        )}),
        earliest as (
          select distinct on (customer_id) customer_id, score from score_history
          where org_id = ${orgId} and computed_at > ${since} and score is not null
          order by customer_id, computed_at asc, id asc
        ),
        baseline as (
          select coalesce(b.customer_id, r.customer_id, e.customer_id) as customer_id, coalesce(b.score, r.score, e.score) as score
          from before b
          full join reconstructed r on r.customer_id = b.customer_id
          full join earliest e on e.customer_id = coalesce(b.customer_id, r.customer_id)
        )
        select c.id, c.name, c.email, c.score, c.risk_level, bl.score as before, bl.score - c.score as drop
        from baseline bl join customers c on c.id = bl.customer_id
        where c.org_id = ${orgId} and c.deleted_at is null and c.score is not null and bl.score > c.score
          and c.lifecycle_state is distinct from 'churned'
        order by drop desc, c.id limit ${limit}`.execute(db);
      return rows.rows;
    },
  };
}

export type DashboardRepo = ReturnType<typeof createDashboardRepo>;

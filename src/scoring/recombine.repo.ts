import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { FACTORS, type ScoringConfig } from './scoring.config.js';

/**
 * A configuration change in SQL: factor values do not depend on weights or thresholds, so every customer's new
 * score is Σ valueᵢ × wᵢ / Σ wᵢ over its stored factors (`scoreFromFactors`, the same arithmetic, rounded the
 * same way), computed, compared and written by the database a chunk at a time, with the score history and the
 * `risk_level.changed` events of what changed — instead of every row travelling to Node and back.
 *
 * Customers whose stored factors cannot be trusted (never scored, billing data changed since, no lifecycle yet)
 * are left out and returned, for a computation from their billing data.
 */
export function createRecombineRepo(db: Kysely<Database>) {
  return {
    /**
     * Where each chunk of `size` customers starts (by id), so that chunks can be re-combined side by side: the
     * database does all of the work, and one statement at a time would leave a core idle.
     */
    async chunkStarts(orgId: string, size: number): Promise<string[]> {
      const rows = await sql<{ id: string }>`
        select id::text from (select id, row_number() over (order by id) - 1 as n from customers where org_id = ${orgId}) x
        where n % ${size}::int = 0 order by id`.execute(db);
      return rows.rows.map((r) => r.id);
    },

    /** Re-combines the customers with ids in [from, to) (`to` null: to the end). */
    async recombineChunk(orgId: string, from: string, to: string | null, config: ScoringConfig, reason: string, now: Date) {
      const weights = sql.join(FACTORS.map((name) => sql`(${name}::text, ${config.weights[name]}::float8)`));
      const { green, yellow } = config.thresholds;
      const result = await sql<{ seen: number; changed: number; logged: number; stale: string[] | null }>`
        with weights (name, weight) as (values ${weights}),
        rows as (
          select c.id, c.external_id, c.score as old_score, c.risk_level as old_level, c.lifecycle_state, s.factors,
            (s.factors is not null and c.score_dirty_at is null and c.lifecycle_state is not null
              and c.summary_fingerprint is not null and c.mrr_fingerprint is not null and s.fingerprint is not null) as fresh
          from customers c left join customer_scores s on s.customer_id = c.id
          where c.org_id = ${orgId}::text and c.id >= ${from}::uuid and (${to}::uuid is null or c.id < ${to}::uuid)
        ),
        sums as (
          select r.id,
            sum(least(1, greatest(0, (f.value ->> 'value')::float8)) * w.weight) as num,
            sum(w.weight) as den
          from rows r
          cross join lateral jsonb_each(r.factors) f
          join weights w on w.name = f.key
          where r.fresh and f.value ? 'value' and w.weight > 0
          group by r.id
        ),
        scored as (
          select r.id, r.external_id, r.old_score, r.old_level, r.factors,
            case when r.lifecycle_state = 'trialing' or s.den is null or s.den <= 0 then null
                 else least(100, greatest(0, floor(100 * s.num / s.den + 0.5)))::smallint end as score
          from rows r left join sums s on s.id = r.id
          where r.fresh
        ),
        leveled as (
          select *, case when score is null then null when score >= ${green}::float8 then 'green'
                         when score >= ${yellow}::float8 then 'yellow' else 'red' end as level
          from scored
        ),
        updated as (
          update customers c set score = l.score, risk_level = l.level
          from leveled l
          -- The chunk's id range lets the update walk the primary key instead of hashing the whole table.
          where c.id = l.id and c.org_id = ${orgId}::text
            and c.id between (select r.id from rows r order by r.id limit 1) and (select r.id from rows r order by r.id desc limit 1)
            and (c.score is distinct from l.score or c.risk_level is distinct from l.level)
          returning c.id, c.external_id, l.old_score, l.old_level, l.score, l.level, l.factors
        ),
        history as (
          insert into score_history (org_id, customer_id, score, risk_level, previous_score, previous_level, factors, changed, reason, computed_at)
          select ${orgId}::text, u.id, u.score, u.level, u.old_score, u.old_level,
            coalesce((select jsonb_object_agg(f.key, round((f.value ->> 'value')::numeric, 3))
                      from jsonb_each(u.factors) f where f.value ? 'value'), '{}'::jsonb),
            '[]'::jsonb, ${reason}::text, ${now}::timestamptz
          from updated u
          where u.old_score is not null or u.old_level is not null
          returning 1
        ),
        events as (
          insert into org_events (org_id, type, customer_external_id, payload, occurred_at, dedup_key)
          select ${orgId}::text, 'risk_level.changed', u.external_id,
            jsonb_build_object('customerId', u.id, 'score', u.score, 'previousScore', u.old_score, 'level', u.level,
                               'previousLevel', u.old_level, 'changed', '[]'::jsonb, 'reason', ${reason}::text),
            ${now}::timestamptz, 'risk_level.changed:' || u.id || ':' || ${String(now.getTime())}::text
          from updated u
          where u.old_level is distinct from u.level and (u.old_score is not null or u.old_level is not null)
          on conflict (org_id, dedup_key) do nothing
          returning 1
        )
        select (select count(*) from rows)::int as seen,
               (select count(*) from updated)::int as changed,
               (select count(*) from history)::int + (select count(*) from events)::int * 0 as logged,
               (select array_agg(id::text) from rows where not fresh) as stale`.execute(db);
      const row = result.rows[0]!;
      // (Data-modifying CTEs run whether or not the final select reads them; reading their counts keeps that plain.)
      return { seen: row.seen, changed: row.changed, historyWritten: row.logged, stale: row.stale ?? [] };
    },
  };
}

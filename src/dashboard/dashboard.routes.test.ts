import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedUpUser } from '../../test/helpers/app.js';
import { signUp, waitFor } from '../../test/helpers/app.js';
import { ownerWithStripe, startStripeWorld, type StripeWorld, waitForScores } from '../../test/helpers/stripe.js';

let world: StripeWorld;
let owner: SignedUpUser;
const db = () => world.t.runtime.database.db;
const DAY = 86_400_000;

/** One number from SQL written for the test (independently of the repository's queries). */
async function one(query: ReturnType<typeof sql>): Promise<number | null> {
  const row = (await sql<{ v: string | null }>`${query}`.execute(db())).rows[0];
  return row?.v === null || row?.v === undefined ? null : Number(row.v);
}

/**
 * Each customer's score as of `at`: its most recent history entry by then, or, when it had none by then, its most
 * recent reconstructed point by then.
 */
// Each customer's score then, and whether it had churned by then (then its level is counted apart).
const scoreAsOf = (at: Date) => sql`
  select h.customer_id, h.score, h.risk_level,
    exists (select 1 from customers c where c.id = h.customer_id and c.lifecycle_state = 'churned'
            and (c.lifecycle_at is null or c.lifecycle_at <= ${at})) as churned
  from score_history h
  where h.org_id = ${owner.orgId} and h.computed_at <= ${at}
    and h.id = (select h2.id from score_history h2 where h2.customer_id = h.customer_id and h2.computed_at <= ${at}
                order by h2.computed_at desc, h2.id desc limit 1)
  union all
  select r.customer_id, r.score, r.risk_level, r.lifecycle_state = 'churned' from score_reconstructions r join customers c on c.id = r.customer_id
  where r.org_id = ${owner.orgId} and c.first_seen_at <= ${at} and (c.deleted_at is null or c.deleted_at > ${at})
    and r.at = (select max(r2.at) from score_reconstructions r2 where r2.org_id = r.org_id and r2.customer_id = r.customer_id and r2.at <= ${at})
    and not exists (select 1 from score_history h where h.org_id = r.org_id and h.customer_id = r.customer_id and h.computed_at <= ${at})`;

beforeAll(async () => {
  world = await startStripeWorld({ emulator: { customers: 80, seed: 13 } });
  owner = await ownerWithStripe(world);
  await waitForScores(world, owner.orgId);
  // The sync also reconstructs the score history; waited for, so the numbers do not depend on whether it has run.
  await waitFor(
    async () =>
      (await db().selectFrom('reconstruction_runs').select('status').where('org_id', '=', owner.orgId).executeTakeFirst())?.status ===
      'done',
    60_000,
    50,
  );
  // Give the organization a past: every customer's first score moved back 40 days, and a third of them
  // scored differently 10 days ago.
  await sql`update score_history set computed_at = now() - interval '40 days' where org_id = ${owner.orgId}`.execute(db());
  await sql`
    insert into score_history (org_id, customer_id, score, risk_level, previous_score, previous_level, factors, changed, reason, computed_at)
    select org_id, id, least(100, score + 25), case when score + 25 >= 70 then 'green' when score + 25 >= 40 then 'yellow' else 'red' end,
           score, risk_level, '{}', '[]', 'daily', now() - interval '10 days'
    from customers where org_id = ${owner.orgId} and score is not null and abs(hashtext(id::text)) % 3 = 0`.execute(db());
}, 120_000);
afterAll(async () => world?.close());

describe('dashboard numbers equal direct SQL over the same rows', () => {
  it('summary: customers, MRR per currency, risk, average score, at risk, and their 7/30-day changes', async () => {
    const res = await owner.client.get('/api/v1/dashboard/summary');
    expect(res.status).toBe(200);
    const s = res.body;
    const now = new Date(s.asOf);
    const d7 = new Date(now.getTime() - 7 * DAY);
    const d30 = new Date(now.getTime() - 30 * DAY);
    const org = owner.orgId;

    const customersNow = await one(sql`select count(*) as v from customers where org_id = ${org} and deleted_at is null`);
    const customersAt = (at: Date) =>
      one(
        sql`select count(*) as v from customers where org_id = ${org} and first_seen_at <= ${at} and (deleted_at is null or deleted_at > ${at})`,
      );
    expect(s.customers).toEqual({
      value: customersNow,
      change7d: customersNow! - (await customersAt(d7))!,
      change30d: customersNow! - (await customersAt(d30))!,
    });

    const mrrAt = async (at: Date, currency: string) =>
      (await one(sql`select coalesce(sum(mrr), 0) as v from mrr_history where org_id = ${org} and currency = ${currency}
                     and valid_from <= ${at} and (valid_to is null or valid_to > ${at})`))!;
    expect(s.mrr.length).toBeGreaterThan(0);
    for (const m of s.mrr) {
      const live = await one(
        sql`select coalesce(sum((mrr_by_currency ->> ${m.currency})::numeric), 0) as v from customers where org_id = ${org}`,
      );
      expect(m.value).toBeCloseTo(live!, 4);
      expect(m.change7d).toBeCloseTo(m.value - (await mrrAt(d7, m.currency)), 4);
      expect(m.change30d).toBeCloseTo(m.value - (await mrrAt(d30, m.currency)), 4);
    }

    const live = sql`org_id = ${org} and deleted_at is null and lifecycle_state is distinct from 'churned'`;
    const levelNow = (level: string) => one(sql`select count(*) as v from customers where ${live} and risk_level = ${level}`);
    const green = (await levelNow('green'))!;
    const yellow = (await levelNow('yellow'))!;
    const red = (await levelNow('red'))!;
    const churned = (await one(
      sql`select count(*) as v from customers where org_id = ${org} and deleted_at is null and lifecycle_state = 'churned'`,
    ))!;
    // The emulator's business has churned customers: they are counted apart, in no level.
    expect(churned).toBeGreaterThan(0);
    expect(s.risk.current).toEqual({ green, yellow, red, none: customersNow! - green - yellow - red - churned, churned });
    const avgNow = await one(sql`select avg(score) as v from customers where ${live}`);
    expect(s.averageScore.value).toBeCloseTo(avgNow!, 1);
    expect(s.atRisk.value).toBe(yellow + red);

    for (const [at, key] of [
      [d7, 'change7d'],
      [d30, 'change30d'],
    ] as const) {
      const avgThen = await one(sql`select avg(score) as v from (${scoreAsOf(at)}) x where not churned`);
      const levelThen = async (level: string) =>
        (await one(sql`select count(*) as v from (${scoreAsOf(at)}) x where risk_level = ${level} and not churned`))!;
      expect(s.averageScore[key]).toBeCloseTo(avgNow! - avgThen!, 0);
      expect(s.atRisk[key]).toBe(yellow + red - (await levelThen('yellow')) - (await levelThen('red')));
      expect(s.risk[key].red).toBe(red - (await levelThen('red')));
      expect(s.risk[key].green).toBe(green - (await levelThen('green')));
    }
    expect(s.averageScore.change7d).not.toBe(0);
  });

  it('lists the most at-risk customers and the biggest score drops', async () => {
    const s = (await owner.client.get('/api/v1/dashboard/summary')).body;
    // Customers still paying come first (their revenue can still be saved), lowest score first.
    const lowestPaying = await one(
      sql`select min(score) as v from customers where org_id = ${owner.orgId} and deleted_at is null and mrr_major > 0 and risk_level in ('red', 'yellow')`,
    );
    expect(s.mostAtRisk[0].score).toBe(lowestPaying);
    expect(s.mostAtRisk[0].mrr).toBeGreaterThan(0);
    expect(s.mostAtRisk.every((c: { riskLevel: string }) => c.riskLevel !== 'green')).toBe(true);
    const drops = await one(sql`select count(*) as v from customers c where c.org_id = ${owner.orgId}
        and c.lifecycle_state is distinct from 'churned' and c.score < (
        select h.score from score_history h where h.customer_id = c.id and h.computed_at <= now() - interval '30 days' order by h.computed_at desc limit 1)`);
    expect(s.biggestDrops.length).toBe(Math.min(10, drops!));
    for (const d of s.biggestDrops) expect(d.drop).toBe(d.before - d.score);
  });

  it('score distribution: ten buckets and the risk breakdown', async () => {
    const res = await owner.client.get('/api/v1/dashboard/score-distribution');
    expect(res.body.buckets).toHaveLength(10);
    for (const b of res.body.buckets) {
      const n = await one(
        sql`select count(*) as v from customers where org_id = ${owner.orgId} and deleted_at is null
              and lifecycle_state is distinct from 'churned' and score between ${b.from} and ${b.to}`,
      );
      expect(b.count, `${b.from}-${b.to}`).toBe(n);
    }
    expect(res.body.thresholds).toEqual({ green: 70, yellow: 40 });
  });

  it('MRR trend: each month’s MRR and movements per currency', async () => {
    const res = await owner.client.get('/api/v1/dashboard/mrr-trend?months=6');
    expect(res.body.points).toHaveLength(7);
    for (const p of res.body.points) {
      const usd = await one(sql`select coalesce(sum(mrr), 0) as v from mrr_history where org_id = ${owner.orgId} and currency = 'usd'
                                and valid_from <= ${p.at} and (valid_to is null or valid_to > ${p.at})`);
      expect(p.byCurrency.usd ?? 0).toBeCloseTo(usd!, 4);
    }
    for (const m of res.body.movements) {
      const churn =
        await one(sql`select coalesce(sum(delta), 0) as v from mrr_history where org_id = ${owner.orgId} and currency = ${m.currency}
                                  and movement = 'churn' and to_char(valid_from at time zone 'UTC', 'YYYY-MM') = ${m.month}`);
      expect(m.churn).toBeCloseTo(churn!, 4);
    }
    expect((await owner.client.get('/api/v1/dashboard/mrr-trend?months=0')).status).toBe(400);
  });

  it('shows an empty organization as zeros and nulls, never another organization’s data', async () => {
    const other = await signUp(world.t, { organizationName: 'Empty' });
    const s = (await other.client.get('/api/v1/dashboard/summary')).body;
    expect(s.customers.value).toBe(0);
    expect(s.mrr).toEqual([]);
    expect(s.averageScore).toEqual({ value: null, change7d: null, change30d: null });
    expect(s.mostAtRisk).toEqual([]);
  });
});

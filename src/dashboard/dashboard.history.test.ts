import { describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, useTestApp } from '../../test/helpers/app.js';
import { createDashboardRepo } from './dashboard.repo.js';

/**
 * The dashboard's 7/30-day changes reach back before the first computed score: a customer not scored yet at that
 * moment counts with its latest point reconstructed from the billing history by then. The rows are written by
 * hand, so the expected numbers are counted below from how each customer was built.
 */

let t: TestApp;
useTestApp((app) => {
  t = app;
});

const DAY = 86_400_000;
const level = (score: number) => (score >= 70 ? 'green' : score >= 40 ? 'yellow' : 'red');
const db = () => t.runtime.database.db;

describe('dashboard changes before the first computed score', () => {
  // One clock for the test's rows and the repository's moments (the route's clock is the real one, a moment later).
  const now = Date.now();
  const ago = (days: number) => new Date(now - days * DAY);
  let a: SignedUpUser;
  let b: SignedUpUser;
  const ids: Record<string, string> = {};

  async function customer(
    orgId: string,
    ext: string,
    o: { score: number | null; seen?: number; deleted?: number; churnedDaysAgo?: number },
  ) {
    return (
      await db()
        .insertInto('customers')
        .values({
          org_id: orgId,
          external_id: ext,
          name: ext,
          email: `${ext}@example.com`,
          first_seen_at: ago(o.seen ?? 400),
          deleted_at: o.deleted === undefined ? null : ago(o.deleted),
          score: o.score,
          risk_level: o.score === null ? null : level(o.score),
          metadata: '{}',
          lifecycle_state: o.churnedDaysAgo === undefined ? 'active' : 'churned',
          lifecycle_at: o.churnedDaysAgo === undefined ? null : ago(o.churnedDaysAgo),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  }
  const reconstructed = (orgId: string, customerId: string, days: number, score: number, state = 'active') =>
    db()
      .insertInto('score_reconstructions')
      .values({
        org_id: orgId,
        customer_id: customerId,
        at: ago(days),
        score,
        risk_level: level(score),
        lifecycle_state: state,
        factors: '{}',
      })
      .execute();
  const computed = (orgId: string, customerId: string, days: number, score: number) =>
    db()
      .insertInto('score_history')
      .values({
        org_id: orgId,
        customer_id: customerId,
        score,
        risk_level: level(score),
        factors: '{}',
        changed: '[]',
        reason: 'sync',
        computed_at: ago(days),
      })
      .execute();

  it('counts each customer by its computed score by then, else its reconstructed point by then', async () => {
    a = await signUp(t);
    b = await signUp(t, { organizationName: 'Other' });
    const org = a.orgId;
    // Scored 40 days ago: its computed score stands, whatever was reconstructed later.
    ids.steady = await customer(org, 'steady', { score: 80 });
    await computed(org, ids.steady, 40, 80);
    await reconstructed(org, ids.steady, 35, 10);
    // First scored 3 days ago; before that only reconstructed points.
    ids.newly = await customer(org, 'newly', { score: 30 });
    await computed(org, ids.newly, 3, 30);
    await reconstructed(org, ids.newly, 60, 90);
    await reconstructed(org, ids.newly, 35, 50);
    await reconstructed(org, ids.newly, 10, 20);
    // Never scored (no score now): reconstructed points only.
    ids.unscored = await customer(org, 'unscored', { score: null });
    await reconstructed(org, ids.unscored, 35, 45);
    await reconstructed(org, ids.unscored, 8, 65);
    // Deleted in Stripe 20 days ago: counted 30 days ago, not 7.
    ids.gone = await customer(org, 'gone', { score: 60, deleted: 20 });
    await reconstructed(org, ids.gone, 35, 20);
    // Churned 50 days ago: its one churned point (kept once, not weekly) stands for every moment since, and counts
    // as churned, in no level.
    ids.churned = await customer(org, 'churned', { score: 3, churnedDaysAgo: 50 });
    await reconstructed(org, ids.churned, 50, 8, 'churned');
    // Scored red 40 days ago, churned 5 days ago: red 30 and 7 days ago, churned now (computed scores keep no state:
    // the customer's churn date says since when).
    ids.lateChurn = await customer(org, 'lateChurn', { score: 30, churnedDaysAgo: 5 });
    await computed(org, ids.lateChurn, 40, 30);
    // A customer of 5 days: not there 7 or 30 days ago.
    ids.young = await customer(org, 'young', { score: 75, seen: 5 });
    await computed(org, ids.young, 1, 75);
    // The other organization's rows: its own customer, and rows filed under it for this organization's customers
    // (as corrupted data would be), each of which would change a number below if it leaked.
    const theirs = await customer(b.orgId, 'theirs', { score: 90 });
    await reconstructed(b.orgId, theirs, 35, 90);
    await reconstructed(b.orgId, ids.unscored, 31, 5);
    await reconstructed(b.orgId, ids.newly, 31, 95);
    await reconstructed(b.orgId, ids.churned, 20, 90);

    const repo = createDashboardRepo(db());
    // 30 days ago: steady 80 (computed), newly 50, unscored 45, gone 20 (reconstructed at 35 days), lateChurn 30,
    // churned apart (and out of the average).
    const d30 = await repo.scoresAt(org, ago(30));
    expect(d30).toEqual({
      customers: 6,
      risk: { green: 1, yellow: 2, red: 2, none: 0, churned: 1 },
      averageScore: (80 + 50 + 45 + 20 + 30) / 5,
    });
    // 7 days ago: steady 80, newly 20 (at 10 days), unscored 65 (at 8 days), lateChurn 30, churned apart; gone was
    // deleted, young not there yet.
    const d7 = await repo.scoresAt(org, ago(7));
    expect(d7).toEqual({
      customers: 5,
      risk: { green: 1, yellow: 1, red: 2, none: 0, churned: 1 },
      averageScore: (80 + 20 + 65 + 30) / 4,
    });
  });

  it('gives the summary’s changes and score drops from them', async () => {
    const s = (await a.client.get('/api/v1/dashboard/summary')).body;
    // Now: steady green, newly red, unscored none, churned and lateChurn churned, young green (gone is deleted).
    expect(s.risk.current).toEqual({ green: 2, yellow: 0, red: 1, none: 1, churned: 2 });
    expect(s.risk.change30d).toEqual({ green: 1, yellow: -2, red: -1, none: 1, churned: 1 });
    expect(s.risk.change7d).toEqual({ green: 1, yellow: -1, red: -1, none: 1, churned: 1 });
    expect(s.atRisk).toEqual({ value: 1, change7d: 1 - 3, change30d: 1 - 4 });
    expect(s.averageScore.value).toBeCloseTo((80 + 30 + 75) / 3, 1);
    // From their reconstructed scores 30 days ago: newly fell from 50 to 30; churned fell from 8 to 3 but has left
    // (a fall that can no longer be acted on); steady and young did not fall.
    expect(s.biggestDrops).toEqual([
      { id: ids.newly, name: 'newly', email: 'newly@example.com', score: 30, riskLevel: 'red', before: 50, drop: 20 },
    ]);
  });

  it('has changes from the reconstruction alone, and none without any history', async () => {
    const c = await signUp(t, { organizationName: 'Just synced' });
    const repo = createDashboardRepo(db());
    const id = await customer(c.orgId, 'first', { score: 72 });
    expect(await repo.scoresAt(c.orgId, ago(30))).toBeNull();
    await reconstructed(c.orgId, id, 40, 35);
    expect(await repo.scoresAt(c.orgId, ago(30))).toEqual({
      customers: 1,
      risk: { green: 0, yellow: 0, red: 1, none: 0, churned: 0 },
      averageScore: 35,
    });
    const s = (await c.client.get('/api/v1/dashboard/summary')).body;
    expect(s.averageScore.change30d).toBe(72 - 35);
    expect(s.risk.change30d).toEqual({ green: 1, yellow: 0, red: -1, none: 0, churned: 0 });
    // The other organization sees only its own customer (green 90 then and now).
    const theirs = (await b.client.get('/api/v1/dashboard/summary')).body;
    expect(theirs.risk.change30d).toEqual({ green: 0, yellow: 0, red: 0, none: 0, churned: 0 });
    expect(theirs.customers.value).toBe(1);
  });
});

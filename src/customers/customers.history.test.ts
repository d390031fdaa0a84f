import { describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, useTestApp } from '../../test/helpers/app.js';

/**
 * The score history reaches back before the first computed score with the points reconstructed from the billing
 * history; the rows are written here by hand, so that which of them the history shows is known exactly.
 */

let t: TestApp;
useTestApp((app) => {
  t = app;
});

const DAY = 86_400_000;
const NOW = Date.now();
const ago = (days: number) => new Date(NOW - days * DAY);
const db = () => t.runtime.database.db;
const level = (score: number) => (score >= 70 ? 'green' : score >= 40 ? 'yellow' : 'red');

async function customer(orgId: string, ext: string) {
  return (
    await db()
      .insertInto('customers')
      .values({ org_id: orgId, external_id: ext, name: ext, email: `${ext}@example.com`, first_seen_at: ago(400), metadata: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

async function reconstructed(orgId: string, customerId: string, days: number, score: number, factors: Record<string, number> = {}) {
  await db()
    .insertInto('score_reconstructions')
    .values({
      org_id: orgId,
      customer_id: customerId,
      at: ago(days),
      score,
      risk_level: level(score),
      lifecycle_state: 'active',
      factors: JSON.stringify(factors),
    })
    .execute();
}

async function computed(orgId: string, customerId: string, days: number, score: number, previous: number | null) {
  await db()
    .insertInto('score_history')
    .values({
      org_id: orgId,
      customer_id: customerId,
      score,
      risk_level: level(score),
      previous_score: previous,
      previous_level: previous === null ? null : level(previous),
      factors: JSON.stringify({ payment_recency: score / 100 }),
      changed: '[]',
      reason: 'sync',
      computed_at: ago(days),
    })
    .execute();
}

interface Entry {
  at: string;
  score: number | null;
  level: string | null;
  previousScore: number | null;
  previousLevel: string | null;
  changed: { name: string; from: number | null; to: number | null }[];
  reason: string;
}

const history = async (user: SignedUpUser, id: string): Promise<Entry[]> => {
  const res = await user.client.get(`/api/v1/customers/${id}/score-history`);
  expect(res.status).toBe(200);
  return res.body.history;
};
const days = (e: Entry) => Math.round((NOW - Date.parse(e.at)) / DAY);

describe('the score history before the first computed score', () => {
  let owner: SignedUpUser;
  let other: SignedUpUser;
  let id: string;

  it('shows the reconstructed points older than the first computed score, where the score or level moved', async () => {
    owner = await signUp(t);
    other = await signUp(t, { organizationName: 'Other' });
    id = await customer(owner.orgId, 'cus_hist');
    await reconstructed(owner.orgId, id, 70, 80, { payment_recency: 1, failed_payments: 1 });
    await reconstructed(owner.orgId, id, 63, 80, { payment_recency: 1, failed_payments: 1 }); // unchanged: not shown
    await reconstructed(owner.orgId, id, 56, 60, { payment_recency: 0.995, failed_payments: 0.5 });
    await reconstructed(owner.orgId, id, 49, 60, { payment_recency: 0.995, failed_payments: 0.5 }); // unchanged
    await reconstructed(owner.orgId, id, 42, 30, { payment_recency: 0.995 });
    await reconstructed(owner.orgId, id, 14, 10); // after the first computed score: computed scores cover it
    await computed(owner.orgId, id, 20, 70, null);
    await computed(owner.orgId, id, 5, 50, 70);

    const h = await history(owner, id);
    expect(h.map((e) => [days(e), e.reason, e.score])).toEqual([
      [70, 'reconstructed', 80],
      [56, 'reconstructed', 60],
      [42, 'reconstructed', 30],
      [20, 'sync', 70],
      [5, 'sync', 50],
    ]);
    // Each reconstructed point names the one before it, and the factors that moved (by 0.01 or more) since.
    expect(h[0]).toMatchObject({ previousScore: null, previousLevel: null, level: 'green' });
    expect(h[1]).toMatchObject({ previousScore: 80, previousLevel: 'green', level: 'yellow' });
    expect(h[1]!.changed).toEqual([{ name: 'failed_payments', from: 1, to: 0.5 }]);
    expect(h[2]).toMatchObject({ previousScore: 60, previousLevel: 'yellow', level: 'red' });
    expect(h[2]!.changed).toEqual([{ name: 'failed_payments', from: 0.5, to: null }]);

    // The timeline says which changes were worked out afterwards from the billing history.
    const timeline = (await owner.client.get(`/api/v1/customers/${id}/timeline`)).body.events as { type: string; title: string }[];
    const scores = timeline.filter((e) => e.type === 'score.changed').map((e) => e.title);
    expect(scores).toContain('Score 60 → 30 (reconstructed from billing history)');
    expect(scores).toContain('Score 70 → 50');
    // The first computed score follows the last reconstructed point (at 42 days), not nothing.
    expect(h[3]).toMatchObject({ previousScore: 30, previousLevel: 'red', level: 'green' });
    expect(scores).toContain('Score 30 → 70');
    expect(timeline.map((e) => e.title)).toContain('Risk level red → green');
    expect(scores.filter((title) => title.includes('N/A') && !title.includes('reconstructed'))).toEqual([]);
  });

  it('tells no score change where the first computed score is the last reconstructed one', async () => {
    const same = await customer(owner.orgId, 'cus_same');
    await reconstructed(owner.orgId, same, 14, 91);
    await computed(owner.orgId, same, 1, 91, null);
    const timeline = (await owner.client.get(`/api/v1/customers/${same}/timeline`)).body.events as { type: string; title: string }[];
    expect(timeline.filter((e) => e.type === 'score.changed' || e.type === 'risk_level.changed').map((e) => e.title)).toEqual([
      'Risk level none → green (reconstructed from billing history)',
      'Score N/A → 91 (reconstructed from billing history)',
    ]);
  });

  it('hides reconstructed points once computed scores cover their time', async () => {
    await computed(owner.orgId, id, 60, 75, null);
    expect((await history(owner, id)).map((e) => [days(e), e.reason])).toEqual([
      [70, 'reconstructed'],
      [60, 'sync'],
      [20, 'sync'],
      [5, 'sync'],
    ]);
  });

  it('shows every reconstructed change of a customer not scored yet', async () => {
    const fresh = await customer(owner.orgId, 'cus_fresh');
    // Before its first score (no billing yet): nothing to show.
    await db()
      .insertInto('score_reconstructions')
      .values({
        org_id: owner.orgId,
        customer_id: fresh,
        at: ago(28),
        score: null,
        risk_level: null,
        lifecycle_state: 'no_billing',
        factors: '{}',
      })
      .execute();
    await reconstructed(owner.orgId, fresh, 21, 90);
    await reconstructed(owner.orgId, fresh, 14, 35);
    await reconstructed(owner.orgId, fresh, 7, 35);
    await reconstructed(owner.orgId, fresh, 0, 72);
    const h = await history(owner, fresh);
    expect(h.map((e) => [days(e), e.reason, e.level])).toEqual([
      [21, 'reconstructed', 'green'],
      [14, 'reconstructed', 'red'],
      [0, 'reconstructed', 'green'],
    ]);
  });

  it('never shows another organization’s reconstructed points', async () => {
    // A row filed under the other organization for this customer (as corrupted data would be) stays out of its
    // history, and the other organization cannot read the customer at all.
    await reconstructed(other.orgId, id, 80, 5);
    expect((await history(owner, id)).map((e) => days(e))).toEqual([70, 60, 20, 5]);
    expect((await other.client.get(`/api/v1/customers/${id}/score-history`)).status).toBe(404);
    const theirs = await customer(other.orgId, 'cus_theirs');
    await reconstructed(other.orgId, theirs, 30, 55);
    expect((await owner.client.get(`/api/v1/customers/${theirs}/score-history`)).status).toBe(404);
    expect((await history(other, theirs)).map((e) => [days(e), e.reason, e.score])).toEqual([[30, 'reconstructed', 55]]);
  });
});

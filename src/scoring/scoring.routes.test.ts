import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedUpUser, type TestClient, waitFor } from '../../test/helpers/app.js';
import { startScoredWorld, type StripeWorld } from '../../test/helpers/stripe.js';
import { DEFAULT_CONFIG } from './scoring.config.js';

let world: StripeWorld;
let owner: SignedUpUser;
let member: TestClient;
const db = () => world.t.runtime.database.db;

beforeAll(async () => {
  ({ world, owner, member } = await startScoredWorld({ customers: 50, seed: 17 }));
}, 120_000);
afterAll(async () => world?.close());

/** The levels of the customers who have not churned (churned ones are counted apart, in no level). */
const levels = async () => {
  const rows = await db()
    .selectFrom('customers')
    .select(['id', 'risk_level'])
    .where('org_id', '=', owner.orgId)
    .where(sql<boolean>`lifecycle_state is distinct from 'churned'`)
    .execute();
  return new Map(rows.map((r) => [r.id, r.risk_level]));
};
const churnedCount = async () =>
  Number(
    (
      await db()
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('org_id', '=', owner.orgId)
        .where('lifecycle_state', '=', 'churned')
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('scoring configuration', () => {
  it('starts with the guide’s defaults, readable by every member', async () => {
    expect((await member.get('/api/v1/scoring/config')).body).toEqual(DEFAULT_CONFIG);
  });

  it('refuses invalid configurations with a clear message', async () => {
    const cases: [unknown, RegExp][] = [
      [
        { ...DEFAULT_CONFIG, weights: { payment_recency: 0, mrr_trend: 0, failed_payments: 0, usage: 0, support: 0 } },
        /at least one weight/,
      ],
      [{ ...DEFAULT_CONFIG, thresholds: { green: 40, yellow: 70 } }, /yellow must be below green/],
      [{ ...DEFAULT_CONFIG, thresholds: { green: 120, yellow: 40 } }, /green/],
      [{ ...DEFAULT_CONFIG, weights: { ...DEFAULT_CONFIG.weights, usage: -1 } }, /0 or more/],
      [{ ...DEFAULT_CONFIG, weights: { ...DEFAULT_CONFIG.weights, mood: 3 } }, /mood|unrecognized/i],
      [{ weights: DEFAULT_CONFIG.weights }, /thresholds/],
      ['nonsense', /./],
    ];
    for (const [body, message] of cases) {
      const res = await owner.client.request('PUT', '/api/v1/scoring/config', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body.error), JSON.stringify(body)).toMatch(message);
      expect((await owner.client.post('/api/v1/scoring/preview', body)).status).toBe(400);
    }
  });

  it('lets only admins and owners change it or re-score everyone', async () => {
    const res = await member.request('PUT', '/api/v1/scoring/config', DEFAULT_CONFIG);
    expect(res.status).toBe(403);
    expect((await member.post('/api/v1/scoring/recalculate')).status).toBe(403);
    expect((await owner.client.post('/api/v1/scoring/recalculate')).status).toBe(202);
  });

  it('previews a candidate exactly, then saving it re-scores the organization to match the preview', async () => {
    const candidate = { weights: { ...DEFAULT_CONFIG.weights, payment_recency: 0, mrr_trend: 5 }, thresholds: { green: 85, yellow: 60 } };
    const before = await levels();
    const preview = await member.post('/api/v1/scoring/preview', candidate);
    expect(preview.status).toBe(200);
    expect(preview.body.changed).toBeGreaterThan(0);
    expect(preview.body.changes.length).toBe(preview.body.changed);
    // Nothing was saved.
    expect((await member.get('/api/v1/scoring/config')).body).toEqual(DEFAULT_CONFIG);
    expect(await levels()).toEqual(before);

    const saved = await owner.client.request('PUT', '/api/v1/scoring/config', candidate);
    expect(saved.status).toBe(200);
    expect((await member.get('/api/v1/scoring/config')).body).toEqual(candidate);
    const after = await waitFor(async () => {
      const now = await levels();
      const moved = [...now].filter(([id, level]) => before.get(id) !== level).length;
      return moved === preview.body.changed ? now : null;
    }, 30_000);
    for (const change of preview.body.changes) expect(after.get(change.id)).toBe(change.to);
    const counts = { green: 0, yellow: 0, red: 0, none: 0, churned: await churnedCount() };
    for (const level of after.values()) counts[(level ?? 'none') as keyof typeof counts]++;
    expect(counts.churned).toBeGreaterThan(0);
    expect(counts).toEqual(preview.body.distribution);
    expect(preview.body.current.churned).toBe(counts.churned);
    const history = await db()
      .selectFrom('score_history')
      .select('reason')
      .where('org_id', '=', owner.orgId)
      .where('reason', '=', 'config')
      .execute();
    expect(history.length).toBeGreaterThanOrEqual(preview.body.changed);
  });
});

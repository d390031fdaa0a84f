import { describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, useTestApp } from '../../test/helpers/app.js';
import { DEFAULT_CONFIG, FACTORS } from '../scoring/scoring.config.js';
import { type ComputedFactors, scoreFromFactors } from '../scoring/scoring.engine.js';
import type { StoredPoint } from './backtest.history.js';
import type { Churn } from './backtest.metrics.js';
import { createBacktestRepo } from './backtest.repo.js';
import { type SuggestCustomer, suggestConfig } from './backtest.suggest.js';

/**
 * The suggestion endpoint on hand-built reconstructed histories (written with the backtest's own repository), so
 * that what the endpoint answers can be held against the pure suggestion computed on the very same customers.
 */

let t: TestApp;
useTestApp((app) => {
  t = app;
});

const DAY = 86_400;
const WEEK = 7 * DAY;
const WEEKS = 52;
const END = Math.floor(Date.now() / 1000 / DAY) * DAY;
const db = () => t.runtime.database.db;

type Values = Record<string, number>;
const HEALTHY: Values = { payment_recency: 1, mrr_trend: 0.75, failed_payments: 1 };

interface Spec {
  name: string;
  churnWeeksAgo?: number;
  /** Factor values in the 60 days before the churn. */
  warn?: Values;
  /** Factor values all along. */
  always?: Values;
}

function history(spec: Spec): { points: StoredPoint[]; churn: Churn | null } {
  const churnAt = spec.churnWeeksAgo === undefined ? null : END - spec.churnWeeksAgo * WEEK;
  const points: StoredPoint[] = [];
  for (let k = WEEKS - 1; k >= 0; k--) {
    const at = END - k * WEEK;
    const churned = churnAt !== null && at >= churnAt;
    const factors = { ...HEALTHY, ...spec.always, ...(churnAt !== null && spec.warn && at >= churnAt - 60 * DAY ? spec.warn : {}) };
    const computed = Object.fromEntries(
      Object.entries(factors).map(([f, v]) => [f, { value: v, explanation: '' }]),
    ) as unknown as ComputedFactors;
    const r = scoreFromFactors(computed, DEFAULT_CONFIG, { state: churned ? 'churned' : 'active', at: null });
    points.push({ at, score: r.score, level: r.level, lifecycle: churned ? 'churned' : 'active', factors });
  }
  const churn: Churn | null = churnAt === null ? null : { at: churnAt, kind: 'involuntary', mrr: { currency: 'usd', amount: 4900 } };
  return { points, churn };
}

/** Writes the customers and their reconstructed history; returns them as the pure suggestion takes them. */
async function business(orgId: string, specs: Spec[]): Promise<SuggestCustomer[]> {
  const repo = createBacktestRepo(db());
  await repo.startRun(orgId);
  const points = new Map<string, StoredPoint[]>();
  const churns = new Map<string, Churn>();
  const out: SuggestCustomer[] = [];
  for (const s of specs) {
    const { id } = await db()
      .insertInto('customers')
      .values({
        org_id: orgId,
        external_id: `cus_${s.name}`,
        email: `${s.name}@example.com`,
        name: s.name,
        currency: 'usd',
        first_seen_at: new Date(),
        metadata: '{}',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const h = history(s);
    points.set(id, h.points);
    if (h.churn) churns.set(id, h.churn);
    out.push({ id, churn: h.churn, points: h.points });
  }
  await repo.replace(orgId, [...points.keys()], points, churns);
  await repo.finishRun(orgId, { start: END - (WEEKS - 1) * WEEK, end: END, customers: specs.length, points: specs.length * WEEKS });
  return out;
}

const FAILING: Values = { failed_payments: 0.1 };
/** 9 churners with failing cards, 3 without a sign; 15 noisy stayers (late, shrinking, both) and 20 healthy ones. */
const failedPayments: Spec[] = [
  ...[45, 42, 39, 36, 30, 24, 14, 11, 8].map((w, i) => ({ name: `fp${i}`, churnWeeksAgo: w, warn: FAILING })),
  ...[33, 27, 6].map((w, i) => ({ name: `silent${i}`, churnWeeksAgo: w })),
  ...[{ payment_recency: 0 }, { mrr_trend: 0 }, { payment_recency: 0.3, mrr_trend: 0 }].flatMap((always, k) =>
    Array.from({ length: 5 }, (_, i) => ({ name: `noisy${k}_${i}`, always })),
  ),
  ...Array.from({ length: 20 }, (_, i) => ({ name: `healthy${i}` })),
];
/** Another organization: its churn foretold by shrinking MRR, and many more churns. */
const shrinking: Spec[] = [
  ...Array.from({ length: 30 }, (_, i) => ({ name: `b_churn${i}`, churnWeeksAgo: 4 + i, warn: { mrr_trend: 0 } })),
  ...Array.from({ length: 10 }, (_, i) => ({ name: `b_stay${i}`, always: { failed_payments: 0.2 } })),
];

const iso = (at: number) => new Date(at * 1000).toISOString();

describe('GET /scoring/backtest/suggestion', () => {
  let owner: SignedUpUser;
  let first: unknown;

  it('answers the suggestion of the pure search on exactly this organization’s history, with fit and report parts', async () => {
    owner = await signUp(t);
    const customers = await business(owner.orgId, failedPayments);
    const res = await owner.client.get('/api/v1/scoring/backtest/suggestion?horizon=30');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', horizon: 30, historyEnd: iso(END) });
    const s = res.body.suggestion;
    expect(s.status).toBe('suggested');
    expect(s.churns).toBe(12);
    expect(s.split.at).toBe(iso(END - 24 * WEEK));
    expect(s.split.report.stayersAt).toBe(iso(END - 30 * DAY));
    expect(s.fit.current.churners).toBe(8);
    expect(s.report.current.churners).toBe(4);
    expect(s.report.current.redOrYellow).toMatchObject({ caught: 3, falseAlarms: 15 });
    expect(s.report.suggested.redOrYellow).toMatchObject({ caught: 3, falseAlarms: 0 });
    for (const f of FACTORS)
      if (f !== 'failed_payments') expect(s.suggested.weights.failed_payments).toBeGreaterThan(s.suggested.weights[f]);
    expect(s.reason).toContain('Failed payments predicted 75 % of your churn');
    expect(s.current).toEqual(DEFAULT_CONFIG);
    // The endpoint read exactly the points the pure suggestion needs: the same answer as on the whole history.
    const pure = suggestConfig({ customers, end: END, horizon: 30, current: DEFAULT_CONFIG });
    expect(s.suggested).toEqual(pure.suggested);
    expect(s.fit).toEqual(pure.fit);
    expect(s.report).toEqual(pure.report);
    expect(s.shares).toEqual(pure.shares);
    expect(s.verdict).toBe(pure.verdict);
    first = res.body;
  });

  it('never uses another organization’s data, and another organization never sees this one’s', async () => {
    const stranger = await signUp(t);
    const empty = await stranger.client.get('/api/v1/scoring/backtest/suggestion');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ status: 'not_built', suggestion: null, horizon: 30 });
    await business(stranger.orgId, shrinking);
    const mine = await owner.client.get('/api/v1/scoring/backtest/suggestion?horizon=30');
    expect(mine.body).toEqual(first);
    const theirs = (await stranger.client.get('/api/v1/scoring/backtest/suggestion?horizon=30')).body.suggestion;
    expect(theirs.churns).toBe(30);
    expect(theirs.fit.current.stayers + theirs.fit.current.churners).toBeLessThanOrEqual(shrinking.length);
  });

  it('lets any member read it and saves nothing', async () => {
    const m = await signUp(t);
    const inv = await owner.client.post('/api/v1/invitations', { email: m.email, role: 'member' });
    await m.client.post('/api/v1/invitations/accept', { token: new URL(inv.body.url).pathname.split('/').pop() });
    const stored = () => db().selectFrom('scoring_configs').selectAll().where('org_id', '=', owner.orgId).execute();
    const before = await stored();
    const res = await m.client.get('/api/v1/scoring/backtest/suggestion?horizon=30');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(first);
    expect(await stored()).toEqual(before);
    expect((await owner.client.get('/api/v1/scoring/config')).body).toEqual(DEFAULT_CONFIG);
  });

  it('answers other horizons and says when too few churns can be judged', async () => {
    const r90 = await owner.client.get('/api/v1/scoring/backtest/suggestion?horizon=90');
    expect(r90.status).toBe(200);
    expect(r90.body.horizon).toBe(90);
    const few = await signUp(t);
    await business(
      few.orgId,
      [...failedPayments.slice(0, 7), ...failedPayments.slice(12)].map((s) => ({ ...s, name: `few_${s.name}` })),
    );
    const res = await few.client.get('/api/v1/scoring/backtest/suggestion?horizon=60');
    expect(res.status).toBe(200);
    // 7 churners, but the one 45 weeks ago has no point 60 days before it (the history begins 51 weeks ago).
    expect(res.body.suggestion).toMatchObject({ status: 'too_few_churns', churns: 6, suggested: null, split: null, fit: null });
    expect(res.body.suggestion.verdict).toMatch(/^Only 6 churns have a score 60 days before them/);
  });

  it('refuses a bad horizon or an unknown parameter with 400, and anonymous callers with 401', async () => {
    expect((await owner.client.get('/api/v1/scoring/backtest/suggestion?horizon=45')).status).toBe(400);
    expect((await owner.client.get('/api/v1/scoring/backtest/suggestion?horizon=abc')).status).toBe(400);
    expect((await owner.client.get('/api/v1/scoring/backtest/suggestion?other=1')).status).toBe(400);
    expect((await t.client().get('/api/v1/scoring/backtest/suggestion')).status).toBe(401);
  });
});

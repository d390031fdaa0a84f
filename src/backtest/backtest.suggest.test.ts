import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, FACTORS, type ScoringConfig, scoringConfigSchema } from '../scoring/scoring.config.js';
import { type ComputedFactors, scoreFromFactors } from '../scoring/scoring.engine.js';
import type { Churn } from './backtest.metrics.js';
import {
  chooseSplit,
  judgeParts,
  MIN_FIT_CHURNS,
  MIN_REPORT_CHURNS,
  type SuggestCustomer,
  type SuggestPoint,
  suggestConfig,
} from './backtest.suggest.js';
import { MAX_WEIGHT, scorePacked, WEIGHT_STEP } from './backtest.suggest.search.js';

const DAY = 86_400;
const WEEK = 7 * DAY;
const END = 1_800_000_000;
const WEEKS = 52;
const H = 30;

type Values = Record<string, number>;
const HEALTHY: Values = { payment_recency: 1, mrr_trend: 0.75, failed_payments: 1 };

/**
 * One customer: a weekly point over the last year; `warn` gives the factor values in the 60 days before the churn
 * (or always, for a customer who stays), after the churn the points say churned.
 */
function customer(id: string, o: { churnWeeksAgo?: number; warn?: Values; always?: Values; kind?: Churn['kind'] }): SuggestCustomer {
  const churnAt = o.churnWeeksAgo === undefined ? null : END - o.churnWeeksAgo * WEEK;
  const points: SuggestPoint[] = [];
  for (let k = WEEKS - 1; k >= 0; k--) {
    const at = END - k * WEEK;
    const churned = churnAt !== null && at >= churnAt;
    const warning = churnAt !== null && o.warn && at >= churnAt - 60 * DAY;
    points.push({
      at,
      lifecycle: churned ? 'churned' : 'active',
      factors: { ...HEALTHY, ...o.always, ...(warning ? o.warn : {}) },
    });
  }
  const churn = churnAt === null ? null : { at: churnAt, kind: o.kind ?? 'voluntary', mrr: { currency: 'usd', amount: 4900 } };
  return { id, points, churn };
}

const FAILING: Values = { failed_payments: 0.1 };
// Customers who stayed although paying late, shrinking, or both: under the current weights each scores below every
// churner with a failing card, so no threshold alone can tell them apart.
const LATE: Values = { payment_recency: 0 };
const SHRINKING: Values = { mrr_trend: 0 };
const BOTH: Values = { payment_recency: 0.3, mrr_trend: 0 };

/**
 * A business whose churn only failed payments foretell: 9 churners had failing cards, 3 left without a sign. Of the
 * 35 who stayed, 15 paid late, shrank, or both (the current configuration's false alarms), 20 were healthy.
 * Older part (fit): 8 churns, 45…24 weeks ago; newer part (report): 4 churns, 14…6 weeks ago.
 */
function failedPaymentsBusiness(): SuggestCustomer[] {
  const churners: [number, boolean][] = [
    [45, true],
    [42, true],
    [39, true],
    [36, true],
    [33, false],
    [30, true],
    [27, false],
    [24, true],
    [14, true],
    [11, true],
    [8, true],
    [6, false],
  ];
  return [
    ...churners.map(([w, warned], i) => customer(`churner-${i}`, { churnWeeksAgo: w, ...(warned ? { warn: FAILING } : {}) })),
    ...[LATE, SHRINKING, BOTH].flatMap((always, k) => Array.from({ length: 5 }, (_, i) => customer(`noisy-${k}-${i}`, { always }))),
    ...Array.from({ length: 20 }, (_, i) => customer(`healthy-${i}`, {})),
  ];
}

describe('suggested weights and thresholds on hand-built histories', () => {
  it('gives failed payments the largest weight when they foretold the churn, and says so with the right share', () => {
    const s = suggestConfig({ customers: failedPaymentsBusiness(), end: END, horizon: H, current: DEFAULT_CONFIG });
    expect(s.status).toBe('suggested');
    const w = s.suggested!.weights;
    for (const f of FACTORS) if (f !== 'failed_payments') expect(w.failed_payments).toBeGreaterThan(w[f]);
    // Shrinking MRR warned of nobody who left: the suggestion stops listening to it.
    expect(w.mrr_trend).toBeLessThan(w.failed_payments / 5);
    expect(scoringConfigSchema.safeParse(s.suggested).success).toBe(true);

    // Split: 8 older churns fit, 4 newer ones report; 12 churns in all.
    expect(s.churns).toBe(12);
    expect(s.split!.at).toBe(END - 24 * WEEK);
    expect(s.fit!.current.churners).toBe(8);
    expect(s.report!.current.churners).toBe(4);
    // Stayers at S − h: the 35 who stayed and the 4 who churned later. At end − h: the 35.
    expect(s.fit!.current.stayers).toBe(39);
    expect(s.report!.current.stayers).toBe(35);

    // Counted by hand. Current configuration (25/25/20, green 70): failing (25 + 18.75 + 2) / 70 = 65, late
    // (0 + 18.75 + 20) / 70 = 55, shrinking (25 + 0 + 20) / 70 = 64, both 39, healthy 91: every warned churner and all
    // 15 noisy stayers are flagged, the 3 silent churners are not.
    expect(s.report!.current.redOrYellow).toMatchObject({ caught: 3, falseAlarms: 15, flagged: 18 });
    expect(s.report!.current.f1).toBeCloseTo((2 * 3) / (18 + 4), 12);
    // The suggestion catches the same 3 newer churners without a single false alarm, and the 6 older ones.
    expect(s.report!.suggested.redOrYellow).toMatchObject({ caught: 3, falseAlarms: 0 });
    expect(s.report!.suggested.f1).toBeCloseTo((2 * 3) / (3 + 4), 12);
    expect(s.fit!.suggested.redOrYellow).toMatchObject({ caught: 6, falseAlarms: 0 });

    // 9 of the 12 churners were foretold by failed payments, 3 by nothing.
    const pct = (k: number) => `${Math.round((100 * k) / 12)} %`;
    expect(s.shares).toEqual([{ factor: 'failed_payments', churners: 9, share: 9 / 12 }]);
    expect(s.reason).toBe(
      `Failed payments predicted ${pct(9)} of your churn; ${pct(3)} came with no warning sign 30 days ahead (12 churns).`,
    );
    expect(s.reason).toContain('Failed payments predicted 75 % of your churn; 25 % came with no warning sign');
    expect(s.verdict).toMatch(/never used for fitting, the suggestion flags 3 of 4 churners with 0 false alarms/);
    expect(s.verdict).toMatch(/hint, not proof/);
  });

  it('says to keep the current configuration when the newer part does not confirm the fit', () => {
    // Older churns foretold by failed payments; the newer ones by shrinking MRR, which the fit learned to ignore.
    const customers = [
      ...[45, 42, 39, 36, 33, 30].map((w, i) => customer(`old-${i}`, { churnWeeksAgo: w, warn: FAILING })),
      ...[14, 11, 8, 6].map((w, i) => customer(`new-${i}`, { churnWeeksAgo: w, warn: { mrr_trend: 0 } })),
      ...Array.from({ length: 10 }, (_, i) => customer(`shrinking-${i}`, { always: SHRINKING })),
      ...Array.from({ length: 20 }, (_, i) => customer(`healthy-${i}`, {})),
    ];
    const s = suggestConfig({ customers, end: END, horizon: H, current: DEFAULT_CONFIG });
    expect(s.fit!.suggested.f1!).toBeGreaterThan(s.fit!.current.f1!);
    expect(s.report!.suggested.f1!).toBeLessThanOrEqual(s.report!.current.f1!);
    expect(s.status).toBe('keep_current');
    expect(s.verdict).toMatch(/no better than your current configuration.*Keep your current configuration\./);
    // The suggestion and its evidence are still shown.
    expect(s.suggested).not.toBeNull();
  });

  it('suggests nothing with too few churns, and says how many it needs', () => {
    const few = [
      ...[40, 30, 20, 15, 10, 8, 6].map((w, i) => customer(`c-${i}`, { churnWeeksAgo: w, warn: FAILING })),
      // A churn in the first weeks of the history has no point 30 days before it: it cannot count.
      customer('too-early', { churnWeeksAgo: WEEKS - 2, warn: FAILING }),
      ...Array.from({ length: 10 }, (_, i) => customer(`h-${i}`, {})),
    ];
    expect(MIN_FIT_CHURNS + MIN_REPORT_CHURNS).toBe(8);
    const s = suggestConfig({ customers: few, end: END, horizon: H, current: DEFAULT_CONFIG });
    expect(s).toMatchObject({ status: 'too_few_churns', churns: 7, suggested: null, fit: null, report: null, split: null });
    expect(s.verdict).toBe(
      'Only 7 churns have a score 30 days before them; a suggestion needs at least 8 (5 to fit on, 3 newer ones to check it on). Keep your current configuration.',
    );
  });

  it('never splits between churns of the same moment', () => {
    const same = [...Array.from({ length: 10 }, (_, i) => customer(`c-${i}`, { churnWeeksAgo: 10 })), customer('h', {})];
    expect(chooseSplit(same, END, H)).toEqual({ ok: false, churns: 10 });
    expect(suggestConfig({ customers: same, end: END, horizon: H, current: DEFAULT_CONFIG }).verdict).toMatch(/too few distinct days/);
  });
});

describe('the time split', () => {
  it('reports only on what is strictly newer than everything the fit saw', () => {
    const customers = failedPaymentsBusiness();
    const split = chooseSplit(customers, END, H);
    if (!split.ok) throw new Error('expected a split');
    const { fit, report } = judgeParts(customers, split.at, END, H);
    const fitOutcomes = fit.judged.flatMap((j) => (j.churnAt === null ? [] : [j.churnAt]));
    const reportOutcomes = report.judged.flatMap((j) => (j.churnAt === null ? [] : [j.churnAt]));
    expect(Math.max(...fitOutcomes)).toBe(split.at);
    expect(Math.min(...reportOutcomes)).toBeGreaterThan(split.at);
    // Every moment the fit judged is at or before S − h, every moment the report judged after it (and here, with the
    // newer churns weeks after S, even the weekly points they stand on are all newer).
    expect(Math.max(...fit.judged.map((j) => j.at))).toBeLessThanOrEqual(split.at - H * DAY);
    expect(Math.min(...report.judged.map((j) => j.at))).toBeGreaterThan(split.at - H * DAY);
    expect(Math.max(...fit.judged.map((j) => j.point.at))).toBeLessThan(Math.min(...report.judged.map((j) => j.point.at)));
  });

  it('fits the same configuration whatever the points after S − h say (no leakage)', () => {
    const base = failedPaymentsBusiness();
    const before = suggestConfig({ customers: base, end: END, horizon: H, current: DEFAULT_CONFIG });
    const cut = before.split!.at - H * DAY;
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }), (noise) => {
        const changed = base.map((c) => ({
          ...c,
          points: c.points.map((p) =>
            p.at > cut ? { ...p, factors: { payment_recency: noise[0]!, mrr_trend: noise[1]!, failed_payments: noise[2]! } } : p,
          ),
        }));
        const after = suggestConfig({ customers: changed, end: END, horizon: H, current: DEFAULT_CONFIG });
        expect(after.suggested).toEqual(before.suggested);
        expect(after.fit).toEqual(before.fit);
        expect(after.split).toEqual(before.split);
      }),
      { numRuns: 30 },
    );
  });
});

/** Small random histories: factor values, absent factors, trials, churns of either kind. */
const history = fc
  .record({
    customers: fc.array(
      fc.record({
        base: fc.record({
          payment_recency: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
          mrr_trend: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
          failed_payments: fc.double({ min: 0, max: 1, noNaN: true }),
          usage: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        }),
        drop: fc.double({ min: 0, max: 1, noNaN: true }),
        churnWeeksAgo: fc.option(fc.integer({ min: 1, max: 18 }), { nil: undefined }),
        trial: fc.boolean(),
      }),
      { minLength: 5, maxLength: 40 },
    ),
  })
  .map(({ customers }) =>
    customers.map((c, i): SuggestCustomer => {
      const churnAt = c.churnWeeksAgo === undefined ? null : END - c.churnWeeksAgo * WEEK;
      const factors = Object.fromEntries(Object.entries(c.base).filter(([, v]) => v !== undefined)) as Values;
      const points: SuggestPoint[] = [];
      for (let k = 19; k >= 0; k--) {
        const at = END - k * WEEK;
        const near = churnAt !== null && at >= churnAt - 45 * DAY;
        points.push({
          at,
          lifecycle: churnAt !== null && at >= churnAt ? 'churned' : c.trial && k > 15 ? 'trialing' : 'active',
          factors: near ? { ...factors, failed_payments: (factors.failed_payments ?? 1) * c.drop } : factors,
        });
      }
      return {
        id: `c${i}`,
        points,
        churn: churnAt === null ? null : { at: churnAt, kind: i % 2 ? 'voluntary' : 'involuntary', mrr: null },
      };
    }),
  );

const config = fc
  .record({
    weights: fc.record(
      Object.fromEntries(FACTORS.map((f) => [f, fc.integer({ min: 0, max: 1000 })])) as Record<string, fc.Arbitrary<number>>,
    ),
    green: fc.integer({ min: 2, max: 100 }),
    yellow: fc.integer({ min: 1, max: 99 }),
  })
  .filter((c) => c.yellow < c.green && FACTORS.some((f) => f !== 'sentiment' && c.weights[f]! > 0))
  .map((c) => ({ weights: c.weights, thresholds: { green: c.green, yellow: c.yellow } }) as ScoringConfig);

describe('properties', () => {
  it('is deterministic, keeps weights on the grid and always suggests a valid configuration', () => {
    fc.assert(
      fc.property(history, config, (customers, current) => {
        const a = suggestConfig({ customers, end: END, horizon: H, current });
        const b = suggestConfig({ customers: structuredClone(customers), end: END, horizon: H, current: structuredClone(current) });
        expect(b).toEqual(a);
        if (!a.suggested) return;
        for (const f of FACTORS) {
          const w = a.suggested.weights[f];
          expect(Number.isInteger(w) && w >= 0 && w <= MAX_WEIGHT && w % WEIGHT_STEP === 0).toBe(true);
        }
        expect(scoringConfigSchema.safeParse(a.suggested).success).toBe(true);
        // The claim of an improvement is never made without the newer part showing it.
        if (a.status === 'suggested') expect(a.report!.suggested.f1!).toBeGreaterThan(a.report!.current.f1 ?? 0);
        const share = a.shares.reduce((s, x) => s + x.share, 0);
        expect(share).toBeLessThanOrEqual(1 + 1e-9);
      }),
      { numRuns: 150 },
    );
  });

  it('scores exactly as the scoring engine does', () => {
    fc.assert(
      fc.property(history, config, (customers, cfg) => {
        const judged = customers.flatMap((c) => c.points.map((point) => ({ churnAt: null, point })));
        const fast = scorePacked(judged, cfg);
        judged.forEach((j, i) => {
          const factors = Object.fromEntries(
            Object.entries(j.point.factors).map(([k, v]) => [k, { value: v, explanation: '' }]),
          ) as unknown as ComputedFactors;
          expect(fast[i]).toBe(scoreFromFactors(factors, cfg, { state: j.point.lifecycle, at: null }).score);
        });
      }),
      { numRuns: 100 },
    );
  });
});

describe('scale', () => {
  // How fast is measured by `npm run bench -- backtest` (backtest.suggestion_max), not here.
  it('suggests for 10k customers × 52 weeks', () => {
    // A seeded generator: the same large history every run.
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const customers: SuggestCustomer[] = [];
    for (let i = 0; i < 10_000; i++) {
      const churnWeeksAgo = random() < 0.08 ? 1 + Math.floor(random() * 45) : undefined;
      const warn: Values = random() < 0.6 ? { failed_payments: random() * 0.4 } : { payment_recency: random() };
      const always: Values = { mrr_trend: random(), usage: random() };
      customers.push(customer(`c${i}`, { ...(churnWeeksAgo ? { churnWeeksAgo } : {}), warn, always }));
    }
    const s = suggestConfig({ customers, end: END, horizon: H, current: DEFAULT_CONFIG });
    expect(s.suggested).not.toBeNull();
  });
});

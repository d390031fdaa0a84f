import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, scoringConfigSchema } from './scoring.config.js';
import {
  combine,
  computeFactors,
  type CustomerBilling,
  explainScore,
  failureValue,
  type PaymentInput,
  recencyValue,
  renderSentence,
  scoreCustomer,
  trendValue,
} from './scoring.engine.js';

const NOW = 1_800_000_000;
const DAY = 86_400;
const monthly = [{ status: 'active', interval: 'month', intervalCount: 1, cancelAtPeriodEnd: false }];
const paid = (daysAgo: number): PaymentInput => ({ status: 'succeeded', failureCode: null, at: NOW - daysAgo * DAY });
const failed = (daysAgo: number, code = 'insufficient_funds'): PaymentInput => ({
  status: 'failed',
  failureCode: code,
  at: NOW - daysAgo * DAY,
});

describe('the guide’s worked examples', () => {
  it('green: paid 3 days ago, active at $500/month for 12 months, no failures', () => {
    const result = scoreCustomer(
      {
        payments: Array.from({ length: 12 }, (_, i) => paid(3 + 30 * i)),
        subscriptions: monthly,
        mrr: { current: 50_000, previous: 50_000, currency: 'usd' },
      },
      NOW,
    );
    expect(result.level).toBe('green');
    expect(result.score).toBeGreaterThanOrEqual(85);
    expect(result.factors.map((f) => f.name)).toEqual(['payment_recency', 'mrr_trend', 'failed_payments']);
    expect(result.factors.find((f) => f.name === 'payment_recency')!.explanation).toBe(
      'Last successful payment 3 days ago; expected every 30 days.',
    );
    expect(result.absent.map((a) => a.name)).toEqual(['usage', 'support', 'sentiment']);
  });

  it('red: last successful payment 45 days ago, past due, 3 failed payments in 30 days', () => {
    const result = scoreCustomer(
      {
        payments: [paid(45), paid(75), failed(14), failed(12), failed(10)],
        subscriptions: [{ ...monthly[0]!, status: 'past_due' }],
        mrr: { current: 50_000, previous: 50_000, currency: 'usd' },
      },
      NOW,
    );
    expect(result.level).toBe('red');
    expect(result.score).toBeLessThan(40);
    const failures = result.factors.find((f) => f.name === 'failed_payments')!;
    expect(failures.explanation).toContain(
      '3 failed payments in the last 30 days (insufficient funds); 3 in a row; a subscription is past due',
    );
    expect(result.factors.find((f) => f.name === 'payment_recency')!.explanation).toBe(
      'Last successful payment 45 days ago; expected every 30 days.',
    );
  });

  it('no billing events: no score, and it says why', () => {
    const result = scoreCustomer({ payments: [], subscriptions: [], mrr: null }, NOW);
    expect(result.score).toBeNull();
    expect(result.level).toBeNull();
    expect(result.explanation).toMatch(/at least one billing event/);
    expect(result.absent.map((a) => a.name)).toEqual(['payment_recency', 'mrr_trend', 'failed_payments', 'usage', 'support', 'sentiment']);
  });
});

describe('factors', () => {
  it('measure recency against the billing cadence: an annual customer is not late after 45 days', () => {
    const annual = [{ status: 'active', interval: 'year', intervalCount: 1, cancelAtPeriodEnd: false }];
    const result = scoreCustomer(
      { payments: [paid(45)], subscriptions: annual, mrr: { current: 10_000, previous: 10_000, currency: 'usd' } },
      NOW,
    );
    expect(result.factors.find((f) => f.name === 'payment_recency')!.value).toBe(1);
    expect(recencyValue(45, 30)).toBeLessThan(0.5);
  });

  it('weigh a hard decline more than insufficient funds', () => {
    const with_ = (code: string) =>
      scoreCustomer(
        { payments: [paid(20), failed(2, code)], subscriptions: monthly, mrr: { current: 1, previous: 1, currency: 'usd' } },
        NOW,
      ).factors.find((f) => f.name === 'failed_payments')!.value;
    expect(with_('stolen_card')).toBeLessThan(with_('insufficient_funds'));
  });

  it('penalise cancellation at period end and unpaid subscriptions inside the MRR factor', () => {
    const trend = (status: string, cancelAtPeriodEnd = false) =>
      scoreCustomer(
        {
          payments: [paid(2)],
          subscriptions: [{ ...monthly[0]!, status, cancelAtPeriodEnd }],
          mrr: { current: 100, previous: 100, currency: 'usd' },
        },
        NOW,
      ).factors.find((f) => f.name === 'mrr_trend')!.value;
    expect(trend('active')).toBeGreaterThan(trend('active', true));
    expect(trend('past_due')).toBeGreaterThan(trend('unpaid'));
  });

  it('redistribute the weight of absent factors and respect configured weights', () => {
    const input: CustomerBilling = { payments: [paid(2)], subscriptions: monthly, mrr: null };
    const result = scoreCustomer(input, NOW);
    expect(result.factors.map((f) => f.name)).toEqual(['payment_recency', 'failed_payments']);
    expect(result.factors.reduce((s, f) => s + f.points, 0)).toBeCloseTo(100);
    const onlyFailures = scoreCustomer(input, NOW, { ...DEFAULT_CONFIG, weights: { ...DEFAULT_CONFIG.weights, payment_recency: 0 } });
    expect(onlyFailures.factors.map((f) => f.name)).toEqual(['failed_payments']);
  });

  it('validate configuration with clear errors', () => {
    expect(scoringConfigSchema.safeParse(DEFAULT_CONFIG).success).toBe(true);
    const noWeight = scoringConfigSchema.safeParse({
      ...DEFAULT_CONFIG,
      weights: { payment_recency: 0, mrr_trend: 0, failed_payments: 0, usage: 0, support: 0, sentiment: 0 },
    });
    expect(noWeight.error?.issues[0]?.message).toMatch(/at least one weight/);
    const inverted = scoringConfigSchema.safeParse({ ...DEFAULT_CONFIG, thresholds: { green: 40, yellow: 70 } });
    expect(inverted.error?.issues[0]?.message).toMatch(/yellow must be below green/);
    expect(scoringConfigSchema.safeParse({ ...DEFAULT_CONFIG, weights: { ...DEFAULT_CONFIG.weights, usage: -1 } }).success).toBe(false);
  });
});

describe('properties', () => {
  const days = fc.double({ min: 0, max: 2000, noNaN: true });
  const cadence = fc.constantFrom(1, 7, 30, 90, 365, 730);

  it('each factor stays in [0, 1] and is monotone in its input', () => {
    fc.assert(
      fc.property(
        days,
        days,
        cadence,
        (a, b, c) => recencyValue(a, c) >= 0 && recencyValue(a, c) <= 1 && (a <= b ? recencyValue(a, c) >= recencyValue(b, c) : true),
      ),
    );
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (a, b) => trendValue(a) >= 0 && trendValue(a) <= 1 && (a <= b ? trendValue(a) <= trendValue(b) : true),
      ),
    );
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (a, b) => failureValue(a) >= 0 && failureValue(a) <= 1 && (a <= b ? failureValue(a) >= failureValue(b) : true),
      ),
    );
  });

  it('factors have no jumps: a small change in the input moves the value a little', () => {
    fc.assert(fc.property(days, cadence, (d, c) => Math.abs(recencyValue(d, c) - recencyValue(d + 0.01, c)) < 0.01));
    fc.assert(fc.property(fc.double({ min: 0, max: 5, noNaN: true }), (r) => Math.abs(trendValue(r) - trendValue(r + 0.001)) < 0.01));
  });

  it('the score stays in 0–100 and raising one factor never lowers it', () => {
    const factor = fc.record({ value: fc.double({ min: 0, max: 1, noNaN: true }), weight: fc.double({ min: 0, max: 100, noNaN: true }) });
    fc.assert(
      fc.property(
        fc.array(factor, { minLength: 1, maxLength: 5 }),
        fc.nat(4),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (factors, i, bump) => {
          const score = combine(factors);
          const k = i % factors.length;
          const raised = factors.map((f, j) => (j === k ? { ...f, value: Math.min(1, f.value + bump) } : f));
          return score >= 0 && score <= 100 && combine(raised) >= score;
        },
      ),
    );
  });

  it('more failed payments never raise the failed-payments factor; older successes never raise recency', () => {
    const payments = fc.array(
      fc.record({
        status: fc.constantFrom('succeeded', 'failed', 'pending'),
        failureCode: fc.constantFrom(null, 'insufficient_funds', 'stolen_card', 'expired_card'),
        at: fc.integer({ min: NOW - 400 * DAY, max: NOW }),
      }),
      { maxLength: 12 },
    ) as fc.Arbitrary<PaymentInput[]>;
    const factor = (p: PaymentInput[], name: string) =>
      scoreCustomer({ payments: p, subscriptions: monthly, mrr: null }, NOW).factors.find((f) => f.name === name)?.value;
    fc.assert(
      fc.property(
        payments,
        fc.integer({ min: 0, max: 29 }),
        (p, ago) => (factor([...p, failed(ago)], 'failed_payments') ?? 1) <= (factor(p, 'failed_payments') ?? 1) + 1e-12,
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), (a, b) => {
        const [newer, older] = a <= b ? [a, b] : [b, a];
        return factor([paid(older)], 'payment_recency')! <= factor([paid(newer)], 'payment_recency')!;
      }),
    );
  });

  it('a larger MRR drop never raises the MRR trend', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 0, max: 1e6 }),
        (previous, a, b) => {
          const trend = (current: number) =>
            scoreCustomer({ payments: [paid(1)], subscriptions: monthly, mrr: { current, previous, currency: 'usd' } }, NOW).factors.find(
              (f) => f.name === 'mrr_trend',
            )?.value ?? 0;
          const [low, high] = a <= b ? [a, b] : [b, a];
          return trend(low) <= trend(high);
        },
      ),
    );
  });
});

describe('stored factors and their sentences', () => {
  const billing: CustomerBilling = {
    payments: [paid(11), paid(41)],
    subscriptions: monthly,
    mrr: { current: 50_000, previous: 50_000, currency: 'usd' },
  };

  it('keeps relative times as moments, so the stored factors do not change from one day to the next', () => {
    const today = computeFactors(billing, NOW);
    const tomorrow = computeFactors(billing, NOW + DAY);
    // Still within the billing cycle: same value, same stored sentence, nothing to rewrite.
    expect(tomorrow).toEqual(today);
    expect(JSON.stringify(today)).not.toMatch(/\d+ days ago/);
  });

  it('renders a stored sentence as of when it is read', () => {
    const stored = computeFactors(billing, NOW);
    const recency = (at: number) =>
      explainScore(stored, DEFAULT_CONFIG, at)!.factors.find((f) => f.name === 'payment_recency')!.explanation;
    expect(recency(NOW)).toBe('Last successful payment 11 days ago; expected every 30 days.');
    expect(recency(NOW + DAY)).toBe('Last successful payment 12 days ago; expected every 30 days.');
    expect(renderSentence('no moments here', NOW)).toBe('no moments here');
    expect(renderSentence(`{{days_since:${NOW - DAY}}}`, NOW)).toBe('1 day');
  });

  it('explains a stored score under any configuration exactly as scoring would', () => {
    const stored = computeFactors(billing, NOW);
    const config = { ...DEFAULT_CONFIG, weights: { ...DEFAULT_CONFIG.weights, mrr_trend: 0 } };
    expect(explainScore(stored, config, NOW)).toEqual(scoreCustomer(billing, NOW, config));
    expect(explainScore(null, DEFAULT_CONFIG, NOW)).toBeNull();
  });
});

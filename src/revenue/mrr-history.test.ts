import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyMovement, type InvoiceForHistory, movements, mrrAt, recurringAmount } from './mrr-history.js';

const DAY = 86_400;
const T = 1_800_000_000;

function invoice(overrides: Partial<InvoiceForHistory> & { start?: number; days?: number; amount?: number } = {}): InvoiceForHistory {
  const start = overrides.start ?? T - 10 * DAY;
  const amount = overrides.amount ?? 10_000;
  return {
    status: 'paid',
    currency: 'usd',
    subtotal: amount,
    total: amount,
    interval: 'month',
    intervalCount: 1,
    lines: [{ amount, subscription: true, periodStart: start, periodEnd: start + (overrides.days ?? 30) * DAY }],
    ...overrides,
  };
}

describe('MRR history from invoices', () => {
  it('counts the subscription invoices whose period covers the moment, normalised to a month', () => {
    expect(mrrAt([invoice()], T)).toEqual({ usd: 10_000 });
    expect(mrrAt([invoice({ start: T - 40 * DAY })], T)).toEqual({});
    expect(mrrAt([invoice({ interval: 'year', amount: 120_000, days: 365, start: T - 200 * DAY })], T).usd).toBeCloseTo(10_000);
    expect(mrrAt([invoice({ interval: 'month', intervalCount: 3, amount: 30_000, days: 90 })], T).usd).toBeCloseTo(10_000);
  });

  it('spreads discounts over the recurring lines and leaves one-off lines and void invoices out', () => {
    const discounted = invoice({
      subtotal: 15_000,
      total: 12_000,
      lines: [
        { amount: 10_000, subscription: true, periodStart: T - DAY, periodEnd: T + 29 * DAY },
        { amount: 5_000, subscription: false, periodStart: T - DAY, periodEnd: T - DAY },
      ],
    });
    expect(recurringAmount(discounted)).toBeCloseTo(8_000);
    expect(mrrAt([discounted], T).usd).toBeCloseTo(8_000);
    expect(mrrAt([invoice({ status: 'void' })], T)).toEqual({});
    expect(mrrAt([invoice({ interval: null })], T)).toEqual({});
  });

  it('keeps currencies apart', () => {
    expect(mrrAt([invoice(), invoice({ currency: 'EUR', amount: 900 })], T)).toEqual({ usd: 10_000, eur: 900 });
  });
});

describe('MRR movements', () => {
  it.each([
    [0, 100, false, 'new'],
    [0, 100, true, 'reactivation'],
    [100, 0, true, 'churn'],
    [100, 150, true, 'expansion'],
    [150, 100, true, 'contraction'],
    [100, 100, true, 'none'],
  ] as const)('%d → %d (had revenue before: %s) is %s', (previous, current, had, expected) => {
    expect(classifyMovement(previous, current, had)).toBe(expected);
  });

  it('classifies a customer’s year: new, expansion, contraction, churn, reactivation', () => {
    expect(movements([0, 100, 100, 150, 120, 0, 0, 80]).map((m) => m.movement)).toEqual([
      'new',
      'expansion',
      'contraction',
      'churn',
      'reactivation',
    ]);
  });

  it('movements add up to the change over the whole series', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 24 }), (series) => {
        const total = movements(series).reduce((sum, m) => sum + m.delta, 0);
        return total === series[series.length - 1]! - series[0]!;
      }),
    );
  });
});

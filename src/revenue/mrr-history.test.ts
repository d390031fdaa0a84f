import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  billingSince,
  classifyMovement,
  coverBackTo,
  coverEarliestBack,
  firstPeriodStart,
  type InvoiceForHistory,
  movements,
  mrrAt,
  recurringAmount,
} from './mrr-history.js';

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

describe('a subscription older than the invoices held', () => {
  it('began paying at its start, or at its trial’s end', () => {
    expect(billingSince(null, null)).toBeNull();
    expect(billingSince(null, T)).toBeNull();
    expect(billingSince(T, null)).toBe(T);
    expect(billingSince(T, T + 14 * DAY)).toBe(T + 14 * DAY);
    expect(billingSince(T, T - DAY)).toBe(T);
  });

  it('has its earliest invoice cover back to that moment, at the same amount', () => {
    const renewal = invoice({ start: T, days: 365, amount: 120_000, interval: 'year' });
    const covered = coverBackTo(renewal, T - 365 * DAY);
    expect(covered.lines[0]).toMatchObject({ periodStart: T - 365 * DAY, periodEnd: T + 365 * DAY });
    expect(mrrAt([covered], T - 200 * DAY)).toEqual({ usd: 10_000 });
    expect(mrrAt([covered], T + 10 * DAY)).toEqual(mrrAt([renewal], T + 10 * DAY));
    // Already starting there (within a day's rounding), one-off, or a start unknown: unchanged.
    expect(coverBackTo(renewal, T - 3600)).toBe(renewal);
    expect(coverBackTo({ ...renewal, interval: null }, T - 365 * DAY).lines[0]!.periodStart).toBe(T);
    expect(coverBackTo(renewal, null)).toBe(renewal);
  });

  it('moves only each subscription’s earliest counted invoice', () => {
    const first = invoice({ start: T - 60 * DAY, status: 'void' });
    const second = invoice({ start: T - 30 * DAY });
    const third = invoice({ start: T });
    const other = invoice({ start: T - 10 * DAY });
    const oneOff = invoice({ start: T - 90 * DAY, interval: null });
    const all = [third, first, second, other, oneOff];
    const subOf = ['a', 'a', 'a', 'b', null];
    const since: Record<string, number> = { a: T - 400 * DAY, b: T - 10 * DAY };
    const out = coverEarliestBack(
      all,
      (k) => subOf[k]!,
      (k) => firstPeriodStart(all[k]!),
      (id) => since[id]!,
    );
    // a: the void invoice does not count, so the next one covers back; b already starts at its start.
    expect(out.map((i) => i.lines[0]!.periodStart)).toEqual([T, T - 60 * DAY, T - 400 * DAY, T - 10 * DAY, T - 90 * DAY]);
    expect(out[3]).toBe(other);
    expect(all[2]!.lines[0]!.periodStart).toBe(T - 30 * DAY);
  });

  it('changes nothing from the earliest invoice’s own period on (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            start: fc.integer({ min: 0, max: 720 }),
            days: fc.constantFrom(30, 91, 365),
            amount: fc.integer({ min: 1, max: 100_000 }),
          }),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 1200 }),
        (raw, back, probe) => {
          const invoices = raw.map((r) => invoice({ start: T + r.start * DAY, days: r.days, amount: r.amount }));
          const earliest = Math.min(...invoices.map(firstPeriodStart));
          const out = coverEarliestBack(
            invoices,
            () => 'sub',
            (k) => firstPeriodStart(invoices[k]!),
            () => earliest - back * DAY,
          );
          const t = earliest + (probe - 400) * DAY;
          if (t >= earliest) expect(mrrAt(out, t)).toEqual(mrrAt(invoices, t));
          else if (t >= earliest - back * DAY && back > 1) expect((mrrAt(out, t).usd ?? 0) > 0).toBe(true);
          else expect(mrrAt(out, t)).toEqual(mrrAt(invoices, t));
        },
      ),
    );
  });
});

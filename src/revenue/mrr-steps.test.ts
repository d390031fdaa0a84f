import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type InvoiceForHistory, mrrAt } from './mrr-history.js';
import { invoicePoints, mrrSegments, valueAt } from './mrr-steps.js';

const DAY = 86_400;
const T = 1_800_000_000;

/** A paid monthly invoice covering [start, start + 30 days). */
const monthInvoice = (start: number, amount: number, currency = 'usd'): InvoiceForHistory => ({
  status: 'paid',
  currency,
  subtotal: amount,
  total: amount,
  interval: 'month',
  intervalCount: 1,
  lines: [{ amount, subscription: true, periodStart: start, periodEnd: start + 30 * DAY }],
});

describe('MRR segments', () => {
  it('turns consecutive invoices into new, expansion, contraction and churn', () => {
    const invoices = [
      monthInvoice(T - 150 * DAY, 10_000),
      monthInvoice(T - 120 * DAY, 10_000),
      monthInvoice(T - 90 * DAY, 15_000),
      monthInvoice(T - 60 * DAY, 12_000),
    ];
    const segments = mrrSegments(invoices, {}, T);
    expect(segments.map((s) => [s.movement, s.mrr, s.delta, (T - s.from) / DAY])).toEqual([
      ['new', 10_000, 10_000, 150],
      ['expansion', 15_000, 5_000, 90],
      ['contraction', 12_000, -3_000, 60],
      ['churn', 0, -12_000, 30],
    ]);
  });

  it('marks revenue returning after a churn as reactivation', () => {
    const segments = mrrSegments([monthInvoice(T - 120 * DAY, 5_000), monthInvoice(T - 20 * DAY, 5_000)], { usd: 5_000 }, T);
    expect(segments.map((s) => s.movement)).toEqual(['new', 'churn', 'reactivation']);
  });

  it('dates a live change not yet invoiced now, and keeps that date when recomputed later', () => {
    const invoices = [monthInvoice(T - 10 * DAY, 10_000)];
    const first = mrrSegments(invoices, { usd: 20_000 }, T);
    expect(first.at(-1)).toMatchObject({ from: T, mrr: 20_000, movement: 'expansion' });
    const later = mrrSegments(invoices, { usd: 20_000 }, T + 2 * DAY, { usd: { mrr: 20_000, from: T } });
    expect(later.at(-1)!.from).toBe(T);
    // A different live value is a new change.
    const changed = mrrSegments(invoices, { usd: 5_000 }, T + 2 * DAY, { usd: { mrr: 20_000, from: T } });
    expect(changed.at(-1)).toMatchObject({ from: T + 2 * DAY, mrr: 5_000, movement: 'contraction' });
  });

  it('keeps currencies apart', () => {
    const segments = mrrSegments(
      [monthInvoice(T - 10 * DAY, 10_000), monthInvoice(T - 10 * DAY, 3_000, 'jpy')],
      { usd: 10_000, jpy: 3_000 },
      T,
    );
    expect(valueAt(segments, T)).toEqual({ usd: 10_000, jpy: 3_000 });
  });

  it('has no segments for a customer who never paid recurringly', () => {
    expect(mrrSegments([], {}, T)).toEqual([]);
    expect(mrrSegments([], { usd: 0 }, T)).toEqual([]);
  });

  it('matches the invoices at every moment, and its deltas add up to the value (property)', () => {
    const invoiceArb = fc
      .record({ startDay: fc.integer({ min: 1, max: 400 }), amount: fc.integer({ min: 0, max: 100_000 }) })
      .map(({ startDay, amount }) => monthInvoice(T - startDay * DAY, amount));
    fc.assert(
      fc.property(fc.array(invoiceArb, { maxLength: 12 }), fc.integer({ min: 0, max: 400 }), (invoices, probeDay) => {
        // Live subscriptions agree with the invoices: the history is the invoices' alone.
        const segments = mrrSegments(invoices, mrrAt(invoices, T), T);
        const at = T - probeDay * DAY;
        const expected = invoices
          .filter((i) => i.lines[0]!.periodStart! <= at && at < i.lines[0]!.periodEnd!)
          .reduce((s, i) => s + i.total, 0);
        expect(valueAt(segments, at).usd ?? 0).toBeCloseTo(expected, 6);
        const sum = segments.reduce((s, seg) => s + seg.delta, 0);
        expect(sum).toBeCloseTo(segments.at(-1)?.mrr ?? 0, 6);
        for (const seg of segments) expect(seg.mrr).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('gives the same history from kept invoice points as from the invoices, at any later moment (property)', () => {
    const invoiceArb = fc
      .record({
        startDay: fc.integer({ min: -40, max: 400 }),
        amount: fc.integer({ min: 0, max: 100_000 }),
        currency: fc.constantFrom('usd', 'eur', 'jpy'),
      })
      .map(({ startDay, amount, currency }) => monthInvoice(T - startDay * DAY, amount, currency));
    const liveArb = fc.dictionary(fc.constantFrom('usd', 'eur'), fc.integer({ min: 0, max: 100_000 }));
    fc.assert(
      fc.property(fc.array(invoiceArb, { maxLength: 14 }), liveArb, fc.integer({ min: 0, max: 60 * DAY }), (invoices, live, later) => {
        // The points are computed once (say at T) and reused later, as a re-score does until the invoices change.
        const kept = JSON.parse(JSON.stringify(invoicePoints(invoices)));
        for (const now of [T, T + later]) {
          expect(mrrSegments(kept, live, now)).toEqual(mrrSegments(invoices, live, now));
          // And both agree with the invoices themselves: what they cover at `now`, where nothing live differs.
          const fromInvoices = mrrSegments(invoices, mrrAt(invoices, now), now);
          for (const [currency, value] of Object.entries(mrrAt(invoices, now))) {
            expect(valueAt(fromInvoices, now)[currency] ?? 0).toBeCloseTo(value < 0.005 ? 0 : value, 6);
          }
        }
      }),
    );
  });
});

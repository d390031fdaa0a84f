import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  convertMinor,
  convertTotals,
  defaultReportingCurrency,
  describeRate,
  type ExchangeRate,
  missingRateReason,
  normalizeRate,
  parseRate,
  rateOn,
} from './exchange-rates.js';

const rate = (base: string, quote: string, value: string, effectiveFrom: string): ExchangeRate => ({
  base,
  quote,
  rate: value,
  effectiveFrom,
});
const EUR_USD = rate('eur', 'usd', '1.08', '2025-01-01');
const USD_JPY = rate('usd', 'jpy', '150', '2025-01-01');

describe('rates as exact decimals', () => {
  it.each([
    ['1.08', 108n, 100n],
    ['150', 150n, 1n],
    ['0.0067', 67n, 10_000n],
    ['000001.500000000000', 1_500_000_000_000n, 1_000_000_000_000n],
  ])('parses %s', (text, num, den) => expect(parseRate(text)).toEqual({ num, den }));

  it.each(['0', '0.000', '-1', '1e5', '1,08', '.5', '1.', '', 'abc', '1.0000000000001', '1234567890123'])('refuses %j', (text) =>
    expect(parseRate(text)).toBeNull(),
  );

  it.each([
    ['1.080000000000', '1.08'],
    ['150.000000000000', '150'],
    ['0.006700000000', '0.0067'],
  ])('writes %s as %s', (stored, shown) => expect(normalizeRate(stored)).toBe(shown));
});

describe('conversion table', () => {
  it.each([
    // amount, from, to, rate, expected (minor units of the target)
    [10_000, 'eur', 'usd', EUR_USD, 10_800], // €100.00 → $108.00
    [12_000, 'jpy', 'usd', rate('jpy', 'usd', '0.0067', '2025-01-01'), 8_040], // ¥12,000 → $80.40
    [10_000, 'usd', 'jpy', USD_JPY, 15_000], // $100.00 → ¥15,000 (not ¥150)
    [15_000, 'jpy', 'usd', { ...USD_JPY, inverted: true }, 10_000], // ¥15,000 → $100.00 with the inverse
    [1, 'eur', 'usd', rate('eur', 'usd', '1.5', '2025-01-01'), 2], // 1.5 cents rounds half away from zero
    [-1, 'eur', 'usd', rate('eur', 'usd', '1.5', '2025-01-01'), -2],
    [8_333.333333, 'eur', 'usd', EUR_USD, 9_000], // fractional cents (an annual plan per month)
    [1, 'krw', 'jpy', rate('krw', 'jpy', '0.11', '2025-01-01'), 0], // ₩1 is ¥0.11: rounds to ¥0
    [100, 'jpy', 'krw', rate('jpy', 'krw', '9', '2025-01-01'), 900], // zero-decimal to zero-decimal
  ])('%d %s → %s', (amount, from, to, r, expected) => {
    const applied = 'inverted' in r ? r : { ...r, inverted: false };
    expect(convertMinor(amount, from, to, applied)).toBe(expected);
  });

  it('uses the latest rate on or before the day, the inverse when only the reverse pair is set, the direct one on a tie', () => {
    const rates = [
      rate('eur', 'usd', '1.05', '2024-01-01'),
      rate('eur', 'usd', '1.10', '2025-01-01'),
      rate('usd', 'eur', '0.9', '2025-06-01'),
    ];
    expect(rateOn(rates, 'eur', 'usd', '2023-12-31')).toBeNull();
    expect(rateOn(rates, 'eur', 'usd', '2024-01-01')).toMatchObject({ rate: '1.05', inverted: false });
    expect(rateOn(rates, 'EUR', 'USD', '2025-03-01')).toMatchObject({ rate: '1.1', effectiveFrom: '2025-01-01', inverted: false });
    expect(rateOn(rates, 'eur', 'usd', '2025-06-01')).toMatchObject({ base: 'usd', quote: 'eur', rate: '0.9', inverted: true });
    expect(rateOn([...rates, rate('eur', 'usd', '1.2', '2025-06-01')], 'eur', 'usd', '2025-07-01')).toMatchObject({
      rate: '1.2',
      inverted: false,
    });
    expect(rateOn(rates, 'gbp', 'usd', '2030-01-01')).toBeNull();
  });

  it('says why an amount was left out', () => {
    expect(missingRateReason([], 'eur', 'usd', '2025-01-01')).toBe('no EUR→USD rate');
    expect(missingRateReason([rate('eur', 'usd', '1.1', '2025-06-01')], 'eur', 'usd', '2025-01-01')).toBe(
      'EUR→USD rate only from 2025-06-01',
    );
  });

  it('labels a conversion with the rate and its date', () => {
    expect(describeRate({ ...EUR_USD, inverted: false })).toBe('1 EUR = 1.08 USD, rate of 2025-01-01');
    expect(describeRate({ ...USD_JPY, inverted: true })).toBe('1 JPY = 0.00666667 USD (inverse of the USD→JPY rate 150 of 2025-01-01)');
  });

  it('sums the reporting currency and converted currencies, never one without a rate', () => {
    const c = convertTotals({ usd: 100_000, eur: 50_000, jpy: 60_000, gbp: 0 }, 'usd', [EUR_USD], '2025-02-01');
    expect(c.amount).toBe(100_000 + 54_000);
    expect(c.display).toBe(1_540);
    expect(c.complete).toBe(false);
    expect(c.parts.map((p) => [p.currency, p.status])).toEqual([
      ['usd', 'reporting'],
      ['eur', 'converted'],
      ['jpy', 'no_rate'],
    ]);
    expect(c.leftOut).toEqual([
      { currency: 'jpy', amount: 60_000, display: 60_000, status: 'no_rate', converted: null, rate: null, reason: 'no JPY→USD rate' },
    ]);
    expect(c.parts[1]).toMatchObject({
      amount: 50_000,
      display: 500,
      converted: { amount: 54_000, display: 540 },
      rate: { effectiveFrom: '2025-01-01' },
    });
  });

  it('keeps a JPY reporting currency in whole yen', () => {
    const c = convertTotals({ jpy: 60_000, usd: 12_345 }, 'jpy', [USD_JPY], '2025-02-01');
    expect(c.amount).toBe(60_000 + 18_518); // $123.45 × 150 = ¥18,517.5 → ¥18,518
    expect(c.display).toBe(78_518);
  });
});

describe('the default reporting currency', () => {
  it('is the currency most paying customers pay in, then the larger MRR, then the code', () => {
    // The case: one JPY customer at ¥60,000 does not outweigh the USD business.
    expect(
      defaultReportingCurrency([
        { currency: 'jpy', payingCustomers: 1, mrr: 60_000 },
        { currency: 'usd', payingCustomers: 240, mrr: 3_125_377 },
      ]),
    ).toBe('usd');
    expect(
      defaultReportingCurrency([
        { currency: 'eur', payingCustomers: 3, mrr: 90_000 },
        { currency: 'usd', payingCustomers: 3, mrr: 80_000 },
      ]),
    ).toBe('eur');
    expect(
      defaultReportingCurrency([
        { currency: 'usd', payingCustomers: 2, mrr: 100 },
        { currency: 'eur', payingCustomers: 2, mrr: 100 },
      ]),
    ).toBe('eur');
    expect(defaultReportingCurrency([{ currency: 'usd', payingCustomers: 0, mrr: 0 }])).toBeNull();
    expect(defaultReportingCurrency([])).toBeNull();
  });
});

const CURRENCIES = ['usd', 'eur', 'gbp', 'jpy', 'krw', 'chf'];
const day = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const rateText = fc
  .tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999_999 }))
  .filter(([a, b]) => a + b > 0)
  .map(([a, b]) => `${a}.${String(b).padStart(6, '0')}`);
const rateArb = fc.record({
  base: fc.constantFrom(...CURRENCIES),
  quote: fc.constantFrom(...CURRENCIES),
  rate: rateText,
  effectiveFrom: day,
});
const amounts = fc.dictionary(fc.constantFrom(...CURRENCIES), fc.integer({ min: 0, max: 100_000_000 }), { maxKeys: 6 });

describe('properties', () => {
  it('never sums an amount without a rate: the total is the reporting and converted parts, and ignores the rest', () => {
    fc.assert(
      fc.property(
        amounts,
        fc.constantFrom(...CURRENCIES),
        fc.array(rateArb, { maxLength: 8 }),
        day,
        fc.integer({ min: 1, max: 1e9 }),
        (byCurrency, target, rates, on, bump) => {
          const c = convertTotals(byCurrency, target, rates, on);
          const counted = c.parts.filter((p) => p.status !== 'no_rate').reduce((s, p) => s + p.converted!.amount, 0);
          expect(c.amount).toBe(counted);
          for (const p of c.parts) {
            if (p.currency === target) expect(p.status).toBe('reporting');
            else expect(p.status === 'converted').toBe(rateOn(rates, p.currency, target, on) !== null);
          }
          expect(c.leftOut.every((p) => p.amount > 0 && p.converted === null && p.reason)).toBe(true);
          expect(c.complete).toBe(c.leftOut.length === 0);
          // Any amount left out can change without moving the total.
          const changed = { ...byCurrency };
          for (const p of c.leftOut) changed[p.currency] = p.amount + bump;
          expect(convertTotals(changed, target, rates, on).amount).toBe(c.amount);
        },
      ),
    );
  });

  it('applies a rate from its date on: rates dated after the day never change a conversion', () => {
    fc.assert(
      fc.property(
        fc.array(rateArb, { maxLength: 8 }),
        fc.array(rateArb, { maxLength: 4 }),
        day,
        amounts,
        (rates, later, on, byCurrency) => {
          const future = later.map((r) => ({ ...r, effectiveFrom: r.effectiveFrom > on ? r.effectiveFrom : '2031-01-01' }));
          expect(convertTotals(byCurrency, 'usd', [...rates, ...future], on).amount).toBe(
            convertTotals(byCurrency, 'usd', rates, on).amount,
          );
          const applied = rateOn(rates, 'eur', 'usd', on);
          if (applied) {
            expect(applied.effectiveFrom <= on).toBe(true);
            const pair = rates.filter((r) => (r.base === 'eur' && r.quote === 'usd') || (r.base === 'usd' && r.quote === 'eur'));
            expect(applied.effectiveFrom).toBe(
              pair
                .map((r) => r.effectiveFrom)
                .filter((d) => d <= on)
                .sort()
                .at(-1),
            );
          }
        },
      ),
    );
  });

  it('keeps zero-decimal currencies exact: whole yen in, whole yen out, never divided by 100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), rateText, (yen, r) => {
        const applied = { base: 'jpy', quote: 'usd', rate: r, effectiveFrom: '2025-01-01', inverted: false };
        const { num, den } = parseRate(r)!;
        // ¥ × rate = dollars; × 100 = cents, rounded half up (amounts are positive).
        const cents = (BigInt(yen) * num * 100n * 2n + den) / (2n * den);
        expect(convertMinor(yen, 'jpy', 'usd', applied)).toBe(Number(cents));
        // The reporting currency's own amount is never touched; JPY with rate 1 to KRW stays the same number.
        expect(convertTotals({ jpy: yen }, 'jpy', [], '2025-01-01').amount).toBe(yen);
        const krw = convertMinor(yen, 'jpy', 'krw', { ...applied, quote: 'krw', rate: '1' });
        expect(krw).toBe(yen);
        expect(Number.isInteger(convertMinor(yen * 100 + 37, 'usd', 'jpy', { ...applied, base: 'usd', quote: 'jpy' }))).toBe(true);
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Discount,
  type Item,
  itemPeriodAmount,
  monthlyFactor,
  mrrByCurrency,
  type Subscription,
  subscriptionMrr,
  toMajor,
} from './mrr.js';

const NOW = 1_800_000_000;

function item(overrides: Partial<Item> = {}): Item {
  return {
    currency: 'usd',
    billing_scheme: 'per_unit',
    unit_amount: 5000,
    unit_amount_decimal: '5000',
    tiers_mode: null,
    tiers: null,
    transform_quantity: null,
    interval: 'month',
    interval_count: 1,
    usage_type: 'licensed',
    quantity: 1,
    discounts: [],
    ...overrides,
  };
}

function sub(items: Item[], overrides: Partial<Subscription> = {}): Subscription {
  return { status: 'active', currency: items[0]?.currency ?? 'usd', items, discounts: [], ...overrides };
}

const percent = (p: number, window: Partial<Discount> = {}): Discount => ({
  percent_off: p,
  amount_off: null,
  currency: null,
  start: null,
  end: null,
  ...window,
});
const amount = (a: number, currency = 'usd'): Discount => ({ percent_off: null, amount_off: a, currency, start: null, end: null });

describe('MRR rules', () => {
  it.each<[string, Subscription, number]>([
    ['monthly plan: unit amount × quantity', sub([item({ unit_amount: 4900, quantity: 3 })]), 14700],
    ['unit_amount_decimal when unit_amount is null', sub([item({ unit_amount: null, unit_amount_decimal: '1234.5', quantity: 2 })]), 2469],
    ['yearly plan with interval_count 2: ÷ 24', sub([item({ unit_amount: 240000, interval: 'year', interval_count: 2 })]), 10000],
    ['quarterly (3 months)', sub([item({ unit_amount: 30000, interval: 'month', interval_count: 3 })]), 10000],
    ['weekly plan: × 52/12', sub([item({ unit_amount: 1200, interval: 'week' })]), 5200],
    ['daily plan: × 365/12', sub([item({ unit_amount: 1200, interval: 'day' })]), 36500],
    [
      'tiered graduated: 10 × $10 + 5 × $8',
      sub([
        item({
          billing_scheme: 'tiered',
          tiers_mode: 'graduated',
          unit_amount: null,
          unit_amount_decimal: null,
          quantity: 15,
          tiers: [
            { up_to: 10, unit_amount: 1000, flat_amount: null },
            { up_to: null, unit_amount: 800, flat_amount: null },
          ],
        }),
      ]),
      14000,
    ],
    [
      'tiered volume: all 15 units at the second tier, plus its flat fee',
      sub([
        item({
          billing_scheme: 'tiered',
          tiers_mode: 'volume',
          unit_amount: null,
          unit_amount_decimal: null,
          quantity: 15,
          tiers: [
            { up_to: 10, unit_amount: 1000, flat_amount: null },
            { up_to: null, unit_amount: 800, flat_amount: 500 },
          ],
        }),
      ]),
      12500,
    ],
    [
      'transform_quantity rounds up: 25 GB in packs of 10 → 3 packs',
      sub([item({ unit_amount: 500, quantity: 25, transform_quantity: { divide_by: 10, round: 'up' } })]),
      1500,
    ],
    [
      'transform_quantity rounds down',
      sub([item({ unit_amount: 500, quantity: 25, transform_quantity: { divide_by: 10, round: 'down' } })]),
      1000,
    ],
    ['metered items are excluded', sub([item({ unit_amount: 4900 }), item({ usage_type: 'metered', unit_amount: 25 })]), 4900],
    ['mixed intervals in one subscription', sub([item({ unit_amount: 1000 }), item({ unit_amount: 12000, interval: 'year' })]), 2000],
    ['percent-off coupon on the subscription', sub([item({ unit_amount: 10000 })], { discounts: [percent(25)] }), 7500],
    ['100%-off coupon: nothing, never negative', sub([item({ unit_amount: 10000 })], { discounts: [percent(100)] }), 0],
    [
      'amount-off coupon normalised by the interval (yearly)',
      sub([item({ unit_amount: 120000, interval: 'year' })], { discounts: [amount(12000)] }),
      9000,
    ],
    ['amount-off larger than the price: zero', sub([item({ unit_amount: 1000 })], { discounts: [amount(5000)] }), 0],
    ['amount-off in another currency does not apply', sub([item({ unit_amount: 1000 })], { discounts: [amount(500, 'eur')] }), 1000],
    ['item-level discount', sub([item({ unit_amount: 1000, discounts: [percent(50)] }), item({ unit_amount: 1000 })]), 1500],
    [
      'an expired discount no longer reduces MRR',
      sub([item({ unit_amount: 1000 })], { discounts: [percent(50, { start: NOW - 100 * 86400, end: NOW - 86400 })] }),
      1000,
    ],
    [
      'a discount not yet started does not apply',
      sub([item({ unit_amount: 1000 })], { discounts: [percent(50, { start: NOW + 86400 })] }),
      1000,
    ],
    ['JPY (zero-decimal) amounts stay whole yen', sub([item({ currency: 'jpy', unit_amount: 12000 })], { currency: 'jpy' }), 12000],
    ['past_due subscriptions still count', sub([item({ unit_amount: 4900 })], { status: 'past_due' }), 4900],
    ['trials bring no MRR yet', sub([item({ unit_amount: 4900 })], { status: 'trialing' }), 0],
    ['unpaid subscriptions are churn', sub([item({ unit_amount: 4900 })], { status: 'unpaid' }), 0],
    ['canceled subscriptions are churn', sub([item({ unit_amount: 4900 })], { status: 'canceled' }), 0],
    ['incomplete and paused do not count', sub([item({ unit_amount: 4900 })], { status: 'paused' }), 0],
  ])('%s', (_name, subscription, expected) => {
    expect(subscriptionMrr(subscription, NOW)).toBeCloseTo(expected, 6);
  });

  it('totals per currency and never adds currencies together', () => {
    const totals = mrrByCurrency(
      [
        sub([item({ unit_amount: 1000 })]),
        sub([item({ unit_amount: 2000 })]),
        sub([item({ currency: 'eur', unit_amount: 900 })], { currency: 'eur' }),
        sub([item({ currency: 'jpy', unit_amount: 5000 })], { currency: 'jpy' }),
      ],
      NOW,
    );
    expect(totals).toEqual({ usd: 3000, eur: 900, jpy: 5000 });
    expect(toMajor(totals.usd!, 'usd')).toBe(30);
    expect(toMajor(totals.jpy!, 'jpy')).toBe(5000);
  });

  it('normalises every interval to a month', () => {
    expect(monthlyFactor('month', 1)).toBe(1);
    expect(monthlyFactor('year', 1)).toBeCloseTo(1 / 12);
    expect(monthlyFactor('week', 2)).toBeCloseTo(52 / 24);
    expect(monthlyFactor(null, 1)).toBe(0);
  });
});

const itemArb = fc.record({
  currency: fc.constant('usd'),
  billing_scheme: fc.constantFrom('per_unit', 'tiered'),
  unit_amount: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: null }),
  unit_amount_decimal: fc.constant(null),
  tiers_mode: fc.constantFrom('graduated', 'volume'),
  tiers: fc.option(
    fc
      .array(
        fc.record({
          up_to: fc.integer({ min: 1, max: 50 }),
          unit_amount: fc.integer({ min: 0, max: 10_000 }),
          flat_amount: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
        }),
        { minLength: 1, maxLength: 4 },
      )
      .map((tiers) => [
        ...tiers.sort((a, b) => a.up_to - b.up_to).map((t, i) => ({ ...t, up_to: t.up_to + i })),
        { up_to: null, unit_amount: 100, flat_amount: null },
      ]),
    { nil: null },
  ),
  transform_quantity: fc.option(fc.record({ divide_by: fc.integer({ min: 1, max: 100 }), round: fc.constantFrom('up', 'down') }), {
    nil: null,
  }),
  interval: fc.constantFrom('day', 'week', 'month', 'year'),
  interval_count: fc.integer({ min: 1, max: 12 }),
  usage_type: fc.constantFrom('licensed', 'licensed', 'metered'),
  quantity: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
  discounts: fc.array(
    fc.record({
      percent_off: fc.option(fc.double({ min: 0.01, max: 100, noNaN: true }), { nil: null }),
      amount_off: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
      currency: fc.constantFrom('usd', 'eur', null),
      start: fc.option(fc.integer({ min: NOW - 1e7, max: NOW + 1e6 }), { nil: null }),
      end: fc.option(fc.integer({ min: NOW - 1e6, max: NOW + 1e7 }), { nil: null }),
    }),
    { maxLength: 2 },
  ),
}) as fc.Arbitrary<Item>;

const subArb = fc.record({
  status: fc.constantFrom('active', 'past_due', 'trialing', 'canceled', 'unpaid', 'incomplete', 'paused'),
  currency: fc.constant('usd'),
  items: fc.array(itemArb, { minLength: 1, maxLength: 4 }),
  discounts: fc.array(
    fc.record({
      percent_off: fc.option(fc.double({ min: 0.01, max: 100, noNaN: true }), { nil: null }),
      amount_off: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
      currency: fc.constant('usd'),
      start: fc.constant(null),
      end: fc.constant(null),
    }),
    { maxLength: 2 },
  ),
}) as fc.Arbitrary<Subscription>;

describe('MRR properties', () => {
  it('is never negative', () => {
    fc.assert(fc.property(subArb, (s) => subscriptionMrr(s, NOW) >= 0));
  });

  it('is additive over items when no subscription-level discount applies', () => {
    fc.assert(
      fc.property(subArb, (s) => {
        const whole = subscriptionMrr({ ...s, discounts: [] }, NOW);
        const parts = s.items.reduce((sum, it) => sum + subscriptionMrr({ ...s, discounts: [], items: [it] }, NOW), 0);
        return Math.abs(whole - parts) < 1e-6 * Math.max(1, whole);
      }),
    );
  });

  it('never grows when a discount is added', () => {
    fc.assert(
      fc.property(
        subArb,
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        (s, p) => subscriptionMrr({ ...s, discounts: [...s.discounts, percent(p)] }, NOW) <= subscriptionMrr(s, NOW) + 1e-9,
      ),
    );
  });

  it('grows (weakly) with quantity for per-unit prices', () => {
    fc.assert(
      fc.property(itemArb, fc.integer({ min: 0, max: 100 }), (it, extra) => {
        const base = { ...it, billing_scheme: 'per_unit' };
        return itemPeriodAmount({ ...base, quantity: (base.quantity ?? 0) + extra }) >= itemPeriodAmount(base);
      }),
    );
  });
});

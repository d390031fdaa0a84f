import { describe, expect, it } from 'vitest';
import { cadence, describeBilling, describeItem } from './billing-text.js';
import { priceItem as item } from '../../test/helpers/billing.js';

describe('what a subscription bills, in words', () => {
  it.each([
    ['per seat', item({ unit_amount: 900, quantity: 23 }), '23 × $9.00'],
    [
      'graduated tiers',
      item({
        billing_scheme: 'tiered',
        tiers_mode: 'graduated',
        unit_amount: null,
        quantity: 25,
        tiers: [
          { up_to: 10, unit_amount: 1000, flat_amount: null },
          { up_to: null, unit_amount: 500, flat_amount: null },
        ],
      }),
      '25 units: 10 × $10.00 + 15 × $5.00',
    ],
    [
      'volume tiers',
      item({
        billing_scheme: 'tiered',
        tiers_mode: 'volume',
        unit_amount: null,
        quantity: 12,
        tiers: [
          { up_to: 10, unit_amount: 1000, flat_amount: null },
          { up_to: null, unit_amount: 800, flat_amount: 2000 },
        ],
      }),
      '12 × $8.00 + $20.00 (volume tier)',
    ],
    ['a decimal unit price', item({ unit_amount: null, unit_amount_decimal: '12.5', quantity: 4 }), '4 × $0.13'],
    ['yen stay whole', item({ currency: 'jpy', unit_amount: 12000 }), '1 × ¥12,000'],
    ['metered', item({ usage_type: 'metered' }), 'metered (billed by usage)'],
    ['packages', item({ transform_quantity: { divide_by: 10, round: 'up' }, quantity: 35, unit_amount: 2000 }), '35 × $20.00 per 10'],
  ])('%s', (_name, i, text) => {
    expect(describeItem(i)).toBe(text);
  });

  it('states the cadence and the period total, never $0.00 for a priced line', () => {
    expect(cadence('month', 3)).toBe('every 3 months');
    expect(cadence('year', 1)).toBe('every year');
    expect(describeBilling([item({ unit_amount: 900, quantity: 23, interval_count: 3 })], 'usd')).toBe(
      '23 × $9.00 = $207.00 every 3 months',
    );
  });
});

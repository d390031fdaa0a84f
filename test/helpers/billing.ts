import type { Item } from '../../src/revenue/mrr.js';

/** A subscription item as PulseScore stores it: one seat of $49.00 a month unless told otherwise. */
export const priceItem = (over: Partial<Item> = {}): Item => ({
  currency: 'usd',
  billing_scheme: 'per_unit',
  unit_amount: 4900,
  unit_amount_decimal: null,
  tiers_mode: null,
  tiers: null,
  transform_quantity: null,
  interval: 'month',
  interval_count: 1,
  usage_type: 'licensed',
  quantity: 1,
  discounts: [],
  ...over,
});

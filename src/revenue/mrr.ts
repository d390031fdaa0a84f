/**
 * Monthly recurring revenue, as a pure function of subscription data and a moment in time.
 * Amounts are in the currency's minor unit (cents; yen for JPY) and may be fractional: a weekly or
 * quarterly price does not divide into whole cents per month. Round only for display.
 */

export type Interval = 'day' | 'week' | 'month' | 'year';

export interface Tier {
  up_to: number | null;
  unit_amount: number | null;
  unit_amount_decimal?: string | null;
  flat_amount: number | null;
  flat_amount_decimal?: string | null;
}

export interface Discount {
  percent_off: number | null;
  amount_off: number | null;
  currency: string | null;
  /** Unix seconds; null = from the beginning. */
  start: number | null;
  /** Unix seconds; null = forever. */
  end: number | null;
}

export interface Item {
  currency: string;
  billing_scheme: string;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  tiers_mode: string | null;
  tiers: Tier[] | null;
  transform_quantity: { divide_by: number; round: string } | null;
  interval: string | null;
  interval_count: number;
  usage_type: string | null;
  quantity: number | null;
  discounts: Discount[];
}

export interface Subscription {
  status: string;
  currency: string;
  items: Item[];
  discounts: Discount[];
}

/** Statuses whose revenue counts. Trials and incomplete or paused subscriptions bring none yet; canceled and unpaid are churn. */
export const MRR_STATUSES = new Set(['active', 'past_due']);

export { isZeroDecimal, toMajor, ZERO_DECIMAL_CURRENCIES } from './currencies.js';

/** How many times an interval fits in a month: month ÷ n, year ÷ 12n, week × 52/12 ÷ n, day × 365/12 ÷ n. */
export function monthlyFactor(interval: string | null, count: number): number {
  const n = Math.max(1, count || 1);
  switch (interval) {
    case 'month':
      return 1 / n;
    case 'year':
      return 1 / (12 * n);
    case 'week':
      return 52 / 12 / n;
    case 'day':
      return 365 / 12 / n;
    default:
      return 0;
  }
}

const num = (amount: number | null | undefined, decimal: string | null | undefined): number =>
  amount ?? (decimal != null && decimal !== '' ? Number(decimal) : 0);

/** The amount of one item for one billing period, before discounts. */
export function itemPeriodAmount(item: Item): number {
  if (item.usage_type === 'metered') return 0;
  let quantity = Math.max(0, item.quantity ?? 0);
  if (item.billing_scheme !== 'tiered') {
    if (item.transform_quantity && item.transform_quantity.divide_by > 0) {
      const q = quantity / item.transform_quantity.divide_by;
      quantity = item.transform_quantity.round === 'up' ? Math.ceil(q) : Math.floor(q);
    }
    return num(item.unit_amount, item.unit_amount_decimal) * quantity;
  }
  const tiers = item.tiers ?? [];
  if (tiers.length === 0 || quantity === 0) return 0;
  if (item.tiers_mode === 'volume') {
    const tier = tiers.find((t) => t.up_to === null || quantity <= t.up_to) ?? tiers[tiers.length - 1]!;
    return num(tier.unit_amount, tier.unit_amount_decimal) * quantity + num(tier.flat_amount, tier.flat_amount_decimal);
  }
  // Graduated: each tier prices the units that fall inside it, and its flat fee applies once it is reached.
  let total = 0;
  let below = 0;
  for (const tier of tiers) {
    if (quantity <= below) break;
    const upper = tier.up_to === null ? quantity : Math.min(quantity, tier.up_to);
    total += num(tier.unit_amount, tier.unit_amount_decimal) * (upper - below) + num(tier.flat_amount, tier.flat_amount_decimal);
    below = upper;
  }
  return total;
}

export function discountActive(d: Discount, at: number): boolean {
  return (d.start === null || d.start <= at) && (d.end === null || at < d.end);
}

/**
 * Applies discounts to a per-period amount: percentages first, then fixed amounts (in the same currency only),
 * never below zero.
 */
export function applyDiscounts(amount: number, discounts: Discount[], currency: string, at: number): number {
  const active = discounts.filter((d) => discountActive(d, at));
  let result = amount;
  for (const d of active) if (d.percent_off) result -= (result * Math.min(100, d.percent_off)) / 100;
  for (const d of active) if (d.amount_off && (!d.currency || d.currency.toLowerCase() === currency.toLowerCase())) result -= d.amount_off;
  return Math.max(0, result);
}

/** A subscription's MRR at unix time `at`, in its currency's minor unit. */
export function subscriptionMrr(sub: Subscription, at: number): number {
  if (!MRR_STATUSES.has(sub.status)) return 0;
  let monthly = 0;
  let periodFactor = 0;
  for (const item of sub.items) {
    const factor = monthlyFactor(item.interval, item.interval_count);
    const amount = applyDiscounts(itemPeriodAmount(item), item.discounts, sub.currency, at);
    monthly += amount * factor;
    periodFactor = periodFactor || factor;
  }
  // Subscription-level discounts apply per invoice: a percentage scales the month, a fixed amount per
  // billing period is spread over the months it covers.
  const active = sub.discounts.filter((d) => discountActive(d, at));
  for (const d of active) if (d.percent_off) monthly -= (monthly * Math.min(100, d.percent_off)) / 100;
  for (const d of active) {
    if (d.amount_off && (!d.currency || d.currency.toLowerCase() === sub.currency.toLowerCase())) monthly -= d.amount_off * periodFactor;
  }
  return Math.max(0, monthly);
}

/** Total MRR per currency: currencies are never added together. */
export function mrrByCurrency(subs: Subscription[], at: number): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const sub of subs) {
    const mrr = subscriptionMrr(sub, at);
    const currency = sub.currency.toLowerCase();
    if (mrr > 0 || MRR_STATUSES.has(sub.status)) totals[currency] = (totals[currency] ?? 0) + mrr;
  }
  return totals;
}

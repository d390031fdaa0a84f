import { toMajor } from './currencies.js';
import { type Item, itemPeriodAmount } from './mrr.js';

/**
 * What a subscription bills, in words a customer-success team reads at a glance: quantity × unit price, tiers
 * summarised ("25 seats: 10 × $10.00 + 15 × $5.00"), the cadence ("every 3 months") — never "$0.00" for a line
 * that has a price. Pure: items in, sentences out.
 */

function money(minor: number, currency: string): string {
  const major = toMajor(minor, currency);
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(major);
  } catch {
    return `${major.toFixed(2)} ${currency.toUpperCase()}`;
  }
}

export function cadence(interval: string | null, count: number): string {
  const n = Math.max(1, count || 1);
  const unit = interval ?? 'month';
  return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
}

const unitOf = (item: Pick<Item, 'unit_amount' | 'unit_amount_decimal'>) =>
  item.unit_amount ?? (item.unit_amount_decimal !== null ? Number(item.unit_amount_decimal) : null);

/** One item: "3 × $49.00", "25 seats: 10 × $10.00 + 15 × $5.00", "metered (billed by usage)". */
export function describeItem(item: Item & { product_name?: string | null }): string {
  const name = item.product_name ? `${item.product_name}: ` : '';
  if (item.usage_type === 'metered') return `${name}metered (billed by usage)`;
  const quantity = Math.max(0, item.quantity ?? 0);
  if (item.billing_scheme === 'tiered' && item.tiers && item.tiers.length > 0) {
    const tiers = item.tiers;
    if (item.tiers_mode === 'volume') {
      const tier = tiers.find((t) => t.up_to === null || quantity <= t.up_to) ?? tiers[tiers.length - 1]!;
      const unit = tier.unit_amount ?? Number(tier.unit_amount_decimal ?? 0);
      const flat = tier.flat_amount ? ` + ${money(tier.flat_amount, item.currency)}` : '';
      return `${name}${quantity} × ${money(unit, item.currency)}${flat} (volume tier)`;
    }
    const parts: string[] = [];
    let below = 0;
    for (const t of tiers) {
      if (quantity <= below) break;
      const upper = t.up_to === null ? quantity : Math.min(quantity, t.up_to);
      const unit = t.unit_amount ?? Number(t.unit_amount_decimal ?? 0);
      parts.push(`${upper - below} × ${money(unit, item.currency)}${t.flat_amount ? ` + ${money(t.flat_amount, item.currency)}` : ''}`);
      below = upper;
    }
    return `${name}${quantity} ${quantity === 1 ? 'unit' : 'units'}: ${parts.join(' + ') || money(0, item.currency)}`;
  }
  const unit = unitOf(item);
  if (unit === null) return `${name}${quantity} × (no price)`;
  const divide = item.transform_quantity?.divide_by;
  const per = divide && divide > 1 ? ` per ${divide}` : '';
  return `${name}${quantity} × ${money(unit, item.currency)}${per}`;
}

/** A whole subscription: its items and what they come to per billing period, with the cadence. */
export function describeBilling(items: (Item & { product_name?: string | null })[], currency: string): string {
  if (items.length === 0) return 'no items';
  const first = items[0]!;
  const total = items.reduce((sum, i) => sum + itemPeriodAmount(i), 0);
  const lines = items.map(describeItem).join('; ');
  return `${lines} = ${money(total, currency)} ${cadence(first.interval, first.interval_count)}`;
}

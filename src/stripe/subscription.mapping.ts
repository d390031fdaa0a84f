import type Stripe from 'stripe';
import { idOf, ts, UnmappableObject, decimal } from './mapping.helpers.js';

/**
 * Stripe subscriptions → PulseScore rows, joined with the account's catalog (prices with their tiers,
 * products, coupons). Stripe serves a subscription's prices without tiers, its products and item-level
 * coupons as ids, and refuses the expansions that would inline them in a list (more than four levels,
 * https://docs.stripe.com/api/expanding_objects), so the sync reads the catalog as lists of its own and the
 * join happens here. Objects Stripe did inline (a single retrieve can expand more) are used as they are.
 */

export interface PriceData {
  product: string | null;
  currency: string;
  billing_scheme: string;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  tiers_mode: string | null;
  tiers: TierSnapshot[] | null;
  transform_quantity: { divide_by: number; round: string } | null;
  recurring: { interval: string; interval_count: number; usage_type: string } | null;
}

export interface ProductData {
  name: string;
}

export interface CouponData {
  percent_off: number | null;
  amount_off: number | null;
  currency: string | null;
  duration: string | null;
}

/** What the join knows of the account's catalog; undefined for an object it has never seen. */
export interface CatalogLookup {
  price(id: string): PriceData | undefined;
  product(id: string): ProductData | undefined;
  coupon(id: string): CouponData | undefined;
}

export const EMPTY_CATALOG: CatalogLookup = { price: () => undefined, product: () => undefined, coupon: () => undefined };

export interface TierSnapshot {
  up_to: number | null;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  flat_amount: number | null;
  flat_amount_decimal: string | null;
}

/** What MRR needs of each item: the price in full (amount or tiers), its cadence, the quantity and discounts. */
export interface ItemSnapshot {
  id: string;
  price_id: string;
  product_id: string | null;
  product_name: string | null;
  currency: string;
  billing_scheme: string;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  tiers_mode: string | null;
  tiers: TierSnapshot[] | null;
  transform_quantity: { divide_by: number; round: string } | null;
  interval: string | null;
  interval_count: number;
  usage_type: string | null;
  quantity: number | null;
  current_period_start: number | null;
  current_period_end: number | null;
  discounts: DiscountSnapshot[];
}

export interface DiscountSnapshot {
  id: string;
  coupon_id: string | null;
  percent_off: number | null;
  amount_off: number | null;
  currency: string | null;
  duration: string | null;
  start: number | null;
  end: number | null;
}

const mapTiers = (tiers: Stripe.Price.Tier[]): TierSnapshot[] =>
  tiers.map((t) => ({
    up_to: t.up_to,
    unit_amount: t.unit_amount,
    unit_amount_decimal: decimal(t.unit_amount_decimal),
    flat_amount: t.flat_amount,
    flat_amount_decimal: decimal(t.flat_amount_decimal),
  }));

/** A price as the catalog keeps it (the list of prices is read with `expand[]=data.tiers`). */
export function priceData(p: Stripe.Price): PriceData {
  return {
    product: idOf(p.product as string | { id: string } | null),
    currency: p.currency,
    billing_scheme: p.billing_scheme,
    unit_amount: p.unit_amount,
    unit_amount_decimal: decimal(p.unit_amount_decimal),
    tiers_mode: p.tiers_mode,
    tiers: p.tiers ? mapTiers(p.tiers) : null,
    transform_quantity: p.transform_quantity ? { divide_by: p.transform_quantity.divide_by, round: p.transform_quantity.round } : null,
    recurring: p.recurring
      ? { interval: p.recurring.interval, interval_count: p.recurring.interval_count, usage_type: p.recurring.usage_type }
      : null,
  };
}

export const couponData = (c: Stripe.Coupon): CouponData => ({
  percent_off: c.percent_off,
  amount_off: c.amount_off,
  currency: c.currency,
  duration: c.duration,
});

export function mapDiscount(d: string | Stripe.Discount, catalog: CatalogLookup): DiscountSnapshot {
  if (typeof d === 'string')
    return { id: d, coupon_id: null, percent_off: null, amount_off: null, currency: null, duration: null, start: null, end: null };
  const source = d.source?.coupon ?? null;
  const couponId = idOf(source as string | Stripe.Coupon | null);
  const coupon = source && typeof source === 'object' ? couponData(source) : couponId ? catalog.coupon(couponId) : undefined;
  return {
    id: d.id,
    coupon_id: couponId,
    percent_off: coupon?.percent_off ?? null,
    amount_off: coupon?.amount_off ?? null,
    currency: coupon?.currency ?? null,
    duration: coupon?.duration ?? null,
    start: d.start ?? null,
    end: d.end ?? null,
  };
}

function mapItem(item: Stripe.SubscriptionItem, catalog: CatalogLookup): ItemSnapshot {
  const price = item.price as Stripe.Price | null | undefined;
  if (!price || typeof price !== 'object') throw new UnmappableObject(`subscription item ${item.id} has no price`);
  const inlineProduct =
    typeof price.product === 'object' && price.product !== null && !('deleted' in price.product && price.product.deleted)
      ? (price.product as Stripe.Product)
      : null;
  const productId = idOf(price.product as string | { id: string } | null);
  const tiers = price.tiers ? mapTiers(price.tiers) : (catalog.price(price.id)?.tiers ?? null);
  if (price.billing_scheme === 'tiered' && !tiers) throw new UnmappableObject(`the tiers of price ${price.id} could not be read`);
  return {
    id: item.id,
    price_id: price.id,
    product_id: productId,
    product_name: inlineProduct?.name ?? (productId ? (catalog.product(productId)?.name ?? null) : null),
    currency: price.currency,
    billing_scheme: price.billing_scheme,
    unit_amount: price.unit_amount,
    unit_amount_decimal: decimal(price.unit_amount_decimal),
    tiers_mode: price.tiers_mode,
    tiers,
    transform_quantity: price.transform_quantity
      ? { divide_by: price.transform_quantity.divide_by, round: price.transform_quantity.round }
      : null,
    interval: price.recurring?.interval ?? null,
    interval_count: price.recurring?.interval_count ?? 1,
    usage_type: price.recurring?.usage_type ?? null,
    quantity: item.quantity ?? null,
    current_period_start: item.current_period_start ?? null,
    current_period_end: item.current_period_end ?? null,
    discounts: (item.discounts ?? []).map((d) => mapDiscount(d, catalog)),
  };
}

export interface SubscriptionRow {
  stripe_subscription_id: string;
  stripe_customer_id: string;
  status: string;
  plan_name: string | null;
  amount_cents: number;
  currency: string;
  interval: string | null;
  interval_count: number;
  current_period_start: Date | null;
  current_period_end: Date | null;
  cancel_at_period_end: boolean;
  cancel_at: Date | null;
  canceled_at: Date | null;
  ended_at: Date | null;
  trial_start: Date | null;
  trial_end: Date | null;
  started_at: Date | null;
  items: ItemSnapshot[];
  discounts: DiscountSnapshot[];
  cancellation_reason: string | null;
  has_payment_method: boolean;
}

/**
 * `s.items` must be complete: a subscription embeds only the first page of its items (`has_more`), and the
 * caller pages the rest in first (see `catalog.service.ts`).
 */
export function mapSubscription(s: Stripe.Subscription, catalog: CatalogLookup = EMPTY_CATALOG): SubscriptionRow {
  if (s.items.has_more) throw new UnmappableObject(`subscription ${s.id}: only the first page of its items was read`);
  const customer = idOf(s.customer as string | { id: string } | null);
  if (!customer) throw new UnmappableObject(`subscription ${s.id} has no customer`);
  const items = s.items.data.map((i) => mapItem(i, catalog));
  const first = items[0];
  const licensed = items.filter((i) => i.usage_type !== 'metered');
  return {
    stripe_subscription_id: s.id,
    stripe_customer_id: customer,
    status: s.status,
    // The guide's plan name: the product names of the subscription's items.
    plan_name:
      items
        .map((i) => i.product_name)
        .filter(Boolean)
        .join(' + ') || null,
    // unit_amount × quantity per billing interval, as the guide maps it; normalised MRR is computed from `items`.
    amount_cents: Math.round(
      licensed.reduce((sum, i) => sum + (i.unit_amount ?? Number(i.unit_amount_decimal ?? 0)) * (i.quantity ?? 0), 0),
    ),
    currency: s.currency,
    interval: first?.interval ?? null,
    interval_count: first?.interval_count ?? 1,
    current_period_start: ts(first?.current_period_start),
    current_period_end: ts(first?.current_period_end),
    cancel_at_period_end: s.cancel_at_period_end,
    cancel_at: ts(s.cancel_at),
    canceled_at: ts(s.canceled_at),
    ended_at: ts(s.ended_at),
    trial_start: ts(s.trial_start),
    trial_end: ts(s.trial_end),
    started_at: ts(s.start_date),
    items,
    discounts: (s.discounts ?? []).map((d) => mapDiscount(d, catalog)),
    // Why it ended (or will): `payment_failed` and `payment_disputed` are involuntary churn.
    cancellation_reason: s.cancellation_details?.reason ?? null,
    // A subscription's own payment method takes precedence over the customer's; without either Stripe uses the
    // customer's defaults (https://docs.stripe.com/api/subscriptions/object#subscription_object-default_payment_method).
    has_payment_method: Boolean(s.default_payment_method || s.default_source),
  };
}

import { type BuildContext, type Metadata } from './common.js';

export interface ProductInput {
  id?: string;
  name: string;
  description?: string | null;
  active?: boolean;
  metadata?: Metadata;
  created?: number;
}

export function buildProduct(ctx: BuildContext, input: ProductInput) {
  const created = input.created ?? ctx.now;
  return {
    id: input.id ?? ctx.ids.id('prod', 14),
    object: 'product',
    active: input.active ?? true,
    created,
    default_price: null as string | null,
    description: input.description ?? null,
    images: [],
    livemode: ctx.account.livemode,
    marketing_features: [],
    metadata: input.metadata ?? {},
    name: input.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: null,
    updated: created,
    url: null,
  };
}

export interface Tier {
  up_to: number | null;
  unit_amount: number | null;
  flat_amount: number | null;
}

export interface PriceInput {
  id?: string;
  product: string;
  currency: string;
  unit_amount?: number | null;
  unit_amount_decimal?: string | null;
  billing_scheme?: 'per_unit' | 'tiered';
  tiers_mode?: 'graduated' | 'volume' | null;
  tiers?: Tier[];
  recurring?: { interval: 'day' | 'week' | 'month' | 'year'; interval_count?: number; usage_type?: 'licensed' | 'metered' } | null;
  transform_quantity?: { divide_by: number; round: 'up' | 'down' } | null;
  nickname?: string | null;
  lookup_key?: string | null;
  active?: boolean;
  metadata?: Metadata;
  created?: number;
}

/** Tiers are kept out of the object and shown only when expanded, as Stripe does (`expand[]=tiers`). */
export const HIDDEN_TIERS = '_tiers';

export function buildPrice(ctx: BuildContext, input: PriceInput) {
  const tiered = input.billing_scheme === 'tiered' || (input.tiers?.length ?? 0) > 0;
  const unitAmount = tiered ? null : (input.unit_amount ?? (input.unit_amount_decimal ? null : 0));
  const decimal = tiered ? null : (input.unit_amount_decimal ?? (unitAmount === null ? null : String(unitAmount)));
  return {
    id: input.id ?? ctx.ids.id('price', 24),
    object: 'price',
    active: input.active ?? true,
    billing_scheme: tiered ? 'tiered' : 'per_unit',
    created: input.created ?? ctx.now,
    currency: input.currency.toLowerCase(),
    custom_unit_amount: null,
    livemode: ctx.account.livemode,
    lookup_key: input.lookup_key ?? null,
    metadata: input.metadata ?? {},
    nickname: input.nickname ?? null,
    product: input.product,
    recurring: input.recurring
      ? {
          interval: input.recurring.interval,
          interval_count: input.recurring.interval_count ?? 1,
          meter: null,
          usage_type: input.recurring.usage_type ?? 'licensed',
          trial_period_days: null,
        }
      : null,
    tax_behavior: 'unspecified',
    tiers_mode: tiered ? (input.tiers_mode ?? 'graduated') : null,
    transform_quantity: input.transform_quantity ?? null,
    type: input.recurring ? 'recurring' : 'one_time',
    unit_amount: unitAmount,
    unit_amount_decimal: decimal,
    [HIDDEN_TIERS]: tiered
      ? (input.tiers ?? []).map((t) => ({
          ...t,
          flat_amount_decimal: t.flat_amount === null ? null : String(t.flat_amount),
          unit_amount_decimal: t.unit_amount === null ? null : String(t.unit_amount),
        }))
      : undefined,
  };
}

/** The legacy `plan` view of a recurring price, which Stripe still puts on subscription items. */
export function planFromPrice(price: ReturnType<typeof buildPrice> | Record<string, any>) {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: price.livemode,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: price.tiers_mode,
    transform_usage: price.transform_quantity,
    trial_period_days: null,
    usage_type: price.recurring?.usage_type ?? 'licensed',
  };
}

export interface CouponInput {
  id?: string;
  name?: string | null;
  percent_off?: number | null;
  amount_off?: number | null;
  currency?: string | null;
  duration?: 'once' | 'repeating' | 'forever';
  duration_in_months?: number | null;
  max_redemptions?: number | null;
  redeem_by?: number | null;
  metadata?: Metadata;
  created?: number;
}

export function buildCoupon(ctx: BuildContext, input: CouponInput) {
  return {
    id: input.id ?? ctx.ids.token(8).toUpperCase(),
    object: 'coupon',
    amount_off: input.amount_off ?? null,
    created: input.created ?? ctx.now,
    currency: input.amount_off ? (input.currency ?? ctx.account.defaultCurrency) : null,
    duration: input.duration ?? 'forever',
    duration_in_months: input.duration === 'repeating' ? (input.duration_in_months ?? 1) : null,
    livemode: ctx.account.livemode,
    max_redemptions: input.max_redemptions ?? null,
    metadata: input.metadata ?? {},
    name: input.name ?? null,
    percent_off: input.percent_off ?? null,
    redeem_by: input.redeem_by ?? null,
    times_redeemed: 0,
    valid: true,
  };
}

/** A coupon applied to a customer, subscription or subscription item (coupon under `source.coupon`). */
export function buildDiscount(
  ctx: BuildContext,
  input: {
    coupon: { id: string; duration: string; duration_in_months: number | null };
    customer: string | null;
    subscription?: string | null;
    subscription_item?: string | null;
    start?: number;
  },
) {
  const start = input.start ?? ctx.now;
  const months =
    input.coupon.duration === 'repeating' ? (input.coupon.duration_in_months ?? 1) : input.coupon.duration === 'once' ? 1 : null;
  return {
    id: ctx.ids.id('di', 24),
    object: 'discount',
    checkout_session: null,
    customer: input.customer,
    customer_account: null,
    end: months === null ? null : start + months * 30 * 86400,
    invoice: null,
    invoice_item: null,
    promotion_code: null,
    source: { coupon: input.coupon.id, type: 'coupon' },
    start,
    subscription: input.subscription ?? null,
    subscription_item: input.subscription_item ?? null,
  };
}

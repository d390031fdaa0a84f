import type Stripe from 'stripe';

/** Stripe objects → PulseScore rows, as the integration guide's "Data synced" tables describe. */

const ts = (unix: number | null | undefined): Date | null => (unix ? new Date(unix * 1000) : null);
/** The SDK hands decimals over as Decimal objects; rows keep their exact string form. */
const decimal = (v: unknown): string | null => (v == null ? null : String(v));
const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

export interface CustomerRow {
  external_id: string;
  email: string | null;
  name: string | null;
  currency: string | null;
  first_seen_at: Date;
  metadata: Record<string, string>;
  deleted_at: Date | null;
}

export function mapCustomer(c: Stripe.Customer | Stripe.DeletedCustomer): CustomerRow | { external_id: string; deleted: true } {
  if ('deleted' in c && c.deleted) return { external_id: c.id, deleted: true };
  const customer = c as Stripe.Customer;
  return {
    external_id: customer.id,
    email: customer.email,
    name: customer.name ?? null,
    currency: customer.currency ?? null,
    first_seen_at: new Date(customer.created * 1000),
    metadata: customer.metadata ?? {},
    deleted_at: null,
  };
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
  tiers:
    | {
        up_to: number | null;
        unit_amount: number | null;
        unit_amount_decimal: string | null;
        flat_amount: number | null;
        flat_amount_decimal: string | null;
      }[]
    | null;
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

export function mapDiscount(d: string | Stripe.Discount): DiscountSnapshot {
  if (typeof d === 'string')
    return { id: d, coupon_id: null, percent_off: null, amount_off: null, currency: null, duration: null, start: null, end: null };
  const coupon = (d.source as { coupon?: string | Stripe.Coupon | null } | undefined)?.coupon;
  const c = coupon && typeof coupon === 'object' ? coupon : null;
  return {
    id: d.id,
    coupon_id: idOf(coupon as string | Stripe.Coupon | null),
    percent_off: c?.percent_off ?? null,
    amount_off: c?.amount_off ?? null,
    currency: c?.currency ?? null,
    duration: c?.duration ?? null,
    start: d.start ?? null,
    end: d.end ?? null,
  };
}

function mapItem(item: Stripe.SubscriptionItem): ItemSnapshot {
  const price = item.price;
  const product =
    typeof price.product === 'object' && price.product !== null && !('deleted' in price.product && price.product.deleted)
      ? (price.product as Stripe.Product)
      : null;
  return {
    id: item.id,
    price_id: price.id,
    product_id: idOf(price.product as string | { id: string }),
    product_name: product?.name ?? null,
    currency: price.currency,
    billing_scheme: price.billing_scheme,
    unit_amount: price.unit_amount,
    unit_amount_decimal: decimal(price.unit_amount_decimal),
    tiers_mode: price.tiers_mode,
    tiers:
      price.tiers?.map((t) => ({
        up_to: t.up_to,
        unit_amount: t.unit_amount,
        unit_amount_decimal: decimal(t.unit_amount_decimal),
        flat_amount: t.flat_amount,
        flat_amount_decimal: decimal(t.flat_amount_decimal),
      })) ?? null,
    transform_quantity: price.transform_quantity
      ? { divide_by: price.transform_quantity.divide_by, round: price.transform_quantity.round }
      : null,
    interval: price.recurring?.interval ?? null,
    interval_count: price.recurring?.interval_count ?? 1,
    usage_type: price.recurring?.usage_type ?? null,
    quantity: item.quantity ?? null,
    current_period_start: item.current_period_start ?? null,
    current_period_end: item.current_period_end ?? null,
    discounts: (item.discounts ?? []).map(mapDiscount),
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
}

export function mapSubscription(s: Stripe.Subscription): SubscriptionRow {
  const items = s.items.data.map(mapItem);
  const first = items[0];
  const licensed = items.filter((i) => i.usage_type !== 'metered');
  return {
    stripe_subscription_id: s.id,
    stripe_customer_id: idOf(s.customer as string | { id: string })!,
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
    discounts: (s.discounts ?? []).map(mapDiscount),
  };
}

export interface PaymentRow {
  stripe_payment_id: string;
  stripe_customer_id: string;
  amount_cents: number;
  currency: string;
  status: 'succeeded' | 'failed' | 'pending';
  failure_code: string | null;
  failure_message: string | null;
  paid_at: Date;
}

/** Anonymous charges (no customer) are not synced: null. */
export function mapCharge(c: Stripe.Charge): PaymentRow | null {
  const customer = idOf(c.customer as string | { id: string } | null);
  if (!customer) return null;
  const known: readonly string[] = ['succeeded', 'failed', 'pending'];
  const status = (known.includes(c.status) ? c.status : c.paid ? 'succeeded' : 'pending') as PaymentRow['status'];
  return {
    stripe_payment_id: c.id,
    stripe_customer_id: customer,
    amount_cents: c.amount,
    currency: c.currency,
    status,
    failure_code: c.failure_code ?? null,
    failure_message: c.failure_message ?? null,
    paid_at: new Date(c.created * 1000),
  };
}

export interface InvoiceRow {
  stripe_invoice_id: string;
  stripe_customer_id: string;
  stripe_subscription_id: string | null;
  status: string;
  currency: string;
  subtotal_cents: number;
  total_cents: number;
  amount_due_cents: number;
  amount_paid_cents: number;
  period_start: Date | null;
  period_end: Date | null;
  issued_at: Date;
  paid_at: Date | null;
  lines: {
    id: string;
    amount: number;
    quantity: number | null;
    period_start: number | null;
    period_end: number | null;
    subscription_item: string | null;
    price_id: string | null;
    description: string | null;
  }[];
}

export function mapInvoice(i: Stripe.Invoice): InvoiceRow | null {
  const customer = idOf(i.customer as string | { id: string } | null);
  if (!customer) return null;
  const parentSub = i.parent?.subscription_details?.subscription;
  return {
    stripe_invoice_id: i.id!,
    stripe_customer_id: customer,
    stripe_subscription_id: idOf(parentSub as string | { id: string } | null | undefined),
    status: i.status ?? 'draft',
    currency: i.currency,
    subtotal_cents: i.subtotal,
    total_cents: i.total,
    amount_due_cents: i.amount_due,
    amount_paid_cents: i.amount_paid,
    period_start: ts(i.period_start),
    period_end: ts(i.period_end),
    issued_at: new Date(i.created * 1000),
    paid_at: ts(i.status_transitions?.paid_at),
    lines: i.lines.data.map((l) => ({
      id: l.id,
      amount: l.amount,
      quantity: l.quantity ?? null,
      period_start: l.period?.start ?? null,
      period_end: l.period?.end ?? null,
      subscription_item: idOf(l.parent?.subscription_item_details?.subscription_item as string | null | undefined),
      price_id: (l.pricing as { price_details?: { price?: string } } | null)?.price_details?.price ?? null,
      description: l.description ?? null,
    })),
  };
}

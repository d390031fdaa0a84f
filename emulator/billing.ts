import type { EmulatorContext } from './context.js';
import { buildCharge } from './objects/charge.js';
import { buildInvoice, type InvoiceLineInput } from './objects/invoice.js';
import type { Account, StripeObject } from './state.js';

/** Amount of one subscription item for one period, in the currency's minor unit. */
export function itemAmount(
  price: StripeObject,
  quantity: number,
  tiers: { up_to: number | null; unit_amount: number | null; flat_amount: number | null }[] | undefined,
): number {
  if (price.recurring?.usage_type === 'metered') return 0;
  let q = quantity;
  if (price.transform_quantity) {
    const { divide_by, round } = price.transform_quantity;
    q = round === 'up' ? Math.ceil(q / divide_by) : Math.floor(q / divide_by);
  }
  if (price.billing_scheme !== 'tiered') {
    const unit = price.unit_amount ?? Number(price.unit_amount_decimal ?? 0);
    return Math.round(unit * q);
  }
  const list = tiers ?? [];
  if (price.tiers_mode === 'volume') {
    const tier = list.find((t) => t.up_to === null || q <= t.up_to) ?? list[list.length - 1];
    return tier ? (tier.unit_amount ?? 0) * q + (tier.flat_amount ?? 0) : 0;
  }
  let total = 0;
  let previous = 0;
  for (const t of list) {
    if (q <= previous) break;
    const upper = t.up_to === null ? q : Math.min(q, t.up_to);
    total += (t.unit_amount ?? 0) * (upper - previous) + (t.flat_amount ?? 0);
    previous = upper;
  }
  return total;
}

/** What a subscription's active discounts take off a subtotal at time `at`. */
export function discountFor(account: Account, discountIds: string[], subtotal: number, at: number): number {
  let remaining = subtotal;
  for (const id of discountIds) {
    const discount = account.store.get(id, 'discount');
    if (!discount || (discount.end !== null && discount.end <= at)) continue;
    const coupon = account.store.get(discount.source.coupon, 'coupon');
    if (!coupon) continue;
    const off = coupon.percent_off ? Math.round((remaining * coupon.percent_off) / 100) : (coupon.amount_off ?? 0);
    remaining = Math.max(0, remaining - off);
  }
  return subtotal - remaining;
}

export interface BillOptions {
  period: { start: number; end: number };
  outcome: 'succeeded' | 'failed' | 'none';
  failureCode?: string;
  created: number;
  billingReason: string;
  /** History loaded from a scenario is stored without events. */
  emitEvents: boolean;
}

/**
 * Whether a billing period lies within the subscription's trial. Such a period is invoiced at once, for 0: "When
 * creating a subscription with a trial period, no payment method is required for the customer. An immediate
 * invoice is still created, but for $0" (https://docs.stripe.com/billing/subscriptions/trials). A zero invoice
 * is paid when finalized, and nothing is charged.
 */
export function inTrial(sub: StripeObject, period: { start: number; end: number }): boolean {
  return (
    typeof sub.trial_start === 'number' &&
    typeof sub.trial_end === 'number' &&
    period.start >= sub.trial_start &&
    period.end <= sub.trial_end
  );
}

/** Invoices one period of a subscription and, unless `outcome` is none, charges it; a trial period is invoiced for 0. */
export function billPeriod(emulator: EmulatorContext, account: Account, sub: StripeObject, options: BillOptions) {
  const ctx = { ...emulator.context(account), now: options.created };
  const customer = account.store.get(sub.customer, 'customer');
  // Only the invoice made at creation covers the trial; a cycle run during a trial (the renew switch) ends it.
  const trial = options.billingReason === 'subscription_create' && inTrial(sub, options.period);
  const lines: InvoiceLineInput[] = sub.items.data.map((item: StripeObject) => {
    const price = account.store.get(item.price.id) ?? item.price;
    const quantity = item.quantity ?? 0;
    const product = account.store.get(price.product)?.name ?? 'Subscription';
    return {
      amount: trial ? 0 : itemAmount(price, quantity, account.store.hidden(price.id)._tiers),
      description: trial
        ? `Trial period for ${product}`
        : `${quantity} × ${product} (at ${price.unit_amount ?? 'tiered'} / ${price.recurring?.interval ?? 'month'})`,
      quantity,
      period: options.period,
      subscription: sub.id,
      subscription_item: item.id,
      price_id: price.id,
      product_id: price.product,
      unit_amount_decimal: price.unit_amount_decimal,
    };
  });
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  const discountTotal = discountFor(account, sub.discounts, subtotal, options.created);
  const status =
    options.outcome === 'succeeded' || subtotal - discountTotal === 0 ? 'paid' : options.outcome === 'failed' ? 'open' : 'open';
  const invoice = buildInvoice(ctx, {
    customer: sub.customer,
    customer_email: customer?.email ?? null,
    customer_name: customer?.name ?? null,
    currency: sub.currency,
    status,
    subscription: sub.id,
    billing_reason: options.billingReason,
    lines,
    discount_total: discountTotal,
    period: options.period,
    created: options.created,
    attempt_count: options.outcome === 'none' ? 0 : 1,
  }) as StripeObject;
  account.store.put(invoice);
  const emit = (type: string, obj: StripeObject) => options.emitEvents && emulator.emit(account, type, obj);
  emit('invoice.created', invoice);
  emit('invoice.finalized', invoice);
  let charge: StripeObject | null = null;
  if (options.outcome !== 'none' && invoice.amount_due > 0) {
    charge = buildCharge(ctx, {
      amount: invoice.amount_due,
      currency: invoice.currency,
      customer: sub.customer,
      status: options.outcome,
      failure_code: options.outcome === 'failed' ? (options.failureCode ?? 'card_declined') : null,
      description: options.billingReason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
      receipt_email: customer?.email ?? null,
      billing_name: customer?.name ?? null,
      created: options.created,
    }) as StripeObject;
    account.store.put(charge);
    emit(options.outcome === 'succeeded' ? 'charge.succeeded' : 'charge.failed', charge);
  }
  if (invoice.status === 'paid') {
    emit('invoice.paid', invoice);
    emit('invoice.payment_succeeded', invoice);
  } else if (options.outcome === 'failed') {
    emit('invoice.payment_failed', invoice);
  }
  return { invoice, charge };
}

import { billPeriod } from '../billing.js';
import { invalidParam, missingParam, StripeApiError } from '../errors.js';
import type { FormValue } from '../form.js';
import { buildDiscount } from '../objects/catalog.js';
import { addInterval, type Interval, periodAt } from '../objects/periods.js';
import { buildSubscription, buildSubscriptionItem } from '../objects/subscription.js';
import { allowOnly, applyMetadata, arrayOf, bool, int, nullableStr, objectOf, oneOf, requireStr, str } from '../params.js';
import type { RequestContext, Router } from '../router.js';
import type { StripeObject } from '../state.js';
import { clone, find, respond, respondList, retrieve, update } from './helpers.js';

const STATUSES = [
  'active',
  'past_due',
  'unpaid',
  'canceled',
  'incomplete',
  'incomplete_expired',
  'trialing',
  'paused',
  'all',
  'ended',
] as const;

/** The billing cadence of a subscription: that of its first item's price. */
export function cadence(sub: StripeObject): { interval: Interval; count: number } {
  const recurring = sub.items.data[0]?.price.recurring;
  return { interval: recurring?.interval ?? 'month', count: recurring?.interval_count ?? 1 };
}

function discountsFrom(
  ctx: RequestContext,
  raw: FormValue | undefined,
  param: string,
  owner: { customer: string; subscription: string; subscription_item?: string },
): string[] | undefined {
  if (raw === undefined) return undefined;
  if (raw === '') return [];
  if (!Array.isArray(raw)) throw invalidParam(param, `Invalid array: ${param}`);
  return raw.map((entry, i) => {
    const d = objectOf(entry, `${param}[${i}]`);
    if (typeof d.discount === 'string') return find(ctx, 'discount', d.discount).id;
    const couponId = typeof d.coupon === 'string' ? d.coupon : undefined;
    if (!couponId) throw missingParam(`${param}[${i}][coupon]`);
    const coupon = find(ctx, 'coupon', couponId);
    if (ctx.account.store.hidden(coupon.id)._deleted || !coupon.valid)
      throw invalidParam(`${param}[${i}][coupon]`, `Coupon ${couponId} is no longer valid.`);
    const discount = buildDiscount(ctx.emulator.context(ctx.account), {
      coupon: coupon as any,
      customer: owner.customer,
      subscription: owner.subscription,
      subscription_item: owner.subscription_item ?? null,
    }) as StripeObject;
    ctx.account.store.put(discount);
    coupon.times_redeemed += 1;
    return discount.id;
  });
}

export function itemFrom(
  ctx: RequestContext,
  raw: FormValue,
  i: number,
  sub: { id: string; customer: string },
  period: { start: number; end: number },
) {
  const item = objectOf(raw, `items[${i}]`);
  allowOnly(item, ['price', 'quantity', 'discounts', 'metadata', 'id', 'deleted']);
  const priceId = typeof item.price === 'string' ? item.price : undefined;
  if (!priceId) throw missingParam(`items[${i}][price]`);
  const price = find(ctx, 'price', priceId);
  if (!price.recurring)
    throw invalidParam(`items[${i}][price]`, `The price specified (${priceId}) is not recurring. Subscriptions need recurring prices.`);
  const quantity = int(item, 'quantity', `items[${i}][quantity]`) ?? 1;
  if (quantity < 0) throw invalidParam(`items[${i}][quantity]`, 'Quantity must be at least 0.');
  const id = ctx.emulator.ids.id('si', 14);
  const discounts =
    discountsFrom(ctx, item.discounts, `items[${i}][discounts]`, { customer: sub.customer, subscription: sub.id, subscription_item: id }) ??
    [];
  return buildSubscriptionItem(ctx.emulator.context(ctx.account), {
    id,
    subscription: sub.id,
    price: { ...price },
    quantity,
    discounts,
    metadata: applyMetadata({}, item.metadata),
    period,
  });
}

export function cancelSubscription(ctx: RequestContext, sub: StripeObject, reason = 'cancellation_requested'): StripeObject {
  const now = ctx.emulator.now();
  const after: StripeObject = { ...clone(sub), status: 'canceled', canceled_at: now, ended_at: now, cancel_at_period_end: false };
  after.cancellation_details = { ...after.cancellation_details, reason };
  ctx.account.store.put(after);
  ctx.emulator.emit(ctx.account, 'customer.subscription.deleted', after);
  return after;
}

/**
 * `billing_mode[type]`: "If no value is passed, the default is `flexible`" (the pinned SDK's
 * SubscriptionCreateParams.BillingMode; https://docs.stripe.com/billing/subscriptions/billing-mode).
 */
function parseBillingMode(ctx: RequestContext): 'classic' | 'flexible' {
  const raw = ctx.params.billing_mode;
  if (raw === undefined) return 'flexible';
  const mode = objectOf(raw, 'billing_mode');
  allowOnly(mode, ['type', 'flexible']);
  const type = oneOf(mode, 'type', ['classic', 'flexible'] as const);
  if (!type) throw missingParam('billing_mode[type]');
  return type;
}

/**
 * The same rules whether items come with a new subscription or are added later: one currency, and one
 * billing interval unless the subscription uses flexible billing mode, which mixed interval subscriptions
 * require (https://docs.stripe.com/billing/subscriptions/mixed-interval).
 */
export function checkItems(items: StripeObject[] | Record<string, any>[], billingMode: string): void {
  if (new Set(items.map((it) => it.price.currency)).size > 1)
    throw invalidParam('items', 'All prices on a subscription must have the same currency.');
  if (
    billingMode !== 'flexible' &&
    new Set(items.map((it) => `${it.price.recurring.interval}/${it.price.recurring.interval_count}`)).size > 1
  ) {
    throw invalidParam(
      'items',
      'All prices on a subscription must have the same recurring interval unless the subscription uses flexible billing mode (billing_mode[type]=flexible).',
    );
  }
}

function parseTrialEnd(ctx: RequestContext): number | 'now' | undefined {
  const raw = str(ctx.params, 'trial_end');
  if (raw === undefined) return undefined;
  if (raw === 'now') return 'now';
  if (!/^\d+$/.test(raw)) throw invalidParam('trial_end', 'Invalid timestamp: must be an integer Unix timestamp in the future or `now`.');
  const t = Number(raw);
  if (t <= ctx.emulator.now()) throw invalidParam('trial_end', 'Invalid timestamp: must be an integer Unix timestamp in the future.');
  return t;
}

/** `default_payment_method`: a PaymentMethod id (the emulator keeps none, so only its form is checked); '' clears it. */
function paymentMethodParam(ctx: RequestContext): string | null | undefined {
  const pm = nullableStr(ctx.params, 'default_payment_method');
  if (pm && !pm.startsWith('pm_'))
    throw new StripeApiError(400, 'invalid_request_error', `No such PaymentMethod: '${pm}'`, 'resource_missing', 'default_payment_method');
  return pm;
}

export function registerSubscriptions(router: Router) {
  router.on('POST', '/v1/subscriptions', (ctx) => {
    allowOnly(ctx.params, [
      'customer',
      'items',
      'trial_period_days',
      'trial_end',
      'discounts',
      'cancel_at_period_end',
      'cancel_at',
      'metadata',
      'collection_method',
      'description',
      'payment_behavior',
      'proration_behavior',
      'default_payment_method',
      'days_until_due',
      'billing_mode',
    ]);
    const customer = find(ctx, 'customer', requireStr(ctx.params, 'customer'));
    const rawItems = arrayOf(ctx.params, 'items');
    if (!rawItems || rawItems.length === 0) throw missingParam('items');
    const now = ctx.emulator.now();
    const trialDays = int(ctx.params, 'trial_period_days');
    const trialEndParam = parseTrialEnd(ctx);
    const trialEnd = trialEndParam === 'now' ? undefined : (trialEndParam ?? (trialDays ? now + trialDays * 86400 : undefined));
    const id = ctx.emulator.ids.id('sub', 24);
    const first = find(ctx, 'price', String((objectOf(rawItems[0], 'items[0]').price as string) ?? ''));
    const interval = (first.recurring?.interval ?? 'month') as Interval;
    const count = first.recurring?.interval_count ?? 1;
    const period = trialEnd ? { start: now, end: trialEnd } : { start: now, end: addInterval(now, interval, count) };
    const items = rawItems.map((raw, i) => itemFrom(ctx, raw, i, { id, customer: customer.id }, period));
    const billingMode = parseBillingMode(ctx);
    checkItems(items, billingMode);
    const sub = buildSubscription(ctx.emulator.context(ctx.account), {
      id,
      customer: customer.id,
      currency: items[0]!.price.currency,
      status: trialEnd ? 'trialing' : 'active',
      items,
      created: now,
      start_date: now,
      billing_cycle_anchor: trialEnd ?? now,
      trial_start: trialEnd ? now : null,
      trial_end: trialEnd ?? null,
      cancel_at_period_end: bool(ctx.params, 'cancel_at_period_end') ?? false,
      cancel_at: int(ctx.params, 'cancel_at') ?? null,
      discounts: discountsFrom(ctx, ctx.params.discounts, 'discounts', { customer: customer.id, subscription: id }) ?? [],
      metadata: applyMetadata({}, ctx.params.metadata),
      collection_method: oneOf(ctx.params, 'collection_method', ['charge_automatically', 'send_invoice'] as const),
      description: nullableStr(ctx.params, 'description'),
      billing_mode: billingMode,
    }) as StripeObject;
    sub.default_payment_method = paymentMethodParam(ctx) ?? null;
    ctx.account.store.put(sub);
    ctx.emulator.emit(ctx.account, 'customer.subscription.created', sub);
    const { invoice } = billPeriod(ctx.emulator, ctx.account, sub, {
      period,
      outcome: trialEnd ? 'none' : 'succeeded',
      created: now,
      billingReason: 'subscription_create',
      emitEvents: true,
    });
    sub.latest_invoice = invoice.id;
    ctx.account.store.put(sub);
    return respond(ctx, sub);
  });

  router.on('GET', '/v1/subscriptions', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'created', 'customer', 'price', 'status', 'collection_method']);
    const status = oneOf(ctx.params, 'status', STATUSES);
    const customer = str(ctx.params, 'customer');
    const price = str(ctx.params, 'price');
    const matchesStatus = (s: string) =>
      status === 'all'
        ? true
        : status === 'ended'
          ? s === 'canceled' || s === 'incomplete_expired'
          : status
            ? s === status
            : s !== 'canceled';
    const all = ctx.account.store.all('subscription');
    const items =
      status === 'all' && !customer && !price
        ? all
        : all.filter(
            (s) =>
              matchesStatus(s.status) &&
              (!customer || s.customer === customer) &&
              (!price || s.items.data.some((i: StripeObject) => i.price.id === price)),
          );
    return respondList(ctx, items, '/v1/subscriptions', 'subscription');
  });

  router.on('GET', '/v1/subscriptions/:id', (ctx) => retrieve(ctx, 'subscription'));

  router.on('POST', '/v1/subscriptions/:id', (ctx) => {
    allowOnly(ctx.params, [
      'items',
      'cancel_at_period_end',
      'cancel_at',
      'metadata',
      'discounts',
      'trial_end',
      'description',
      'proration_behavior',
      'payment_behavior',
      'default_payment_method',
      'collection_method',
    ]);
    const before = find(ctx, 'subscription', ctx.path.id!);
    if (before.status === 'canceled') {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'A canceled subscription can only update its cancellation_details and metadata.',
      );
    }
    const after = clone(before);
    const pm = paymentMethodParam(ctx);
    if (pm !== undefined) after.default_payment_method = pm;
    const now = ctx.emulator.now();
    const rawItems = arrayOf(ctx.params, 'items');
    if (rawItems) {
      const period = { start: after.items.data[0]?.current_period_start ?? now, end: after.items.data[0]?.current_period_end ?? now };
      const data: StripeObject[] = [...after.items.data];
      rawItems.forEach((raw, i) => {
        const entry = objectOf(raw, `items[${i}]`);
        if (typeof entry.id === 'string') {
          const idx = data.findIndex((it) => it.id === entry.id);
          if (idx === -1) throw invalidParam(`items[${i}][id]`, `No such subscription item: '${entry.id}'`);
          if (entry.deleted === 'true') {
            data.splice(idx, 1);
            return;
          }
          const item = { ...data[idx]! };
          if (typeof entry.price === 'string') {
            const price = find(ctx, 'price', entry.price);
            item.price = { ...price };
            item.plan = {
              ...item.plan,
              id: price.id,
              amount: price.unit_amount,
              amount_decimal: price.unit_amount_decimal,
              interval: price.recurring?.interval,
              interval_count: price.recurring?.interval_count,
            };
          }
          const q = int(entry, 'quantity', `items[${i}][quantity]`);
          if (q !== undefined) item.quantity = q;
          item.metadata = applyMetadata(item.metadata, entry.metadata);
          data[idx] = item;
        } else {
          data.push(itemFrom(ctx, raw, i, { id: after.id, customer: after.customer }, period));
        }
      });
      if (data.length === 0) throw invalidParam('items', 'A subscription must have at least one item.');
      checkItems(data, after.billing_mode.type);
      after.items = { ...after.items, data };
    }
    const cap = bool(ctx.params, 'cancel_at_period_end');
    if (cap !== undefined) {
      after.cancel_at_period_end = cap;
      after.cancel_at = cap ? after.items.data[0].current_period_end : null;
      after.cancellation_details = { ...after.cancellation_details, reason: cap ? 'cancellation_requested' : null };
    }
    const cancelAt = ctx.params.cancel_at === '' ? null : int(ctx.params, 'cancel_at');
    if (cancelAt !== undefined) after.cancel_at = cancelAt;
    const discounts = discountsFrom(ctx, ctx.params.discounts, 'discounts', { customer: after.customer, subscription: after.id });
    if (discounts !== undefined) after.discounts = discounts;
    const trialEnd = parseTrialEnd(ctx);
    if (trialEnd !== undefined) {
      if (trialEnd === 'now' && after.status === 'trialing') {
        after.trial_end = now;
        after.status = 'active';
        const { interval, count } = cadence(after);
        const period = { start: now, end: addInterval(now, interval, count) };
        after.billing_cycle_anchor = now;
        after.items.data = after.items.data.map((it: StripeObject) => ({
          ...it,
          current_period_start: period.start,
          current_period_end: period.end,
        }));
        const { invoice } = billPeriod(ctx.emulator, ctx.account, after, {
          period,
          outcome: 'succeeded',
          created: now,
          billingReason: 'subscription_update',
          emitEvents: true,
        });
        after.latest_invoice = invoice.id;
      } else if (typeof trialEnd === 'number') {
        after.trial_end = trialEnd;
      }
    }
    const description = nullableStr(ctx.params, 'description');
    if (description !== undefined) after.description = description;
    after.metadata = applyMetadata(before.metadata, ctx.params.metadata);
    return respond(ctx, update(ctx, before, after, 'customer.subscription.updated'));
  });

  router.on('DELETE', '/v1/subscriptions/:id', (ctx) => {
    allowOnly(ctx.params, ['invoice_now', 'prorate', 'cancellation_details']);
    const sub = find(ctx, 'subscription', ctx.path.id!);
    if (sub.status === 'canceled') throw new StripeApiError(400, 'invalid_request_error', 'This subscription has already been canceled.');
    return respond(ctx, cancelSubscription(ctx, sub));
  });
}

export { periodAt };

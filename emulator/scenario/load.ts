import { billPeriod } from '../billing.js';
import type { Emulator } from '../emulator.js';
import { buildCharge } from '../objects/charge.js';
import { buildCoupon, buildDiscount, buildPrice, buildProduct } from '../objects/catalog.js';
import { buildCustomer } from '../objects/customer.js';
import { buildInvoice } from '../objects/invoice.js';
import { addInterval, type Interval } from '../objects/periods.js';
import { buildSubscription, buildSubscriptionItem, type SubscriptionStatus } from '../objects/subscription.js';
import type { Account, StripeObject } from '../state.js';
import { RELATIVE_TIME, type Scenario, type ScenarioAccount, type ScenarioSubscription, type ScenarioTime } from './schema.js';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

export function resolveTime(t: ScenarioTime, now: number): number {
  if (typeof t === 'number') return t;
  if (t === 'now') return now;
  if (RELATIVE_TIME.test(t)) {
    let at = now;
    for (const [, sign, amount, unit] of t.matchAll(/([+-])(\d+(?:\.\d+)?)(mo|y|s|m|h|d|w)/g)) {
      const n = (sign === '-' ? -1 : 1) * Number(amount);
      // Months and years follow the calendar, as billing periods do.
      if (unit === 'mo') at = addInterval(at, 'month', Math.round(n));
      else if (unit === 'y') at = addInterval(at, 'year', Math.round(n));
      else at = Math.round(at + n * UNIT_SECONDS[unit!]!);
    }
    return at;
  }
  return Math.floor(Date.parse(t) / 1000);
}

export interface LoadSummary {
  accounts: { id: string; name: string; livemode: boolean; customers: number; subscriptions: number; charges: number; invoices: number }[];
}

interface Catalog {
  prices: Map<string, StripeObject>;
  coupons: Map<string, StripeObject>;
}

/** Puts a scenario's accounts and their history into the emulator; history creates no events. */
export function loadScenario(emulator: Emulator, scenario: Scenario): LoadSummary {
  const now = emulator.now();
  const summary: LoadSummary = { accounts: [] };
  for (const spec of scenario.accounts) {
    const account =
      (spec.id && emulator.accounts.get(spec.id)) ||
      emulator.addAccount({
        id: spec.id,
        name: spec.name,
        email: spec.email,
        livemode: spec.livemode,
        country: spec.country,
        defaultCurrency: spec.default_currency,
      });
    const catalog = loadCatalog(emulator, account, spec, now);
    for (const c of spec.customers) {
      const ctx = { ...emulator.context(account), now: c.created ? resolveTime(c.created, now) : now };
      const customer = buildCustomer(ctx, {
        id: c.id,
        name: c.name ?? null,
        email: c.email ?? null,
        metadata: c.metadata ?? {},
        created: ctx.now,
      }) as StripeObject;
      account.store.put(customer);
      for (const s of c.subscriptions) loadSubscription(emulator, account, catalog, customer, s, now);
      for (const ch of c.charges) {
        const at = resolveTime(ch.at, now);
        account.store.put(
          buildCharge(
            { ...emulator.context(account), now: at },
            {
              ...ch,
              customer: customer.id,
              created: at,
              failure_code: ch.failure_code ?? null,
              receipt_email: customer.email,
              billing_name: customer.name,
            },
          ) as StripeObject,
        );
      }
      for (const inv of c.invoices) {
        const at = resolveTime(inv.at, now);
        const lines = [
          {
            amount: inv.amount,
            description: inv.description,
            quantity: 1,
            period: { start: at, end: at },
            subscription: null,
            subscription_item: null,
            price_id: null,
            unit_amount_decimal: String(inv.amount),
          },
        ];
        account.store.put(
          buildInvoice(
            { ...emulator.context(account), now: at },
            {
              customer: customer.id,
              customer_email: customer.email,
              customer_name: customer.name,
              currency: inv.currency,
              status: inv.status,
              lines,
              created: at,
              billing_reason: 'manual',
              description: inv.description,
            },
          ) as StripeObject,
        );
      }
    }
    for (const ch of spec.anonymous_charges) {
      const at = resolveTime(ch.at, now);
      account.store.put(
        buildCharge(
          { ...emulator.context(account), now: at },
          { ...ch, customer: null, created: at, failure_code: ch.failure_code ?? null },
        ) as StripeObject,
      );
    }
    summary.accounts.push({
      id: account.id,
      name: account.name,
      livemode: account.livemode,
      customers: account.store.count('customer'),
      subscriptions: account.store.count('subscription'),
      charges: account.store.count('charge'),
      invoices: account.store.count('invoice'),
    });
  }
  return summary;
}

function loadCatalog(emulator: Emulator, account: Account, spec: ScenarioAccount, now: number): Catalog {
  const created = now - 3 * 365 * 86400;
  const ctx = { ...emulator.context(account), now: created };
  const products = new Map<string, StripeObject>();
  for (const p of spec.products) {
    const product = buildProduct(ctx, { id: p.id, name: p.name, description: p.description ?? null }) as StripeObject;
    products.set(p.key, account.store.put(product));
  }
  const prices = new Map<string, StripeObject>();
  for (const p of spec.prices) {
    const price = buildPrice(ctx, {
      id: p.id,
      product: products.get(p.product)!.id,
      currency: p.currency,
      unit_amount: p.unit_amount ?? null,
      unit_amount_decimal: p.unit_amount_decimal ?? null,
      billing_scheme: p.billing_scheme,
      tiers_mode: p.tiers_mode ?? null,
      tiers: p.tiers?.map((t) => ({
        up_to: t.up_to === 'inf' ? null : t.up_to,
        unit_amount: t.unit_amount ?? null,
        flat_amount: t.flat_amount ?? null,
      })),
      recurring: p.recurring,
      transform_quantity: p.transform_quantity ?? null,
      nickname: p.nickname ?? null,
    }) as StripeObject;
    prices.set(p.key, account.store.put(price));
    const product = products.get(p.product)!;
    product.default_price ??= price.id;
  }
  const coupons = new Map<string, StripeObject>();
  for (const c of spec.coupons) {
    const coupon = buildCoupon(ctx, {
      id: c.id,
      name: c.name ?? null,
      percent_off: c.percent_off ?? null,
      amount_off: c.amount_off ?? null,
      currency: c.currency ?? null,
      duration: c.duration,
      duration_in_months: c.duration_in_months ?? null,
    }) as StripeObject;
    coupons.set(c.key, account.store.put(coupon));
  }
  return { prices, coupons };
}

function loadSubscription(
  emulator: Emulator,
  account: Account,
  catalog: Catalog,
  customer: StripeObject,
  spec: ScenarioSubscription,
  now: number,
): void {
  const id = spec.id ?? emulator.ids.id('sub', 24);
  const start = resolveTime(spec.start, now);
  const trialEnd = spec.trial_days ? start + spec.trial_days * 86400 : null;
  const canceledAt = spec.canceled_at ? Math.max(start, Math.min(resolveTime(spec.canceled_at, now), now)) : null;
  const unpaidSince = spec.unpaid_since ? resolveTime(spec.unpaid_since, now) : null;
  const firstPrice = catalog.prices.get(spec.items[0]!.price)!;
  const interval = firstPrice.recurring.interval as Interval;
  const count = firstPrice.recurring.interval_count as number;
  const ctxAt = (t: number) => ({ ...emulator.context(account), now: t });
  const phases = [
    { at: start, items: spec.items },
    ...(spec.changes ?? []).map((c) => ({ at: resolveTime(c.at, now), items: c.items })).sort((a, b) => a.at - b.at),
  ];
  const itemsFor = (t: number) => (phases.filter((p) => p.at <= t).at(-1) ?? phases[0]!).items;

  const discounts = (spec.discounts ?? []).map((d) => {
    const coupon = catalog.coupons.get(d.coupon)!;
    const discount = buildDiscount(ctxAt(start), {
      coupon: coupon as never,
      customer: customer.id,
      subscription: id,
      start: d.start ? resolveTime(d.start, now) : start,
    }) as StripeObject;
    coupon.times_redeemed += 1;
    return account.store.put(discount).id;
  });
  const itemIds = new Map<string, string>();
  const buildItems = (specItems: typeof spec.items, period: { start: number; end: number }) =>
    specItems.map((it) => {
      const price = catalog.prices.get(it.price)!;
      const itemId = itemIds.get(it.price) ?? emulator.ids.id('si', 14);
      itemIds.set(it.price, itemId);
      const itemDiscounts = (it.discounts ?? []).map((d) => {
        const coupon = catalog.coupons.get(d.coupon)!;
        return account.store.put(
          buildDiscount(ctxAt(start), {
            coupon: coupon as never,
            customer: customer.id,
            subscription: id,
            subscription_item: itemId,
            start,
          }) as StripeObject,
        ).id;
      });
      return buildSubscriptionItem(ctxAt(start), {
        id: itemId,
        subscription: id,
        price,
        quantity: it.quantity,
        discounts: itemDiscounts,
        period,
        created: start,
      }) as StripeObject;
    });

  // Walk the billing periods from the first (after any trial) up to now or the cancellation.
  const stopAt = canceledAt ?? now;
  let period = trialEnd ? { start, end: trialEnd } : { start, end: addInterval(start, interval, count) };
  let latestInvoice: string | null = null;
  let failed = false;
  const sub = buildSubscription(ctxAt(start), {
    id,
    customer: customer.id,
    currency: firstPrice.currency,
    status: 'active',
    items: buildItems(spec.items, period),
    created: start,
    start_date: start,
    billing_cycle_anchor: trialEnd ?? start,
    trial_start: trialEnd ? start : null,
    trial_end: trialEnd,
    discounts,
    metadata: spec.metadata ?? {},
  }) as StripeObject;
  if (trialEnd) {
    latestInvoice = billPeriod(emulator, account, sub, {
      period,
      outcome: 'none',
      created: start,
      billingReason: 'subscription_create',
      emitEvents: false,
    }).invoice.id;
    if (trialEnd <= stopAt) period = { start: trialEnd, end: addInterval(trialEnd, interval, count) };
  }
  let first = !trialEnd;
  while (period.start <= stopAt && (!trialEnd || period.start >= trialEnd)) {
    sub.items = { ...sub.items, data: buildItems(itemsFor(period.start), period) };
    const failing = unpaidSince !== null && period.start >= unpaidSince;
    const codes = spec.failure_codes ?? ['card_declined'];
    const { invoice } = billPeriod(emulator, account, sub, {
      period,
      outcome: failing ? 'failed' : 'succeeded',
      failureCode: codes[0],
      created: period.start,
      billingReason: first ? 'subscription_create' : 'subscription_cycle',
      emitEvents: false,
    });
    if (failing) {
      failed = true;
      for (let r = 1; r < spec.retries; r++) {
        const at = period.start + r * 2 * 86400;
        if (at > now) break;
        const retry = buildCharge(ctxAt(at), {
          amount: invoice.amount_due,
          currency: invoice.currency,
          customer: customer.id,
          status: 'failed',
          failure_code: codes[r % codes.length],
          description: 'Subscription update',
          created: at,
        });
        account.store.put(retry as StripeObject);
        invoice.attempt_count += 1;
      }
    }
    latestInvoice = invoice.id;
    first = false;
    const next = { start: period.end, end: addInterval(period.end, interval, count) };
    if (next.start > stopAt) break;
    period = next;
  }
  // The subscription shows its items as of now (Stripe applies changes at once); invoices billed the items of their period.
  sub.items = { ...sub.items, data: buildItems(itemsFor(stopAt), period) };
  sub.latest_invoice = latestInvoice;
  let status: SubscriptionStatus = trialEnd && trialEnd > now ? 'trialing' : failed ? 'past_due' : 'active';
  if (spec.status) status = spec.status;
  if (canceledAt !== null) {
    status = 'canceled';
    sub.canceled_at = canceledAt;
    sub.ended_at = canceledAt;
    sub.cancellation_details = { ...sub.cancellation_details, reason: spec.cancellation_reason ?? 'cancellation_requested' };
  } else if (spec.cancel_at_period_end) {
    sub.cancel_at_period_end = true;
    sub.cancel_at = period.end;
    sub.cancellation_details = { ...sub.cancellation_details, reason: 'cancellation_requested' };
  }
  sub.status = status;
  account.store.put(sub);
}

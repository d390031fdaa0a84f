import { billPeriod } from '../billing.js';
import type { EmulatorContext } from '../context.js';
import { buildCharge, CAPTURE_WINDOW_SECONDS, refundableAmount } from '../objects/charge.js';
import { buildCoupon, buildDiscount, buildPrice, buildProduct } from '../objects/catalog.js';
import { buildCustomer } from '../objects/customer.js';
import { isInquiry } from '../objects/dispute.js';
import { buildInvoice } from '../objects/invoice.js';
import { addInterval, type Interval } from '../objects/periods.js';
import { buildSubscription, buildSubscriptionItem, type SubscriptionStatus } from '../objects/subscription.js';
import { expireCharge, watchUncaptured } from '../resources/charges.js';
import { closeDispute, openDispute } from '../resources/disputes.js';
import { refundCharge } from '../resources/refunds.js';
import type { Account, StripeObject } from '../state.js';
import { lateRenewals, payLate } from './late.js';
import { resolveTime, type Scenario, type ScenarioAccount, type ScenarioCharge, type ScenarioSubscription } from './schema.js';

export { resolveTime };

type Counts = Record<'customers' | 'subscriptions' | 'charges' | 'invoices' | 'refunds' | 'disputes', number>;

export interface LoadSummary {
  accounts: ({ id: string; name: string; livemode: boolean } & Counts)[];
}

interface Catalog {
  prices: Map<string, StripeObject>;
  coupons: Map<string, StripeObject>;
}

/** Puts a scenario's accounts and their history into the emulator; history creates no events. */
export function loadScenario(emulator: EmulatorContext, scenario: Scenario): LoadSummary {
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
        defaultPaymentMethod:
          (c.payment_method ?? (c.subscriptions.length > 0 || c.charges.length > 0 ? 'card' : 'none')) === 'card'
            ? ctx.ids.id('pm', 24)
            : null,
      }) as StripeObject;
      account.store.put(customer);
      for (const s of c.subscriptions) loadSubscription(emulator, account, catalog, customer, s, now);
      for (const ch of c.charges) loadCharge(emulator, account, ch, customer, now);
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
    for (const ch of spec.anonymous_charges) loadCharge(emulator, account, ch, null, now);
    summary.accounts.push({
      id: account.id,
      name: account.name,
      livemode: account.livemode,
      customers: account.store.count('customer'),
      subscriptions: account.store.count('subscription'),
      charges: account.store.count('charge'),
      invoices: account.store.count('invoice'),
      refunds: account.store.count('refund'),
      disputes: account.store.count('dispute'),
    });
  }
  return summary;
}

/** What a submitted dispute shows as its evidence when the scenario gives none. */
const DEFAULT_EVIDENCE = 'The customer signed up, used the service during the disputed period and was sent a receipt.';

/**
 * A one-off charge and its history: an authorization that is still open or has expired (released 7 days after it
 * was made, https://docs.stripe.com/api/charges/capture), its refunds, and its dispute opened, answered and
 * closed — in the order they happened, without events.
 */
function loadCharge(emulator: EmulatorContext, account: Account, spec: ScenarioCharge, customer: StripeObject | null, now: number): void {
  const at = resolveTime(spec.at, now);
  const stored = account.store.put(
    buildCharge(
      { ...emulator.context(account), now: at },
      {
        amount: spec.amount,
        currency: spec.currency,
        status: spec.status,
        description: spec.description,
        captured: spec.captured,
        customer: customer?.id ?? null,
        created: at,
        failure_code: spec.failure_code ?? null,
        receipt_email: customer?.email ?? null,
        billing_name: customer?.name ?? null,
      },
    ) as StripeObject,
  );
  if (!spec.captured && spec.status === 'succeeded') {
    if (at + CAPTURE_WINDOW_SECONDS <= now) expireCharge(emulator, account, stored, false);
    else watchUncaptured(account.store, stored.id);
    return;
  }
  const current = () => account.store.get(stored.id, 'charge')!;
  const steps: { at: number; run: () => void }[] = spec.refunds.map((r) => ({
    at: resolveTime(r.at, now),
    run: () =>
      refundCharge(emulator, account, current(), {
        amount: r.amount ?? refundableAmount(current()),
        reason: r.reason ?? null,
        metadata: r.metadata,
        at: resolveTime(r.at, now),
      }),
  }));
  const d = spec.dispute;
  if (d) {
    const openedAt = resolveTime(d.at, now);
    const closed = d.status === 'won' || d.status === 'lost' || d.status === 'warning_closed';
    const closedAt = d.closed_at !== undefined ? resolveTime(d.closed_at, now) : Math.min(now, openedAt + 30 * 86400);
    const submitted = d.status === 'under_review' || d.status === 'warning_under_review' || d.status === 'won' || d.evidence !== undefined;
    let disputeId = '';
    steps.push({
      at: openedAt,
      run: () => {
        // A closed dispute opens as the chargeback (or, warning_closed, the inquiry) it was.
        const opened = d.status === 'warning_closed' ? 'warning_needs_response' : closed ? 'needs_response' : d.status;
        const dispute = openDispute(emulator, account, current(), { reason: d.reason, status: opened, at: openedAt, metadata: d.metadata });
        disputeId = dispute.id;
        if (submitted) {
          dispute.evidence = { ...dispute.evidence, uncategorized_text: d.evidence ?? DEFAULT_EVIDENCE };
          dispute.evidence_details = { ...dispute.evidence_details, has_evidence: true, submission_count: 1, submission_method: 'manual' };
          if (!closed && d.status !== 'under_review' && d.status !== 'warning_under_review')
            dispute.status = isInquiry(dispute.status) ? 'warning_under_review' : 'under_review';
          account.store.put(dispute);
        }
      },
    });
    if (closed)
      steps.push({
        at: closedAt,
        run: () =>
          closeDispute(
            emulator,
            account,
            account.store.get(disputeId, 'dispute')!,
            d.status as 'won' | 'lost' | 'warning_closed',
            closedAt,
            false,
          ),
      });
  }
  // Stable: a refund listed before the dispute at the same moment comes first.
  for (const step of steps.sort((a, b) => a.at - b.at)) step.run();
}

function loadCatalog(emulator: EmulatorContext, account: Account, spec: ScenarioAccount, now: number): Catalog {
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
  emulator: EmulatorContext,
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
  const lates = lateRenewals(spec, now);
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

  // Walk the billing periods from the first (after any trial) up to now or the cancellation. A period that starts
  // at the cancellation is not billed: a subscription canceled at a renewal ends there ("ended_at: If the
  // subscription has ended, the date the subscription ended", https://docs.stripe.com/api/subscriptions/object),
  // with no invoice for the period it never entered.
  const stopAt = canceledAt ?? now;
  const billable = (t: number) => (canceledAt !== null ? t < canceledAt : t <= now);
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
    if (billable(trialEnd)) period = { start: trialEnd, end: addInterval(trialEnd, interval, count) };
  }
  let first = !trialEnd;
  // The first invoice comes with the creation, even for a subscription canceled the moment it was created.
  while ((first ? period.start <= stopAt : billable(period.start)) && (!trialEnd || period.start >= trialEnd)) {
    sub.items = { ...sub.items, data: buildItems(itemsFor(period.start), period) };
    const failing = unpaidSince !== null && period.start >= unpaidSince;
    const codes = spec.failure_codes ?? ['card_declined'];
    const late = failing || first ? null : lates.take(period.start);
    const { invoice } = billPeriod(emulator, account, sub, {
      period,
      outcome: failing || late ? 'failed' : 'succeeded',
      failureCode: late?.failureCode ?? codes[0],
      created: period.start,
      billingReason: first ? 'subscription_create' : 'subscription_cycle',
      emitEvents: false,
    });
    if (late && invoice.amount_due > 0 && payLate(emulator, account, invoice, late, now)) failed = true;
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
    if (!billable(next.start)) break;
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

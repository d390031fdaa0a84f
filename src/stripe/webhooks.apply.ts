import { type Kysely, sql } from 'kysely';
import type Stripe from 'stripe';
import type { Database } from '../db/schema.js';
import { catalogRow, createCatalogService, type StripeCall } from './catalog.service.js';
import { createConnectionsRepo } from './connections.repo.js';
import { logDisputeEvents } from './dispute-events.js';
import { type StripePlatform, withStripeRetry } from './stripe.client.js';
import { mapCharge, mapCustomer, mapDispute, mapInvoice, mapRefund } from './stripe.mapping.js';
import { createStripeDataRepo, type SourceVersion } from './stripe-data.repo.js';
import { mapSubscription } from './subscription.mapping.js';

/**
 * How one stored Stripe event changes PulseScore's copy of the account. Idempotent and order-independent:
 * every write carries the Stripe time of the state it reflects and never overwrites newer state; where an
 * event may be stale or incomplete (subscriptions, ties), the object is read afresh from Stripe.
 */

export type Outcome = 'processed' | 'skipped';

export interface ApplyDeps {
  db: Kysely<Database>;
  platform: StripePlatform | null;
  /** Called when Stripe reports that an account revoked access. */
  onDeauthorized: (orgId: string) => Promise<void>;
}

/**
 * Subscription re-fetches expand what a single retrieve may (at most four levels,
 * https://docs.stripe.com/api/expanding_objects): prices' products and tiers and subscription-level coupons;
 * item-level coupons (five levels) come from the catalog.
 */
const SUBSCRIPTION_EXPAND = ['items.data.price.product', 'items.data.price.tiers', 'discounts.source.coupon', 'items.data.discounts'];

export function createEventApplier(deps: ApplyDeps) {
  const { db } = deps;
  const connections = createConnectionsRepo(db);
  const catalog = createCatalogService(db);

  /** Stripe calls on the organization's connected account, with retries. */
  const callFor =
    (orgId: string): StripeCall =>
    (fn) =>
      withStripeRetry(async () => {
        const connection = await connections.find(orgId);
        return fn(deps.platform!.client, { stripeAccount: connection!.stripe_account_id });
      });

  /**
   * Runs a re-fetch and its write while holding a lock on that one object, so that two events' re-fetches write in
   * the order they read: without it, a read made before the account's last change could be written after the read
   * that saw it (both carry the same version, and an equal version may overwrite). The lock lives in a transaction of
   * its own; the write goes through the pool and is committed before the lock is released.
   */
  async function oneAtATime<T>(orgId: string, stripeId: string, fn: () => Promise<T>): Promise<T> {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`stripe-object:${orgId}:${stripeId}`}, 0))`.execute(trx);
      return fn();
    });
  }

  /**
   * Writes an object carried by an event unless what is stored is as new or newer. The common case is one
   * statement; only a tie (same second, another source) costs a read and a re-fetch from Stripe.
   */
  async function applyVersioned<R>(
    orgId: string,
    table: 'customers' | 'payments' | 'invoices' | 'refunds' | 'disputes',
    stripeId: string,
    event: Stripe.Event,
    row: R,
    write: (row: R, version: SourceVersion) => Promise<number>,
    refetch: () => Promise<R | null>,
  ): Promise<Outcome> {
    const version = { ts: event.created, eventId: event.id };
    if ((await write(row, { ...version, strict: true })) > 0) return 'processed';
    const stored = await createStripeDataRepo(db).version(orgId, table, stripeId);
    if (!stored || stored.eventId === event.id || stored.ts > event.created || !deps.platform) return 'skipped';
    await oneAtATime(orgId, stripeId, async () => {
      const current = await refetch();
      if (current) await write(current, version);
    });
    return 'processed';
  }

  async function applyCustomer(orgId: string, event: Stripe.Event): Promise<Outcome> {
    const repo = createStripeDataRepo(db);
    const object = event.data.object as Stripe.Customer;
    if (event.type === 'customer.deleted') {
      await repo.markCustomerDeleted(orgId, object.id, { ts: event.created, eventId: event.id });
      return 'processed';
    }
    const row = mapCustomer(object);
    if ('deleted' in row) return 'skipped';
    return applyVersioned(
      orgId,
      'customers',
      object.id,
      event,
      row,
      (r, v) => repo.upsertCustomers(orgId, [r], v),
      async () => {
        const fresh = mapCustomer(await callFor(orgId)((s, o) => s.customers.retrieve(object.id, {}, o)));
        return 'deleted' in fresh ? null : fresh;
      },
    );
  }

  async function applySubscription(orgId: string, event: Stripe.Event): Promise<Outcome> {
    const object = event.data.object as Stripe.Subscription;
    // Subscription events lack the prices' products and tiers that MRR needs, and may be stale: read it afresh.
    if (!deps.platform) return 'skipped';
    const call = callFor(orgId);
    const repo = createStripeDataRepo(db);
    const row = await oneAtATime(orgId, object.id, async () => {
      const fetchedAt = Math.floor(Date.now() / 1000);
      const current = await call((s, o) => s.subscriptions.retrieve(object.id, { expand: SUBSCRIPTION_EXPAND }, o));
      const lookup = await catalog.forSubscriptions(orgId, [current], call, fetchedAt);
      const mapped = mapSubscription(current, lookup);
      await repo.upsertSubscriptions(orgId, [mapped], { ts: Math.max(fetchedAt, event.created), eventId: event.id });
      return mapped;
    });
    await repo.markDirty(orgId, [row.stripe_customer_id]);
    if (row.status === 'canceled') {
      // Once per subscription, whichever event (updated, deleted, a redelivery) reports it first.
      await repo.logEvent({
        orgId,
        type: 'subscription.canceled',
        customer: row.stripe_customer_id,
        payload: {
          subscriptionId: row.stripe_subscription_id,
          planName: row.plan_name,
          amountCents: row.amount_cents,
          currency: row.currency,
        },
        occurredAt: row.canceled_at ?? new Date(event.created * 1000),
        dedupKey: `subscription.canceled:${row.stripe_subscription_id}`,
      });
    }
    return 'processed';
  }

  async function applyCharge(orgId: string, event: Stripe.Event): Promise<Outcome> {
    const repo = createStripeDataRepo(db);
    const charge = event.data.object as Stripe.Charge;
    const row = mapCharge(charge);
    if (!row) return 'skipped';
    if (event.type === 'charge.failed') {
      // One payment.failed per failed charge, however often the event arrives.
      await repo.logEvent({
        orgId,
        type: 'payment.failed',
        customer: row.stripe_customer_id,
        payload: {
          chargeId: charge.id,
          amountCents: charge.amount,
          currency: charge.currency,
          failureCode: charge.failure_code,
          failureMessage: charge.failure_message,
        },
        occurredAt: new Date(charge.created * 1000),
        dedupKey: `payment.failed:${charge.id}`,
      });
    }
    const outcome = await applyVersioned(
      orgId,
      'payments',
      charge.id,
      event,
      row,
      (r, v) => repo.upsertPayments(orgId, [r], v),
      async () => mapCharge(await callFor(orgId)((s, o) => s.charges.retrieve(charge.id, {}, o))),
    );
    if (outcome === 'processed') await repo.markDirty(orgId, [row.stripe_customer_id]);
    return outcome;
  }

  /** Every line of an invoice: an event (like the API) embeds only the first page of them. */
  async function invoiceLines(orgId: string, invoice: Stripe.Invoice): Promise<Stripe.InvoiceLineItem[]> {
    const lines = [...invoice.lines.data];
    if (!invoice.lines.has_more) return lines;
    if (!deps.platform) throw new Error(`invoice ${invoice.id} has more lines than its event carries`);
    for (let more = true; more;) {
      const page = await callFor(orgId)((s, o) =>
        s.invoices.listLineItems(invoice.id!, { limit: 100, ...(lines.length ? { starting_after: lines.at(-1)!.id } : {}) }, o),
      );
      lines.push(...page.data);
      more = page.has_more && page.data.length > 0;
    }
    return lines;
  }

  async function applyInvoice(orgId: string, event: Stripe.Event): Promise<Outcome> {
    const repo = createStripeDataRepo(db);
    const invoice = event.data.object as Stripe.Invoice;
    const row = mapInvoice(invoice, await invoiceLines(orgId, invoice));
    if (!row) return 'skipped';
    if (event.type === 'invoice.payment_succeeded' || event.type === 'invoice.paid') {
      await repo.touchLastSeen(orgId, row.stripe_customer_id, row.paid_at ?? new Date(event.created * 1000));
    }
    const outcome = await applyVersioned(
      orgId,
      'invoices',
      row.stripe_invoice_id,
      event,
      row,
      (r, v) => repo.upsertInvoices(orgId, [r], v),
      async () => {
        const fresh = await callFor(orgId)((s, o) => s.invoices.retrieve(row.stripe_invoice_id, {}, o));
        return mapInvoice(fresh, await invoiceLines(orgId, fresh));
      },
    );
    if (outcome === 'processed') await repo.markDirty(orgId, [row.stripe_customer_id]);
    return outcome;
  }

  async function applyRefund(orgId: string, event: Stripe.Event): Promise<Outcome> {
    const repo = createStripeDataRepo(db);
    const refund = event.data.object as Stripe.Refund;
    const outcome = await applyVersioned(
      orgId,
      'refunds',
      refund.id,
      event,
      mapRefund(refund),
      (r, v) => repo.upsertRefunds(orgId, [r], v),
      async () => mapRefund(await callFor(orgId)((s, o) => s.refunds.retrieve(refund.id, {}, o))),
    );
    const charge = typeof refund.charge === 'string' ? refund.charge : refund.charge?.id;
    const customer = charge ? await repo.customerOfCharge(orgId, charge) : null;
    if (outcome === 'processed' && customer) await repo.markDirty(orgId, [customer]);
    return outcome;
  }

  async function applyDispute(orgId: string, event: Stripe.Event): Promise<Outcome> {
    const repo = createStripeDataRepo(db);
    const dispute = event.data.object as Stripe.Dispute;
    const chargeId = typeof dispute.charge === 'string' ? dispute.charge : dispute.charge.id;
    // The dispute names its charge only; the customer is the stored charge's, or the charge read from Stripe.
    let customer = await repo.customerOfCharge(orgId, chargeId);
    if (!customer && deps.platform) {
      const charge = await callFor(orgId)((s, o) => s.charges.retrieve(chargeId, {}, o));
      customer = typeof charge.customer === 'string' ? charge.customer : (charge.customer?.id ?? null);
    }
    const row = mapDispute(dispute, customer);
    const outcome = await applyVersioned(
      orgId,
      'disputes',
      dispute.id,
      event,
      row,
      (r, v) => repo.upsertDisputes(orgId, [r], v),
      async () => mapDispute(await callFor(orgId)((s, o) => s.disputes.retrieve(dispute.id, {}, o)), customer),
    );
    await repo.markPaymentDisputed(orgId, chargeId);
    await logDisputeEvents(repo, orgId, [row]);
    if (customer) await repo.markDirty(orgId, [customer]);
    return outcome;
  }

  /** Prices, products and coupons keep the catalog that subscriptions are joined with. */
  async function applyCatalog(orgId: string, event: Stripe.Event, type: 'price' | 'product' | 'coupon'): Promise<Outcome> {
    const object = event.data.object as never;
    let row = catalogRow[type](object);
    const price = object as Stripe.Price;
    // A price event never carries its tiers (they are only served when asked for): read a tiered price again.
    if (type === 'price' && price.billing_scheme === 'tiered' && !price.tiers && deps.platform && !event.type.endsWith('.deleted')) {
      row = catalogRow.price(await callFor(orgId)((s, o) => s.prices.retrieve(price.id, { expand: ['tiers'] }, o)));
    }
    if (event.type.endsWith('.deleted')) row = { ...row, deleted: true };
    const written = await createStripeDataRepo(db).upsertCatalog(orgId, [row], { ts: event.created, eventId: event.id, strict: true });
    return written > 0 ? 'processed' : 'skipped';
  }

  return async function apply(orgId: string, event: Stripe.Event): Promise<Outcome> {
    if (event.type === 'account.application.deauthorized') {
      await deps.onDeauthorized(orgId);
      return 'processed';
    }
    // By the object an event carries, not by its name: `charge.dispute.*` carries a dispute, `charge.refund.*` a refund.
    const kind = (event.data.object as { object?: string }).object;
    switch (kind) {
      case 'customer':
        return applyCustomer(orgId, event);
      case 'subscription':
        return applySubscription(orgId, event);
      case 'charge':
        return applyCharge(orgId, event);
      case 'invoice':
        return applyInvoice(orgId, event);
      case 'refund':
        return applyRefund(orgId, event);
      case 'dispute':
        return applyDispute(orgId, event);
      case 'price':
      case 'product':
      case 'coupon':
        return applyCatalog(orgId, event, kind);
      default:
        return 'skipped';
    }
  };
}

import type { Kysely } from 'kysely';
import type Stripe from 'stripe';
import type { Database } from '../db/schema.js';
import { catalogRow, type CatalogService, type StripeCall } from './catalog.service.js';
import { mapCharge, mapCustomer, mapDispute, mapInvoice, mapRefund, type CustomerRow, type InvoiceRow } from './stripe.mapping.js';
import type { SourceVersion, StripeDataRepo } from './stripe-data.repo.js';
import type { StreamCursor, StreamName } from './sync-runs.repo.js';
import { mapSubscription, type SubscriptionRow } from './subscription.mapping.js';
import { logDisputeEvents } from './dispute-events.js';

/**
 * The lists a sync walks, and how each page becomes rows. Every request stays inside what Stripe allows: at
 * most four levels of `expand[]` (https://docs.stripe.com/api/expanding_objects), so prices with their tiers,
 * products and coupons are lists of their own (walked first, joined locally), and embedded lists that Stripe
 * cuts to a first page (invoice lines, subscription items) are paged to their end.
 */

export const PAGE_SIZE = 100;
const DAY = 86_400;
export const CHARGE_WINDOW_DAYS = 90;
export const INVOICE_WINDOW_DAYS = 365;
/** Disputes can be opened months after their charge (up to 120 days for most card networks), so a year of them. */
export const DISPUTE_WINDOW_DAYS = 365;

export type Lister = (params: Record<string, unknown>, options: Stripe.RequestOptions) => Promise<Stripe.ApiList<any>>;

export interface StreamContext {
  db: Kysely<Database>;
  orgId: string;
  runId: string;
  call: StripeCall;
  catalog: CatalogService;
}

export interface Skipped {
  type: string;
  id: string;
  reason: string;
}

/** A page turned into rows, with the objects that could not be mapped. */
export interface Prepared<R = unknown> {
  rows: R[];
  skipped: Skipped[];
  /** Objects left out on purpose (anonymous charges), counted apart from the rows. */
  ignored?: number;
}

export interface Stream<R = any> {
  list: (stripe: Stripe) => Lister;
  params: (cursor: StreamCursor) => Record<string, unknown>;
  /** Network work a page needs before it is written (paging sublists, reading missing catalog objects). */
  prepare: (objects: any[], ctx: StreamContext, fetchedAt: number) => Promise<Prepared<R>>;
  /** Writes one page inside the run's transaction; returns counters to add to the run. */
  write: (repo: StripeDataRepo, orgId: string, page: Prepared<R>, version: SourceVersion) => Promise<Record<string, number>>;
}

/** Maps each object on its own: one that cannot be mapped is skipped with its reason; the rest of the page goes on. */
export function mapEach<T extends { id?: string | null }, R>(type: string, objects: T[], map: (o: T) => R | null): Prepared<R> {
  const page: Prepared<R> = { rows: [], skipped: [], ignored: 0 };
  for (const o of objects) {
    try {
      const row = map(o);
      if (row === null) page.ignored!++;
      else page.rows.push(row);
    } catch (err) {
      page.skipped.push({ type, id: String(o.id ?? 'unknown'), reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return page;
}

const windowed = (c: StreamCursor) => ({ created: { gte: c.since, ...(c.until ? { lt: c.until } : {}) } });
const bind = <K extends keyof Stripe>(key: K, method = 'list') =>
  ((s: Stripe) => (s[key] as any)[method].bind(s[key])) as (s: Stripe) => Lister;

/** The catalog streams: small, walked before the others so that subscriptions find their prices stored. */
function catalogStream(type: 'price' | 'product' | 'coupon', list: (s: Stripe) => Lister, params: Record<string, unknown>): Stream {
  return {
    list,
    params: () => params,
    prepare: async (objects) => mapEach(type, objects, (o) => catalogRow[type](o)),
    write: async (repo, orgId, page, version) => ({ [`${type}s`]: await repo.upsertCatalog(orgId, page.rows, version) }),
  };
}

async function completeLines(invoices: Stripe.Invoice[], call: StripeCall): Promise<Map<string, Stripe.InvoiceLineItem[]>> {
  const complete = new Map<string, Stripe.InvoiceLineItem[]>();
  for (const invoice of invoices) {
    if (!invoice.lines.has_more || !invoice.id) continue;
    const lines = [...invoice.lines.data];
    for (let more = true; more;) {
      const page = await call((stripe, options) =>
        stripe.invoices.listLineItems(invoice.id!, { limit: PAGE_SIZE, starting_after: lines.at(-1)!.id }, options),
      );
      lines.push(...page.data);
      more = page.has_more && page.data.length > 0;
    }
    complete.set(invoice.id, lines);
  }
  return complete;
}

export const STREAMS: Record<StreamName, Stream> = {
  prices: catalogStream('price', bind('prices'), { expand: ['data.tiers'] }),
  products: catalogStream('product', bind('products'), {}),
  coupons: catalogStream('coupon', bind('coupons'), {}),
  customers: {
    list: bind('customers'),
    params: () => ({}),
    prepare: async (objects: Stripe.Customer[]) =>
      mapEach('customer', objects, (c) => {
        const row = mapCustomer(c);
        return 'deleted' in row ? null : row;
      }),
    write: async (repo, orgId, page: Prepared<CustomerRow>, version) => {
      await repo.upsertCustomers(orgId, page.rows, version);
      return { customers: page.rows.length };
    },
  },
  subscriptions: {
    list: bind('subscriptions'),
    // Canceled ones too. Subscription-level coupons come inline (four levels); item-level discounts as objects
    // whose coupons, like prices' tiers and products, come from the catalog.
    params: () => ({ status: 'all', expand: ['data.discounts.source.coupon', 'data.items.data.discounts'] }),
    prepare: async (objects: Stripe.Subscription[], ctx, fetchedAt) => {
      const catalog = await ctx.catalog.forSubscriptions(ctx.orgId, objects, ctx.call, fetchedAt);
      return mapEach('subscription', objects, (s) => mapSubscription(s, catalog));
    },
    write: async (repo, orgId, page: Prepared<SubscriptionRow>, version) => {
      await repo.upsertSubscriptions(orgId, page.rows, version);
      return { subscriptions: page.rows.length };
    },
  },
  charges: {
    list: bind('charges'),
    params: windowed,
    prepare: async (objects: Stripe.Charge[]) => mapEach('charge', objects, mapCharge),
    write: async (repo, orgId, page, version) => {
      await repo.upsertPayments(orgId, page.rows, version);
      return { payments: page.rows.length, anonymous_charges_skipped: page.ignored ?? 0 };
    },
  },
  invoices: {
    list: bind('invoices'),
    params: windowed,
    prepare: async (objects: Stripe.Invoice[], ctx) => {
      const lines = await completeLines(objects, ctx.call);
      return mapEach('invoice', objects, (i) => mapInvoice(i, lines.get(i.id!) ?? i.lines.data));
    },
    write: async (repo, orgId, page: Prepared<InvoiceRow>, version) => {
      await repo.upsertInvoices(orgId, page.rows, version);
      return { invoices: page.rows.length };
    },
  },
  refunds: {
    list: bind('refunds'),
    params: windowed,
    prepare: async (objects: Stripe.Refund[]) => mapEach('refund', objects, mapRefund),
    write: async (repo, orgId, page, version) => {
      await repo.upsertRefunds(orgId, page.rows, version);
      return { refunds: page.rows.length };
    },
  },
  disputes: {
    list: bind('disputes'),
    // The disputed charge comes inline for its customer: it may be older than the charges the sync reads.
    params: (c) => ({ ...windowed(c), expand: ['data.charge'] }),
    prepare: async (objects: Stripe.Dispute[]) => mapEach('dispute', objects, (d) => mapDispute(d, null)),
    write: async (repo, orgId, page, version) => {
      await repo.upsertDisputes(orgId, page.rows, version);
      await logDisputeEvents(repo, orgId, page.rows);
      return { disputes: page.rows.length };
    },
  },
};

/** Streams walked before the others, so that the join finds the catalog stored. */
export const CATALOG_STREAMS: ReadonlySet<StreamName> = new Set(['prices', 'products', 'coupons']);

/** Windowed lists are walked as several `created` ranges side by side: one long walk would be the slowest part. */
const PARTITIONS = 4;

function partitioned(name: StreamName, since: number, now: number): Record<string, StreamCursor> {
  const step = Math.ceil((now - since) / PARTITIONS);
  return Object.fromEntries(
    Array.from({ length: PARTITIONS }, (_, i) => [
      `${name}#${i}`,
      // The last range is open-ended, so objects created while the sync runs are not missed.
      { after: null, done: false, since: since + i * step, ...(i < PARTITIONS - 1 ? { until: since + (i + 1) * step } : {}) },
    ]),
  );
}

/** Where a run starts: every list from its first page, with the windows fixed now. */
export function initialCursors(now: number): Record<string, StreamCursor> {
  const start = { after: null, done: false };
  return {
    prices: start,
    products: start,
    coupons: start,
    customers: start,
    subscriptions: start,
    ...partitioned('charges', now - CHARGE_WINDOW_DAYS * DAY, now),
    ...partitioned('invoices', now - INVOICE_WINDOW_DAYS * DAY, now),
    refunds: { ...start, since: now - CHARGE_WINDOW_DAYS * DAY },
    disputes: { ...start, since: now - DISPUTE_WINDOW_DAYS * DAY },
  };
}

export const streamOf = (key: string) => key.split('#')[0] as StreamName;

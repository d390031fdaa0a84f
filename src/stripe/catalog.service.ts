import type { Kysely } from 'kysely';
import Stripe from 'stripe';
import type { Database } from '../db/schema.js';
import { type CatalogRow, type CatalogType, createStripeDataRepo } from './stripe-data.repo.js';
import { type CatalogLookup, couponData, type CouponData, priceData, type PriceData, type ProductData } from './subscription.mapping.js';

/**
 * The account's catalog (prices with tiers, products, coupons) as the sync and webhooks need it to map
 * subscriptions. The sync reads the catalog as lists of its own first; anything a subscription names that is
 * not stored yet (created since, or only reachable by id) is read from Stripe once and stored.
 */

/** Runs one Stripe call with the caller's retries, rate gate and account. */
export type StripeCall = <T>(fn: (stripe: Stripe, options: Stripe.RequestOptions) => Promise<T>) => Promise<T>;

export const catalogRow = {
  price: (p: Stripe.Price): CatalogRow => ({ object_type: 'price', stripe_id: p.id, data: { ...priceData(p) } }),
  product: (p: Stripe.Product | Stripe.DeletedProduct): CatalogRow =>
    'deleted' in p && p.deleted
      ? { object_type: 'product', stripe_id: p.id, data: { name: null }, deleted: true }
      : { object_type: 'product', stripe_id: p.id, data: { name: (p as Stripe.Product).name } },
  coupon: (c: Stripe.Coupon): CatalogRow => ({ object_type: 'coupon', stripe_id: c.id, data: { ...couponData(c) } }),
};

const notFound = (err: unknown) => err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404;

/** What a page of subscriptions names but does not carry inline. */
function wanted(subs: Stripe.Subscription[]) {
  const prices = new Set<string>();
  const products = new Set<string>();
  const coupons = new Set<string>();
  const discount = (d: string | Stripe.Discount) => {
    const c = typeof d === 'object' ? d.source?.coupon : null;
    if (typeof c === 'string') coupons.add(c);
  };
  for (const s of subs) {
    s.discounts?.forEach(discount);
    for (const item of s.items.data) {
      item.discounts?.forEach(discount);
      const price = item.price as Stripe.Price | null;
      if (!price || typeof price !== 'object') continue;
      if (price.billing_scheme === 'tiered' && !price.tiers) prices.add(price.id);
      if (typeof price.product === 'string') products.add(price.product);
    }
  }
  return { price: [...prices], product: [...products], coupon: [...coupons] };
}

export function createCatalogService(db: Kysely<Database>) {
  /**
   * Completes each subscription's items (a subscription embeds only their first page) and returns the catalog
   * the page needs, from storage and, for what is missing, from Stripe.
   */
  async function forSubscriptions(orgId: string, subs: Stripe.Subscription[], call: StripeCall, fetchedAt: number) {
    for (const s of subs) {
      if (!s.items.has_more) continue;
      const data = [...s.items.data];
      for (let more = true; more;) {
        const page = await call((stripe, options) =>
          stripe.subscriptionItems.list(
            { subscription: s.id, limit: 100, starting_after: data.at(-1)!.id, expand: ['data.discounts'] },
            options,
          ),
        );
        data.push(...page.data);
        more = page.has_more && page.data.length > 0;
      }
      s.items = { ...s.items, data, has_more: false };
    }
    const need = wanted(subs);
    const repo = createStripeDataRepo(db);
    const stored = await repo.catalog(
      orgId,
      (Object.keys(need) as CatalogType[]).map((type) => ({ type, ids: need[type] })),
    );
    // A stored tiered price without its tiers (from an event, which never carries them) is read again.
    const usable = stored.filter((r) => r.object_type !== 'price' || r.data.billing_scheme !== 'tiered' || r.data.tiers);
    const known = new Map(usable.map((r) => [`${r.object_type}:${r.stripe_id}`, r.data as Record<string, unknown>]));
    const fetched: CatalogRow[] = [];
    const fetchMissing = async <T>(type: CatalogType, ids: string[], read: (id: string) => Promise<T>, row: (o: T) => CatalogRow) => {
      for (const id of ids.filter((i) => !known.has(`${type}:${i}`))) {
        try {
          const r = row(await read(id));
          fetched.push(r);
          known.set(`${type}:${id}`, r.data);
        } catch (err) {
          // Gone at Stripe (a deleted coupon, say): the mapping decides what an unknown object means.
          if (!notFound(err)) throw err;
        }
      }
    };
    await fetchMissing(
      'price',
      need.price,
      (id) => call((stripe, options) => stripe.prices.retrieve(id, { expand: ['tiers'] }, options)),
      catalogRow.price,
    );
    await fetchMissing(
      'product',
      need.product,
      (id) => call((stripe, options) => stripe.products.retrieve(id, {}, options)),
      catalogRow.product,
    );
    await fetchMissing(
      'coupon',
      need.coupon,
      (id) => call((stripe, options) => stripe.coupons.retrieve(id, {}, options)),
      catalogRow.coupon,
    );
    if (fetched.length > 0) await repo.upsertCatalog(orgId, fetched, { ts: fetchedAt, eventId: null });
    const get =
      <T>(type: CatalogType) =>
      (id: string) =>
        known.get(`${type}:${id}`) as T | undefined;
    const lookup: CatalogLookup = {
      price: get<PriceData>('price'),
      product: (id) => {
        const p = get<ProductData & { name: string | null }>('product')(id);
        return p?.name ? p : undefined;
      },
      coupon: get<CouponData>('coupon'),
    };
    return lookup;
  }

  return { forSubscriptions };
}

export type CatalogService = ReturnType<typeof createCatalogService>;

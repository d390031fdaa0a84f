import { HIDDEN_TIERS } from './objects/catalog.js';
import { StripeApiError } from './errors.js';
import type { FormValue } from './form.js';
import type { Store } from './state.js';
import { truncateSublists } from './sublists.js';

/** Fields that hold the id of another object and can be replaced by it with `expand[]`. */
const EXPANDABLE = new Set([
  'customer',
  'product',
  'default_price',
  'latest_invoice',
  'discounts',
  'coupon',
  'subscription',
  'invoice',
  'charge',
  'subscription_item',
]);

/**
 * Expansions have a maximum depth of four levels, and on lists the `data` property is one of them: "the
 * deepest expansion allowed when listing charges is data.payment_intent.customer.default_source"
 * (https://docs.stripe.com/api/expanding_objects). So `data.items.data.price.product` (five) is refused.
 */
export const MAX_EXPAND_DEPTH = 4;

/**
 * Fields Stripe leaves out of an object unless they are asked for with `expand[]` ("Some available fields
 * aren't included in the responses by default", https://docs.stripe.com/api/expanding_objects): a price's
 * `tiers` (https://docs.stripe.com/api/prices/object#price_object-tiers, "only if requested") and, since API
 * version 2022-11-15, a charge's `refunds` (https://docs.stripe.com/upgrades#2022-11-15). Each entry computes
 * the field's value from the store.
 */
export type Includable = (store: Store, node: Record<string, any>) => unknown;
const INCLUDABLE = new Map<string, Map<string, Includable>>([
  // A per-unit price has no tiers: the field stays out even when asked for (the SDK types it as a list, never null).
  ['price', new Map<string, Includable>([['tiers', (store, node) => store.hidden(node.id)[HIDDEN_TIERS] ?? undefined]])],
]);

/** Makes `field` of objects of `type` appear only when expanded; `compute` gives its value. */
export function registerIncludable(type: string, field: string, compute: Includable): void {
  let fields = INCLUDABLE.get(type);
  if (!fields) INCLUDABLE.set(type, (fields = new Map()));
  fields.set(field, compute);
}

const invalid = (path: string, message: string) =>
  new StripeApiError(400, 'invalid_request_error', message, 'parameter_invalid', `expand[${path}]`);

export function expandPaths(value: FormValue | undefined): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => {
    if (typeof v !== 'string' || v === '')
      throw new StripeApiError(400, 'invalid_request_error', 'Invalid expand parameter', 'parameter_invalid', 'expand');
    return v;
  });
}

/** Returns a deep copy of `obj` with each `expand[]` path resolved and internal fields removed. */
export function render(store: Store, obj: Record<string, any>, paths: string[], listResponse = false): Record<string, any> {
  // Stored objects hold only Stripe's fields; expansion copies what it changes, so nothing stored is mutated.
  let out =
    listResponse && Array.isArray(obj.data) ? { ...obj, data: obj.data.map((o: unknown) => truncateSublists(o)) } : truncateSublists(obj);
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.length > MAX_EXPAND_DEPTH) {
      // Stripe's answer, as its clients report it: 400, code property_expansion_max_depth, this message.
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `You cannot expand more than ${MAX_EXPAND_DEPTH} levels of a property. Property: ${path}`,
        'property_expansion_max_depth',
      );
    }
    if (listResponse && segments[0] !== 'data')
      throw invalid(path, `This property cannot be expanded (${segments[0]}). You may want to try expanding 'data.${path}' instead.`);
    out = expandAt(store, out, segments, path);
  }
  return out;
}

function expandAt(store: Store, node: any, segments: string[], path: string): any {
  if (segments.length === 0 || node === null || node === undefined) return node;
  const [seg, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(node)) return node.map((n) => expandAt(store, n, segments, path));
  if (typeof node !== 'object') return node;
  const includable = INCLUDABLE.get(node.object)?.get(seg);
  if (includable) return { ...node, [seg]: expandAt(store, includable(store, node), rest, path) };
  if (!(seg in node)) throw invalid(path, `This property cannot be expanded (${seg}).`);
  const value = node[seg];
  // Expanding a field that is null answers null, as Stripe does (e.g. a subscription without latest_invoice).
  if (value === null) return node;
  if (EXPANDABLE.has(seg)) {
    const resolve = (v: any) => (typeof v === 'string' ? truncateSublists(store.get(v) ?? v) : v);
    const replaced = Array.isArray(value) ? value.map(resolve) : resolve(value);
    return { ...node, [seg]: expandAt(store, replaced, rest, path) };
  }
  if (typeof value === 'object') return { ...node, [seg]: expandAt(store, value, rest, path) };
  throw invalid(path, `This property cannot be expanded (${seg}).`);
}

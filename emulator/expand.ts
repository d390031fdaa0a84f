import { HIDDEN_TIERS } from './objects/catalog.js';
import { StripeApiError } from './errors.js';
import type { FormValue } from './form.js';
import type { Store } from './state.js';

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
const MAX_DEPTH = 4;

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
  let out = obj;
  for (const path of paths) {
    const segments = path.split('.');
    if (segments.filter((s) => s !== 'data').length > MAX_DEPTH) {
      throw invalid(path, `You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`);
    }
    if (listResponse && segments[0] !== 'data')
      throw invalid(path, `This property cannot be expanded (${segments[0]}). You may want to try expanding 'data.${path}' instead.`);
    out = expandAt(store, out, listResponse ? segments : segments, path, obj);
  }
  return out;
}

function expandAt(store: Store, node: any, segments: string[], path: string, original: any): any {
  if (segments.length === 0 || node === null || node === undefined) return node;
  const [seg, ...rest] = segments as [string, ...string[]];
  if (Array.isArray(node)) return node.map((n) => expandAt(store, n, segments, path, original));
  if (typeof node !== 'object') return node;
  if (seg === 'tiers' && node.object === 'price') {
    const raw = store.hidden(node.id)[HIDDEN_TIERS];
    return { ...node, tiers: raw ?? undefined };
  }
  if (!(seg in node)) throw invalid(path, `This property cannot be expanded (${seg}).`);
  const value = node[seg];
  if (EXPANDABLE.has(seg)) {
    const resolve = (v: any) => (typeof v === 'string' ? (store.get(v) ?? v) : v);
    const replaced = Array.isArray(value) ? value.map(resolve) : resolve(value);
    return { ...node, [seg]: expandAt(store, replaced, rest, path, original) };
  }
  if (value !== null && typeof value === 'object') return { ...node, [seg]: expandAt(store, value, rest, path, original) };
  throw invalid(path, `This property cannot be expanded (${seg}).`);
}

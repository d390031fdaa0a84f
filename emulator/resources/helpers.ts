import { missingResource } from '../errors.js';
import { allowOnly } from '../params.js';
import { expandPaths, render } from '../expand.js';
import { createdRange, paginate } from '../list.js';
import type { RequestContext } from '../router.js';
import type { StripeObject } from '../state.js';

export function find(ctx: RequestContext, type: string, id: string, noun = type): StripeObject {
  const obj = ctx.account.store.get(id, type);
  if (!obj || ctx.account.store.hidden(id)._deleted) throw missingResource(noun, id);
  return obj;
}

/** GET /v1/<things>/:id — only `expand` is accepted. */
export function retrieve(ctx: RequestContext, type: string, noun = type): Record<string, any> {
  allowOnly(ctx.params, []);
  return respond(ctx, find(ctx, type, ctx.path.id!, noun));
}

export function respond(ctx: RequestContext, obj: StripeObject): Record<string, any> {
  return render(ctx.account.store, obj, expandPaths(ctx.params.expand));
}

/** A Stripe list response over `items` (newest first), applying `created` and pagination. */
export function respondList(ctx: RequestContext, items: StripeObject[], url: string, noun: string) {
  const store = ctx.account.store;
  const inRange = createdRange(items, ctx.params.created);
  // Objects kept inside others (subscription items, invoice lines) are not in the store: those lists are scanned.
  const locate = (id: string) => (store.get(id) ? store.positionIn(inRange, id) : inRange.findIndex((o) => o.id === id));
  return render(store, paginate(inRange, ctx.params, url, noun, locate), expandPaths(ctx.params.expand), true);
}

/** Top-level fields whose values differ: Stripe's `previous_attributes` on `*.updated` events. */
export function previousAttributes(before: StripeObject, after: StripeObject): Record<string, unknown> {
  const prev: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (key.startsWith('_')) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) prev[key] = before[key] ?? null;
  }
  return prev;
}

export const clone = <T>(v: T): T => structuredClone(v);

export function update(ctx: RequestContext, before: StripeObject, after: StripeObject, eventType: string): StripeObject {
  const prev = previousAttributes(before, after);
  ctx.account.store.put(after);
  if (Object.keys(prev).length > 0) ctx.emulator.emit(ctx.account, eventType, after, prev);
  return after;
}

/**
 * Lists that Stripe embeds in an object only in part. An invoice carries "the total count of line items and
 * the first handful of those items", the rest being at the list's `url`
 * (https://docs.stripe.com/api/invoices/invoice_lines); a subscription's `items` is a list object of the same
 * kind, paged at `/v1/subscription_items?subscription=…` (https://docs.stripe.com/api/subscription_items/list).
 * The emulator keeps every entry and serves the first ten (the default page size of a list,
 * https://docs.stripe.com/api/pagination) with `has_more` — for subscription items this is stricter than
 * Stripe needs to be, so a client that pages is right either way.
 */
export const EMBEDDED_LIST_LIMIT = 10;

const SUBLISTS: Record<string, string[]> = { invoice: ['lines'], subscription: ['items'] };

/** A copy of `obj` whose embedded lists are cut to their first page; `obj` itself is not changed. */
export function truncateSublists<T>(obj: T): T {
  const fields = obj && typeof obj === 'object' ? SUBLISTS[(obj as { object?: string }).object ?? ''] : undefined;
  if (!fields) return obj;
  let out: Record<string, any> | null = null;
  for (const field of fields) {
    const list = (obj as Record<string, any>)[field];
    if (!list || !Array.isArray(list.data) || list.data.length <= EMBEDDED_LIST_LIMIT) continue;
    out ??= { ...(obj as Record<string, any>) };
    out[field] = { ...list, data: list.data.slice(0, EMBEDDED_LIST_LIMIT), has_more: true };
  }
  return (out ?? obj) as T;
}

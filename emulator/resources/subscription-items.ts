import { StripeApiError } from '../errors.js';
import { allowOnly, applyMetadata, int, requireStr, str } from '../params.js';
import type { RequestContext, Router } from '../router.js';
import type { StripeObject } from '../state.js';
import { clone, find, respond, respondList, update } from './helpers.js';
import { checkItems, itemFrom } from './subscriptions.js';

/** Subscription items: `/v1/subscription_items`, listed in the same order the subscription embeds them. */
export function registerSubscriptionItems(router: Router) {
  const findItem = (ctx: RequestContext, id: string) => {
    for (const sub of ctx.account.store.all('subscription')) {
      const item = sub.items.data.find((i: StripeObject) => i.id === id);
      if (item) return { sub, item: item as StripeObject };
    }
    throw new StripeApiError(404, 'invalid_request_error', `No such subscription item: '${id}'`, 'resource_missing', 'id');
  };
  const saveItems = (ctx: RequestContext, sub: StripeObject, data: StripeObject[]) => {
    const after = { ...clone(sub), items: { ...sub.items, data } };
    update(ctx, sub, after, 'customer.subscription.updated');
  };

  router.on('GET', '/v1/subscription_items', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'subscription']);
    const sub = find(ctx, 'subscription', requireStr(ctx.params, 'subscription'));
    // The same order as the subscription's embedded `items`, so that a client paging on from the embedded
    // first page with `starting_after` gets the rest.
    return respondList(ctx, sub.items.data, `/v1/subscription_items?subscription=${sub.id}`, 'subscription item');
  });
  router.on('GET', '/v1/subscription_items/:id', (ctx) => respond(ctx, findItem(ctx, ctx.path.id!).item));
  router.on('POST', '/v1/subscription_items', (ctx) => {
    allowOnly(ctx.params, ['subscription', 'price', 'quantity', 'metadata', 'discounts', 'proration_behavior', 'payment_behavior']);
    const sub = find(ctx, 'subscription', requireStr(ctx.params, 'subscription'));
    const first = sub.items.data[0];
    const period = { start: first?.current_period_start ?? ctx.emulator.now(), end: first?.current_period_end ?? ctx.emulator.now() };
    const { proration_behavior: _p, payment_behavior: _b, subscription: _s, ...itemParams } = ctx.params;
    const item = itemFrom(ctx, itemParams, 0, { id: sub.id, customer: sub.customer }, period) as StripeObject;
    checkItems([...sub.items.data, item], sub.billing_mode.type);
    saveItems(ctx, sub, [...sub.items.data, item]);
    return respond(ctx, item);
  });
  router.on('POST', '/v1/subscription_items/:id', (ctx) => {
    allowOnly(ctx.params, ['price', 'quantity', 'metadata', 'proration_behavior', 'payment_behavior']);
    const { sub, item } = findItem(ctx, ctx.path.id!);
    const next = { ...item };
    const priceId = str(ctx.params, 'price');
    if (priceId) next.price = { ...find(ctx, 'price', priceId) };
    const q = int(ctx.params, 'quantity');
    if (q !== undefined) next.quantity = q;
    next.metadata = applyMetadata(item.metadata, ctx.params.metadata);
    const data = sub.items.data.map((i: StripeObject) => (i.id === item.id ? next : i));
    checkItems(data, sub.billing_mode.type);
    saveItems(ctx, sub, data);
    return respond(ctx, next);
  });
  router.on('DELETE', '/v1/subscription_items/:id', (ctx) => {
    const { sub, item } = findItem(ctx, ctx.path.id!);
    if (sub.items.data.length === 1)
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'A subscription must have at least one active plan. To cancel a subscription, delete the subscription instead.',
      );
    saveItems(
      ctx,
      sub,
      sub.items.data.filter((i: StripeObject) => i.id !== item.id),
    );
    return { id: item.id, object: 'subscription_item', deleted: true };
  });
}

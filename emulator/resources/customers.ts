import { buildCustomer } from '../objects/customer.js';
import { allowOnly, applyMetadata, nullableStr, str } from '../params.js';
import type { Router } from '../router.js';
import type { StripeObject } from '../state.js';
import { cancelSubscription } from './subscriptions.js';
import { clone, find, respond, respondList, update } from './helpers.js';

const WRITABLE = ['name', 'email', 'description', 'phone', 'metadata'];

export function registerCustomers(router: Router) {
  router.on('POST', '/v1/customers', (ctx) => {
    allowOnly(ctx.params, WRITABLE);
    const customer = buildCustomer(ctx.emulator.context(ctx.account), {
      name: nullableStr(ctx.params, 'name'),
      email: nullableStr(ctx.params, 'email'),
      description: nullableStr(ctx.params, 'description'),
      phone: nullableStr(ctx.params, 'phone'),
      metadata: applyMetadata({}, ctx.params.metadata),
    }) as StripeObject;
    ctx.account.store.put(customer);
    ctx.emulator.emit(ctx.account, 'customer.created', customer);
    return respond(ctx, customer);
  });

  router.on('GET', '/v1/customers', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'created', 'email']);
    const email = str(ctx.params, 'email');
    const all = ctx.account.store.all('customer');
    const items = email === undefined ? all : all.filter((c) => c.email === email);
    return respondList(ctx, items, '/v1/customers', 'customer');
  });

  router.on('GET', '/v1/customers/:id', (ctx) => {
    const customer = ctx.account.store.get(ctx.path.id!, 'customer');
    if (customer && ctx.account.store.hidden(customer.id)._deleted) return { id: customer.id, object: 'customer', deleted: true };
    return respond(ctx, find(ctx, 'customer', ctx.path.id!));
  });

  router.on('POST', '/v1/customers/:id', (ctx) => {
    allowOnly(ctx.params, WRITABLE);
    const before = find(ctx, 'customer', ctx.path.id!);
    const after = clone(before);
    for (const k of ['name', 'email', 'description', 'phone']) {
      const v = nullableStr(ctx.params, k);
      if (v !== undefined) after[k] = v;
    }
    after.metadata = applyMetadata(before.metadata, ctx.params.metadata);
    return respond(ctx, update(ctx, before, after, 'customer.updated'));
  });

  router.on('DELETE', '/v1/customers/:id', (ctx) => {
    const customer = find(ctx, 'customer', ctx.path.id!);
    // Deleting a customer cancels their subscriptions immediately, as Stripe does.
    for (const sub of ctx.account.store.all('subscription')) {
      if (sub.customer === customer.id && sub.status !== 'canceled' && sub.status !== 'incomplete_expired') cancelSubscription(ctx, sub);
    }
    ctx.account.store.tombstone(customer);
    ctx.emulator.emit(ctx.account, 'customer.deleted', customer);
    return { id: customer.id, object: 'customer', deleted: true };
  });
}

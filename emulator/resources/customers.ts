import { buildCustomer } from '../objects/customer.js';
import { StripeApiError } from '../errors.js';
import { allowOnly, applyMetadata, nullableStr, objectOf, str } from '../params.js';
import type { RequestContext, Router } from '../router.js';
import type { StripeObject } from '../state.js';
import { cancelSubscription } from './subscriptions.js';
import { clone, find, respond, respondList, update } from './helpers.js';

const WRITABLE = ['name', 'email', 'description', 'phone', 'metadata', 'source', 'invoice_settings'];

/**
 * A customer's payment method as Stripe takes it: `source` (a token such as `tok_visa`) becomes a card and the
 * customer's `default_source`; `invoice_settings[default_payment_method]` names a PaymentMethod (`pm_…`) — the
 * emulator keeps no PaymentMethod objects, so it checks the id's form only
 * (https://docs.stripe.com/api/customers/create#create_customer-invoice_settings-default_payment_method).
 */
// An object named in a parameter that does not exist is a 400 (the URL's own object missing is the 404).
const noSuch = (what: string, id: string, param: string) =>
  new StripeApiError(400, 'invalid_request_error', `No such ${what}: '${id}'`, 'resource_missing', param);

function paymentMethodParams(ctx: RequestContext) {
  const out: { default_source?: string | null; default_payment_method?: string | null } = {};
  const source = nullableStr(ctx.params, 'source');
  if (source !== undefined) {
    if (source !== null && !source.startsWith('tok_')) throw noSuch('token', source, 'source');
    out.default_source = source === null ? null : ctx.emulator.context(ctx.account).ids.id('card', 24);
  }
  if (ctx.params.invoice_settings !== undefined) {
    const settings = objectOf(ctx.params.invoice_settings, 'invoice_settings');
    allowOnly(settings, ['default_payment_method']);
    const pm = nullableStr(settings, 'default_payment_method');
    if (pm && !pm.startsWith('pm_')) throw noSuch('PaymentMethod', pm, 'invoice_settings[default_payment_method]');
    if (pm !== undefined) out.default_payment_method = pm;
  }
  return out;
}

export function registerCustomers(router: Router) {
  router.on('POST', '/v1/customers', (ctx) => {
    allowOnly(ctx.params, WRITABLE);
    const methods = paymentMethodParams(ctx);
    const customer = buildCustomer(ctx.emulator.context(ctx.account), {
      defaultSource: methods.default_source ?? null,
      defaultPaymentMethod: methods.default_payment_method ?? null,
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
    const methods = paymentMethodParams(ctx);
    if (methods.default_source !== undefined) after.default_source = methods.default_source;
    if (methods.default_payment_method !== undefined)
      after.invoice_settings = { ...(before.invoice_settings as object), default_payment_method: methods.default_payment_method };
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

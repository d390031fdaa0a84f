import { StripeApiError } from '../errors.js';
import { buildCharge } from '../objects/charge.js';
import { buildInvoice } from '../objects/invoice.js';
import { allowOnly, applyMetadata, bool, nullableStr, oneOf, requireStr, str } from '../params.js';
import type { RequestContext, Router } from '../router.js';
import type { StripeObject } from '../state.js';
import { clone, find, respond, respondList, retrieve, update } from './helpers.js';

const notDraft = (inv: StripeObject, action: string) =>
  new StripeApiError(
    400,
    'invalid_request_error',
    `You can only ${action} an invoice in draft status; this invoice is ${inv.status}.`,
    'invoice_not_editable',
  );

function transition(
  ctx: RequestContext,
  before: StripeObject,
  change: (inv: StripeObject, now: number) => void,
  events: string[],
): StripeObject {
  const after = clone(before);
  change(after, ctx.emulator.now());
  ctx.account.store.put(after);
  for (const type of events) ctx.emulator.emit(ctx.account, type, after);
  return after;
}

export function registerInvoices(router: Router) {
  router.on('POST', '/v1/invoices', (ctx) => {
    allowOnly(ctx.params, ['customer', 'subscription', 'description', 'metadata', 'auto_advance', 'collection_method', 'currency']);
    const customer = find(ctx, 'customer', requireStr(ctx.params, 'customer'));
    const subId = str(ctx.params, 'subscription');
    if (subId) find(ctx, 'subscription', subId);
    const invoice = buildInvoice(ctx.emulator.context(ctx.account), {
      customer: customer.id,
      customer_email: customer.email,
      customer_name: customer.name,
      currency: str(ctx.params, 'currency') ?? customer.currency ?? ctx.account.defaultCurrency,
      status: 'draft',
      subscription: subId ?? null,
      billing_reason: 'manual',
      lines: [],
      description: nullableStr(ctx.params, 'description'),
      metadata: applyMetadata({}, ctx.params.metadata),
    }) as StripeObject;
    invoice.auto_advance = bool(ctx.params, 'auto_advance') ?? false;
    ctx.account.store.put(invoice);
    ctx.emulator.emit(ctx.account, 'invoice.created', invoice);
    return respond(ctx, invoice);
  });

  router.on('GET', '/v1/invoices', (ctx) => {
    allowOnly(ctx.params, [
      'limit',
      'starting_after',
      'ending_before',
      'created',
      'customer',
      'subscription',
      'status',
      'collection_method',
    ]);
    const customer = str(ctx.params, 'customer');
    const subscription = str(ctx.params, 'subscription');
    const status = oneOf(ctx.params, 'status', ['draft', 'open', 'paid', 'uncollectible', 'void'] as const);
    const all = ctx.account.store.all('invoice');
    const filtered = Boolean(customer || subscription || status);
    const items = filtered
      ? all.filter(
          (i) =>
            (!customer || i.customer === customer) &&
            (!subscription || i.parent?.subscription_details?.subscription === subscription) &&
            (!status || i.status === status),
        )
      : all;
    return respondList(ctx, items, '/v1/invoices', 'invoice');
  });

  router.on('GET', '/v1/invoices/:id', (ctx) => retrieve(ctx, 'invoice'));

  router.on('GET', '/v1/invoices/:id/lines', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before']);
    const invoice = find(ctx, 'invoice', ctx.path.id!);
    return respondList(ctx, invoice.lines.data, `/v1/invoices/${invoice.id}/lines`, 'invoice line item');
  });

  router.on('POST', '/v1/invoices/:id', (ctx) => {
    allowOnly(ctx.params, ['description', 'metadata', 'auto_advance']);
    const before = find(ctx, 'invoice', ctx.path.id!);
    const after = clone(before);
    const description = nullableStr(ctx.params, 'description');
    if (description !== undefined) {
      if (before.status !== 'draft') throw notDraft(before, 'change the description of');
      after.description = description;
    }
    const autoAdvance = bool(ctx.params, 'auto_advance');
    if (autoAdvance !== undefined) after.auto_advance = autoAdvance;
    after.metadata = applyMetadata(before.metadata, ctx.params.metadata);
    return respond(ctx, update(ctx, before, after, 'invoice.updated'));
  });

  router.on('DELETE', '/v1/invoices/:id', (ctx) => {
    const invoice = find(ctx, 'invoice', ctx.path.id!);
    if (invoice.status !== 'draft') throw notDraft(invoice, 'delete');
    ctx.account.store.tombstone(invoice);
    ctx.emulator.emit(ctx.account, 'invoice.deleted', invoice);
    return { id: invoice.id, object: 'invoice', deleted: true };
  });

  router.on('POST', '/v1/invoices/:id/finalize', (ctx) => {
    const invoice = find(ctx, 'invoice', ctx.path.id!);
    if (invoice.status !== 'draft') throw notDraft(invoice, 'finalize');
    const after = transition(
      ctx,
      invoice,
      (inv, now) => {
        inv.status = inv.amount_due === 0 ? 'paid' : 'open';
        inv.status_transitions.finalized_at = now;
        if (inv.status === 'paid') inv.status_transitions.paid_at = now;
        inv.number = `${inv.id.slice(3, 11).toUpperCase()}-0001`;
      },
      ['invoice.finalized'],
    );
    return respond(ctx, after);
  });

  router.on('POST', '/v1/invoices/:id/pay', (ctx) => {
    allowOnly(ctx.params, ['paid_out_of_band', 'source']);
    const invoice = find(ctx, 'invoice', ctx.path.id!);
    if (invoice.status === 'paid')
      throw new StripeApiError(400, 'invalid_request_error', 'Invoice is already paid.', 'invoice_already_paid');
    if (invoice.status === 'void')
      throw new StripeApiError(400, 'invalid_request_error', 'You cannot pay a void invoice.', 'invoice_not_editable');
    if (invoice.amount_due > 0 && ctx.params.paid_out_of_band !== 'true') {
      const charge = buildCharge(ctx.emulator.context(ctx.account), {
        amount: invoice.amount_due,
        currency: invoice.currency,
        customer: invoice.customer,
        status: 'succeeded',
        description: `Payment for invoice ${invoice.id}`,
      }) as StripeObject;
      ctx.account.store.put(charge);
      ctx.emulator.emit(ctx.account, 'charge.succeeded', charge);
    }
    const after = transition(
      ctx,
      invoice,
      (inv, now) => {
        inv.status = 'paid';
        inv.amount_paid = inv.amount_due;
        inv.amount_remaining = 0;
        inv.attempted = true;
        inv.attempt_count += 1;
        inv.status_transitions.finalized_at ??= now;
        inv.status_transitions.paid_at = now;
      },
      ['invoice.paid', 'invoice.payment_succeeded'],
    );
    return respond(ctx, after);
  });

  router.on('POST', '/v1/invoices/:id/void', (ctx) => {
    const invoice = find(ctx, 'invoice', ctx.path.id!);
    if (invoice.status !== 'open')
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `You can only void an open invoice; this invoice is ${invoice.status}.`,
        'invoice_not_editable',
      );
    const after = transition(
      ctx,
      invoice,
      (inv, now) => {
        inv.status = 'void';
        inv.amount_remaining = 0;
        inv.status_transitions.voided_at = now;
      },
      ['invoice.voided'],
    );
    return respond(ctx, after);
  });
}

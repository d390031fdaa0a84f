import { StripeApiError } from '../errors.js';
import { buildCharge, FAILURES } from '../objects/charge.js';
import { allowOnly, applyMetadata, int, nullableStr, requireStr, str } from '../params.js';
import type { Router } from '../router.js';
import type { StripeObject } from '../state.js';
import { clone, find, respond, respondList, retrieve, update } from './helpers.js';
import { invalidParam, missingParam } from '../errors.js';

/** Stripe's test tokens that make a charge fail, and the failure each one produces. */
export const DECLINING_TOKENS: Record<string, string> = {
  tok_chargeDeclined: 'card_declined',
  tok_chargeDeclinedInsufficientFunds: 'insufficient_funds',
  tok_chargeDeclinedExpiredCard: 'expired_card',
  tok_chargeDeclinedIncorrectCvc: 'incorrect_cvc',
  tok_chargeDeclinedProcessingError: 'processing_error',
  tok_chargeDeclinedFraudulent: 'fraudulent',
  tok_chargeDeclinedStolenCard: 'stolen_card',
  tok_chargeDeclinedLostCard: 'lost_card',
};

export function registerCharges(router: Router) {
  router.on('POST', '/v1/charges', (ctx) => {
    allowOnly(ctx.params, ['amount', 'currency', 'customer', 'description', 'metadata', 'source', 'receipt_email', 'capture']);
    const amount = int(ctx.params, 'amount');
    if (amount === undefined) throw missingParam('amount');
    if (amount < 50) throw invalidParam('amount', 'Amount must be at least 50 cents.');
    const currency = requireStr(ctx.params, 'currency');
    const customerId = str(ctx.params, 'customer');
    const customer = customerId ? find(ctx, 'customer', customerId) : null;
    const source = str(ctx.params, 'source');
    if (!customer && !source) throw missingParam('source');
    const failure = source ? DECLINING_TOKENS[source] : undefined;
    const pending = ctx.params.capture === 'false';
    const charge = buildCharge(ctx.emulator.context(ctx.account), {
      amount,
      currency,
      customer: customer?.id ?? null,
      status: failure ? 'failed' : pending ? 'pending' : 'succeeded',
      failure_code: failure ?? null,
      description: nullableStr(ctx.params, 'description'),
      metadata: applyMetadata({}, ctx.params.metadata),
      receipt_email: nullableStr(ctx.params, 'receipt_email') ?? customer?.email ?? null,
      billing_name: customer?.name ?? null,
    }) as StripeObject;
    ctx.account.store.put(charge);
    ctx.emulator.emit(ctx.account, failure ? 'charge.failed' : pending ? 'charge.pending' : 'charge.succeeded', charge);
    if (failure) {
      const f = FAILURES[failure]!;
      // Stripe answers a declined charge with a card error that names the (stored) failed charge.
      throw new StripeApiError(
        402,
        'card_error',
        f.message,
        failure === 'fraudulent' || failure === 'stolen_card' || failure === 'lost_card' ? 'card_declined' : failure,
        undefined,
        {
          charge: charge.id,
          decline_code: f.decline_code,
        },
      );
    }
    return respond(ctx, charge);
  });

  router.on('GET', '/v1/charges', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'created', 'customer', 'payment_intent']);
    const customer = str(ctx.params, 'customer');
    const all = ctx.account.store.all('charge');
    const items = customer ? all.filter((c) => c.customer === customer) : all;
    return respondList(ctx, items, '/v1/charges', 'charge');
  });
  router.on('GET', '/v1/charges/:id', (ctx) => retrieve(ctx, 'charge'));
  router.on('POST', '/v1/charges/:id', (ctx) => {
    allowOnly(ctx.params, ['description', 'metadata', 'receipt_email']);
    const before = find(ctx, 'charge', ctx.path.id!);
    const after = clone(before);
    for (const k of ['description', 'receipt_email']) {
      const v = nullableStr(ctx.params, k);
      if (v !== undefined) after[k] = v;
    }
    after.metadata = applyMetadata(before.metadata, ctx.params.metadata);
    return respond(ctx, update(ctx, before, after, 'charge.updated'));
  });
}

import type { EmulatorContext } from '../context.js';
import { invalidParam, missingParam, missingResource, StripeApiError } from '../errors.js';
import { registerIncludable } from '../expand.js';
import { applyRefund, refundableAmount } from '../objects/charge.js';
import { list, type Metadata } from '../objects/common.js';
import { buildRefund, REFUND_REASONS, type RefundReason } from '../objects/refund.js';
import { allowOnly, applyMetadata, bool, int, oneOf, str } from '../params.js';
import type { Router } from '../router.js';
import type { Account, StripeObject, Store } from '../state.js';
import { clone, find, previousAttributes, respond, respondList, retrieve } from './helpers.js';

/** A charge's refunds, newest first, as the list Stripe serves under `charge.refunds`. */
export function refundsOf(store: Store, chargeId: string): StripeObject[] {
  return store.all('refund').filter((r) => r.charge === chargeId);
}

/**
 * `charge.refunds` is served only when asked for: "The Charge object no longer auto-expands refunds" since API
 * version 2022-11-15, though "you can manually expand refunds"
 * (https://docs.stripe.com/changelog/2022-11-15/deprecates-charges-auto-expand). The list holds the 10 most
 * recent (https://docs.stripe.com/api/refunds/list: "The 10 most recent refunds are always available … on the
 * Charge object"), with `has_more` beyond them.
 */
registerIncludable('charge', 'refunds', (store, node) => {
  const all = refundsOf(store, node.id);
  return { ...list(all.slice(0, 10), `/v1/charges/${node.id}/refunds`), has_more: all.length > 10 };
});

export interface RefundOptions {
  amount: number;
  reason?: RefundReason | null;
  metadata?: Metadata;
  /** When the refund happens (history loaded from a scenario is in the past). */
  at: number;
  cardType?: 'refund' | 'reversal';
}

/**
 * Refunds part or all of a stored charge: stores the Refund and the charge with its `amount_refunded` and
 * `refunded` updated. No events: callers emit what their Stripe operation sends.
 */
export function refundCharge(emulator: EmulatorContext, account: Account, charge: StripeObject, options: RefundOptions) {
  const refund = buildRefund(
    { ...emulator.context(account), now: options.at },
    {
      amount: options.amount,
      charge: { id: charge.id, currency: charge.currency, customer: charge.customer, payment_method: charge.payment_method },
      reason: options.reason ?? null,
      metadata: options.metadata,
      created: options.at,
      cardType: options.cardType,
    },
  ) as StripeObject;
  account.store.put(refund);
  const after = clone(charge);
  applyRefund(after, options.amount);
  account.store.put(after);
  return { refund, charge: after };
}

const money = (amount: number, currency: string) => {
  try {
    const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount / 10 ** digits);
  } catch {
    return `${amount} ${currency}`;
  }
};

/** Why Stripe refuses to refund `amount` of a charge, if it does. */
function refusal(ctx: { account: Account }, charge: StripeObject, amount: number): StripeApiError | null {
  const bad = (message: string, code?: string, param?: string) => new StripeApiError(400, 'invalid_request_error', message, code, param);
  if (charge.status !== 'succeeded')
    return bad(`Charge ${charge.id} cannot be refunded because it has not succeeded.`, 'charge_not_refundable');
  // "charge_already_refunded: The charge you're attempting to refund has already been refunded" (https://docs.stripe.com/error-codes).
  if (charge.refunded) return bad(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
  // A chargeback has already taken the money back: only disputes with `is_charge_refundable` can be refunded
  // (https://docs.stripe.com/api/disputes/object#dispute_object-is_charge_refundable); "charge_disputed: The
  // charge you're attempting to refund has been charged back" (https://docs.stripe.com/error-codes).
  const dispute = ctx.account.store.all('dispute').find((d) => d.charge === charge.id);
  if (dispute && !dispute.is_charge_refundable)
    return bad(`Charge ${charge.id} has been charged back; cannot issue a refund.`, 'charge_disputed');
  if (!charge.captured && amount !== charge.amount)
    return bad(
      'You cannot partially refund an uncaptured charge. Instead, capture the charge for an amount less than the original amount',
      undefined,
      'amount',
    );
  // "This method will raise an error when called on an already-refunded charge, or when trying to refund more
  // money than is left on a charge" (https://docs.stripe.com/api/refunds/create).
  const left = refundableAmount(charge);
  if (amount > left)
    return bad(
      `Refund amount (${money(amount, charge.currency)}) is greater than unrefunded amount on charge (${money(left, charge.currency)})`,
      'amount_too_large',
      'amount',
    );
  return null;
}

export function registerRefunds(router: Router) {
  // https://docs.stripe.com/api/refunds/create
  router.on('POST', '/v1/refunds', (ctx) => {
    allowOnly(ctx.params, ['charge', 'amount', 'reason', 'metadata', 'payment_intent', 'refund_application_fee', 'reverse_transfer']);
    // Connect-only switches; the emulator has no application fees or transfers to reverse.
    bool(ctx.params, 'refund_application_fee');
    bool(ctx.params, 'reverse_transfer');
    const paymentIntent = str(ctx.params, 'payment_intent');
    // The emulator has no PaymentIntents: any id names a missing one.
    if (paymentIntent) throw missingResource('payment_intent', paymentIntent, 'payment_intent');
    const chargeId = str(ctx.params, 'charge');
    if (!chargeId) throw missingParam('charge');
    const charge = ctx.account.store.get(chargeId, 'charge');
    if (!charge) throw missingResource('charge', chargeId, 'charge');
    const amount = int(ctx.params, 'amount');
    if (amount !== undefined && amount <= 0) throw invalidParam('amount', 'Invalid positive integer');
    const reason = oneOf(ctx.params, 'reason', REFUND_REASONS);
    const refused = refusal(ctx, charge, amount ?? refundableAmount(charge));
    if (refused) throw refused;
    const released = !charge.captured;
    const before = clone(charge);
    const { refund, charge: after } = refundCharge(ctx.emulator, ctx.account, charge, {
      amount: amount ?? refundableAmount(charge),
      reason,
      metadata: applyMetadata({}, ctx.params.metadata),
      at: ctx.emulator.now(),
      // Refunding an uncaptured charge releases the authorization.
      cardType: released ? 'reversal' : 'refund',
    });
    // `refund.created` "Occurs whenever a refund is created" and `charge.refunded` "Occurs whenever a charge is
    // refunded, including partial refunds. Listen to `refund.created` for information about the refund"
    // (https://docs.stripe.com/api/charges, https://docs.stripe.com/api/refunds); refund.* events are sent for
    // refunds of charges since 2024-10-28.acacia (https://docs.stripe.com/changelog/acacia/2024-10-28/refund-webhook-update).
    ctx.emulator.emit(ctx.account, 'refund.created', refund);
    ctx.emulator.emit(ctx.account, 'charge.refunded', after, previousAttributes(before, after));
    return respond(ctx, refund);
  });

  // https://docs.stripe.com/api/refunds/list: `charge`, `payment_intent`, `created` and the usual pagination.
  router.on('GET', '/v1/refunds', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'created', 'charge', 'payment_intent']);
    const charge = str(ctx.params, 'charge');
    const paymentIntent = str(ctx.params, 'payment_intent');
    const all = charge ? refundsOf(ctx.account.store, charge) : ctx.account.store.all('refund');
    const items = paymentIntent ? all.filter((r) => r.payment_intent === paymentIntent) : all;
    return respondList(ctx, items, '/v1/refunds', 'refund');
  });

  router.on('GET', '/v1/refunds/:id', (ctx) => retrieve(ctx, 'refund'));

  // "This request only accepts metadata as an argument" (https://docs.stripe.com/api/refunds/update).
  router.on('POST', '/v1/refunds/:id', (ctx) => {
    allowOnly(ctx.params, ['metadata']);
    const before = find(ctx, 'refund', ctx.path.id!);
    const after = clone(before);
    after.metadata = applyMetadata(before.metadata ?? {}, ctx.params.metadata);
    const prev = previousAttributes(before, after);
    ctx.account.store.put(after);
    if (Object.keys(prev).length > 0) {
      // `refund.updated` "Occurs whenever a refund is updated"; `charge.refund.updated` "Occurs whenever a refund
      // is updated on selected payment methods" (https://docs.stripe.com/api/refunds) — cards among them.
      ctx.emulator.emit(ctx.account, 'refund.updated', after, prev);
      ctx.emulator.emit(ctx.account, 'charge.refund.updated', after, prev);
    }
    return respond(ctx, after);
  });

  // "Cancels a refund with a status of requires_action. You can't cancel refunds in other states"
  // (https://docs.stripe.com/api/refunds/cancel): card refunds succeed at once, so none can be canceled.
  router.on('POST', '/v1/refunds/:id/cancel', (ctx) => {
    allowOnly(ctx.params, []);
    const refund = find(ctx, 'refund', ctx.path.id!);
    throw new StripeApiError(
      400,
      'invalid_request_error',
      `Refund ${refund.id} cannot be canceled because it has a status of ${refund.status}. Only refunds with a status of requires_action can be canceled.`,
    );
  });
}

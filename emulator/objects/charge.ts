import { type BuildContext, emptyAddress, type Metadata } from './common.js';

/**
 * Decline codes, the messages Stripe shows for them, and Stripe's advice on retrying
 * (`outcome.advice_code`: https://docs.stripe.com/declines#retrying-issuer-declines).
 */
export const FAILURES: Record<
  string,
  { message: string; advice_code: string; decline_code: string; network_status: string; type: string }
> = {
  card_declined: {
    message: 'Your card was declined.',
    advice_code: 'try_again_later',
    decline_code: 'generic_decline',
    network_status: 'declined_by_network',
    type: 'issuer_declined',
  },
  insufficient_funds: {
    message: 'Your card has insufficient funds.',
    advice_code: 'try_again_later',
    decline_code: 'insufficient_funds',
    network_status: 'declined_by_network',
    type: 'issuer_declined',
  },
  expired_card: {
    message: 'Your card has expired.',
    advice_code: 'confirm_card_data',
    decline_code: 'expired_card',
    network_status: 'declined_by_network',
    type: 'issuer_declined',
  },
  incorrect_cvc: {
    message: "Your card's security code is incorrect.",
    advice_code: 'confirm_card_data',
    decline_code: 'incorrect_cvc',
    network_status: 'declined_by_network',
    type: 'issuer_declined',
  },
  processing_error: {
    message: 'An error occurred while processing your card. Try again in a little bit.',
    advice_code: 'try_again_later',
    decline_code: 'processing_error',
    network_status: 'declined_by_network',
    type: 'issuer_declined',
  },
  stolen_card: {
    message: 'Your card was declined.',
    advice_code: 'do_not_try_again',
    decline_code: 'stolen_card',
    network_status: 'declined_by_network',
    type: 'issuer_declined',
  },
  lost_card: {
    message: 'Your card was declined.',
    advice_code: 'do_not_try_again',
    decline_code: 'lost_card',
    network_status: 'declined_by_network',
    type: 'issuer_declined',
  },
  fraudulent: {
    message: 'Your card was declined.',
    advice_code: 'do_not_try_again',
    decline_code: 'fraudulent',
    network_status: 'not_sent_to_network',
    type: 'blocked',
  },
};

export type ChargeStatus = 'succeeded' | 'pending' | 'failed';

/**
 * Uncaptured charges expire after 7 days: "Uncaptured payments expire a set number of days after they are
 * created (7 by default), after which they are marked as refunded and capture attempts will fail"
 * (https://docs.stripe.com/api/charges/capture).
 */
export const CAPTURE_WINDOW_SECONDS = 7 * 86400;

export interface ChargeInput {
  id?: string;
  amount: number;
  currency: string;
  customer: string | null;
  status: ChargeStatus;
  failure_code?: string | null;
  description?: string | null;
  metadata?: Metadata;
  created?: number;
  receipt_email?: string | null;
  billing_name?: string | null;
  /**
   * False for an authorization to be captured later (`capture=false`). Such a charge is `succeeded`, `paid` and
   * not `captured`, with `amount_captured` 0: "If the charge was created without capturing, this Boolean
   * represents whether it is still uncaptured or has since been captured" and `paid` is "true if the charge
   * succeeded, or was successfully authorized for later capture" (https://docs.stripe.com/api/charges/object).
   */
  captured?: boolean;
}

export function buildCharge(ctx: BuildContext, input: ChargeInput) {
  const id = input.id ?? ctx.ids.id('ch', 24);
  const failed = input.status === 'failed';
  const code = failed ? (input.failure_code ?? 'card_declined') : null;
  const failure = code ? (FAILURES[code] ?? FAILURES.card_declined!) : null;
  const succeeded = input.status === 'succeeded';
  const captured = succeeded && input.captured !== false;
  return {
    id,
    object: 'charge',
    amount: input.amount,
    amount_captured: captured ? input.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    // An authorization moves no money yet: its balance transaction comes with the capture.
    balance_transaction: captured ? ctx.ids.id('txn', 24) : null,
    billing_details: {
      address: emptyAddress(),
      email: input.receipt_email ?? null,
      name: input.billing_name ?? null,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'PULSESCORE DEMO',
    captured,
    created: input.created ?? ctx.now,
    currency: input.currency.toLowerCase(),
    customer: input.customer,
    description: input.description ?? null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: code,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: ctx.account.livemode,
    metadata: input.metadata ?? {},
    on_behalf_of: null,
    outcome:
      input.status === 'pending'
        ? null
        : {
            advice_code: failure ? failure.advice_code : null,
            network_advice_code: null,
            network_decline_code: null,
            network_status: failure ? failure.network_status : 'approved_by_network',
            reason: failure ? failure.decline_code : null,
            seller_message: failure ? 'The bank did not return any further details with this decline.' : 'Payment complete.',
            type: failure ? failure.type : 'authorized',
          },
    paid: succeeded,
    payment_intent: null,
    payment_method: ctx.ids.id('card', 24),
    payment_method_details: null,
    receipt_email: input.receipt_email ?? null,
    receipt_number: null,
    receipt_url: succeeded ? `https://pay.stripe.com/receipts/${id}` : null,
    refunded: false,
    // No `refunds` list: "The Charge object no longer auto-expands refunds" since API version 2022-11-15
    // (https://docs.stripe.com/changelog/2022-11-15/deprecates-charges-auto-expand); `expand[]=refunds`
    // computes them (resources/refunds.ts).
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: input.status,
    transfer_data: null,
    transfer_group: null,
  };
}

/** What can still be refunded: the amount less what is already refunded (or released at capture). */
export const refundableAmount = (charge: Record<string, any>): number => charge.amount - charge.amount_refunded;

/**
 * Records a refund on a charge: `amount_refunded` grows and `refunded` becomes true only once the whole amount
 * is refunded — "If the charge is only partially refunded, this attribute will still be false"
 * (https://docs.stripe.com/api/charges/object#charge_object-refunded).
 */
export function applyRefund(charge: Record<string, any>, amount: number): void {
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
}

/**
 * A failed payment in plain words: will Stripe try again by itself, must the customer do something, or will
 * this card never work again — and what to do about it. Pure: the failure's codes and the next retry in, a
 * class and a sentence out.
 *
 * Sources: Stripe's decline codes (https://docs.stripe.com/declines/codes), the charge outcome's
 * `advice_code` (https://docs.stripe.com/api/charges/object#charge_object-outcome-advice_code: `try_again_later`,
 * `confirm_card_data`, `do_not_try_again`) and Smart Retries, which set an invoice's `next_payment_attempt`
 * (https://docs.stripe.com/billing/revenue-recovery/smart-retries).
 */

export type FailureClass = 'will_retry' | 'customer_action' | 'terminal';

export interface FailureInput {
  /** The charge's `failure_code` (e.g. `card_declined`, `expired_card`). */
  code: string | null;
  /** The issuer's reason (`outcome.reason`, the decline code: `insufficient_funds`, `stolen_card`, …). */
  declineCode?: string | null;
  /** Stripe's advice on retrying (`outcome.advice_code`). */
  adviceCode?: string | null;
  /** Unix seconds of Stripe's next automatic attempt (the invoice's `next_payment_attempt`); null when none. */
  nextRetryAt?: number | null;
  /** A dispute was opened on the payment. */
  disputed?: boolean;
}

export interface FailureAdvice {
  class: FailureClass;
  nextRetryAt: number | null;
  /** One plain sentence: what happened and what to do. */
  advice: string;
}

/** The card is gone for good: reported lost or stolen, blocked as fraud, or taken out of use by the bank. */
const TERMINAL = new Set([
  'stolen_card',
  'lost_card',
  'fraudulent',
  'pickup_card',
  'restricted_card',
  'merchant_blacklist',
  'security_violation',
  'revocation_of_authorization',
  'revocation_of_all_authorizations',
  'stop_payment_order',
]);

/** Only the customer can fix these: new card details, authentication, another payment method. */
const CUSTOMER_MUST_ACT: Record<string, string> = {
  expired_card: 'The card has expired: ask the customer to update their payment method.',
  incorrect_cvc: 'The card’s security code was wrong: ask the customer to re-enter their card details.',
  invalid_cvc: 'The card’s security code was wrong: ask the customer to re-enter their card details.',
  incorrect_number: 'The card number was wrong: ask the customer to re-enter their card details.',
  invalid_number: 'The card number was wrong: ask the customer to re-enter their card details.',
  invalid_expiry_month: 'The card’s expiry date was wrong: ask the customer to re-enter their card details.',
  invalid_expiry_year: 'The card’s expiry date was wrong: ask the customer to re-enter their card details.',
  authentication_required: 'The bank asks the customer to confirm the payment (3-D Secure): send them the invoice’s payment link.',
  card_not_supported: 'The card does not support this kind of payment: ask the customer for another payment method.',
  currency_not_supported: 'The card cannot be charged in this currency: ask the customer for another payment method.',
  new_account_information_available: 'The bank has new card details: ask the customer to update their payment method.',
  invalid_account: 'The card or account is no longer valid: ask the customer for another payment method.',
};

const date = (unix: number) =>
  new Date(unix * 1000).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

export function classifyFailure(input: FailureInput): FailureAdvice {
  const reason = input.declineCode ?? input.code ?? 'card_declined';
  const nextRetryAt = input.nextRetryAt ?? null;
  if (input.disputed) {
    return {
      class: 'terminal',
      nextRetryAt: null,
      advice:
        'The customer disputed the payment with their bank: answer the dispute in Stripe and talk to the customer before billing again.',
    };
  }
  if (TERMINAL.has(reason) || (input.adviceCode === 'do_not_try_again' && !CUSTOMER_MUST_ACT[reason])) {
    const what = reason === 'lost_card' || reason === 'stolen_card' ? `reported ${reason.replace('_card', '')}` : 'blocked by the bank';
    return {
      class: 'terminal',
      nextRetryAt: null,
      advice: `The card was ${what} and will never work again: the customer must add a new payment method (a possible fraud signal).`,
    };
  }
  const action = CUSTOMER_MUST_ACT[reason] ?? (input.adviceCode === 'confirm_card_data' ? CUSTOMER_MUST_ACT.incorrect_number : undefined);
  if (action) return { class: 'customer_action', nextRetryAt: null, advice: action };
  if (nextRetryAt !== null) {
    const funds = reason === 'insufficient_funds' ? 'Insufficient funds; ' : '';
    return {
      class: 'will_retry',
      nextRetryAt,
      advice: `${funds}Stripe will try again on ${date(nextRetryAt)}: nothing to do yet, unless it fails again.`,
    };
  }
  // Nothing more will happen by itself: no retry is scheduled (the last one failed, or it was a one-off charge).
  const funds = reason === 'insufficient_funds' ? 'There were insufficient funds and ' : 'The bank declined the card and ';
  return {
    class: 'customer_action',
    nextRetryAt: null,
    advice: `${funds}no retry is scheduled: ask the customer to pay the open invoice or use another card.`,
  };
}

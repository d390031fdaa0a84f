import { describe, expect, it } from 'vitest';
import { classifyFailure } from './payment-failures.js';

const NEXT = Date.UTC(2026, 11, 5) / 1000;

describe('failure classes', () => {
  it.each([
    [
      'a decline Stripe will retry',
      { code: 'card_declined', declineCode: 'generic_decline', nextRetryAt: NEXT },
      'will_retry',
      /Stripe will try again on Dec 5, 2026/,
    ],
    [
      'insufficient funds with a retry left',
      { code: 'card_declined', declineCode: 'insufficient_funds', nextRetryAt: NEXT },
      'will_retry',
      /^Insufficient funds; Stripe will try again/,
    ],
    [
      'insufficient funds after the last retry',
      { code: 'card_declined', declineCode: 'insufficient_funds', nextRetryAt: null },
      'customer_action',
      /insufficient funds and no retry is scheduled/,
    ],
    ['an expired card', { code: 'expired_card', nextRetryAt: NEXT }, 'customer_action', /expired: ask the customer to update/],
    ['authentication required', { code: 'authentication_required' }, 'customer_action', /3-D Secure/],
    [
      'Stripe advises confirming card data',
      { code: 'card_declined', adviceCode: 'confirm_card_data' },
      'customer_action',
      /re-enter their card details/,
    ],
    [
      'a stolen card',
      { code: 'card_declined', declineCode: 'stolen_card', nextRetryAt: NEXT },
      'terminal',
      /reported stolen and will never work again/,
    ],
    ['a lost card', { code: 'card_declined', declineCode: 'lost_card' }, 'terminal', /reported lost/],
    ['fraud', { code: 'card_declined', declineCode: 'fraudulent' }, 'terminal', /blocked by the bank/],
    [
      'Stripe advises not to try again',
      { code: 'card_declined', declineCode: 'do_not_honor', adviceCode: 'do_not_try_again' },
      'terminal',
      /never work again/,
    ],
    ['a dispute', { code: null, disputed: true }, 'terminal', /disputed the payment/],
    ['a one-off charge declined', { code: 'card_declined' }, 'customer_action', /no retry is scheduled/],
  ] as const)('%s', (_name, input, cls, advice) => {
    const result = classifyFailure(input);
    expect(result.class).toBe(cls);
    expect(result.advice).toMatch(advice);
    if (cls !== 'will_retry') expect(result.nextRetryAt).toBeNull();
  });
});

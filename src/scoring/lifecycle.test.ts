import { describe, expect, it } from 'vitest';
import { describeLifecycle, type LifecycleSubscription, lifecycleOf } from './lifecycle.js';

const DAY = 86_400;
const NOW = 1_800_000_000;
const sub = (over: Partial<LifecycleSubscription> = {}): LifecycleSubscription => ({
  status: 'active',
  cancelAtPeriodEnd: false,
  trialEnd: null,
  cancelAt: null,
  canceledAt: null,
  currentPeriodEnd: NOW + 20 * DAY,
  cancellationReason: null,
  mrr: 4900,
  ...over,
});

describe('lifecycle states', () => {
  it.each([
    ['no subscription, never paid', [], false, { state: 'no_billing', churn: null }],
    ['one-off payments only', [], true, { state: 'active', churn: null }],
    ['a paying subscription', [sub()], true, { state: 'active', churn: null }],
    ['a trial', [sub({ status: 'trialing', trialEnd: NOW + 5 * DAY, mrr: 0 })], false, { state: 'trialing', at: NOW + 5 * DAY }],
    ['past due', [sub({ status: 'past_due' })], true, { state: 'past_due' }],
    ['incomplete (first payment failed)', [sub({ status: 'incomplete' })], false, { state: 'past_due' }],
    ['paused collection', [sub({ status: 'paused' })], true, { state: 'past_due' }],
    [
      'past due beats a trial elsewhere',
      [sub({ status: 'trialing', trialEnd: NOW + DAY }), sub({ status: 'past_due' })],
      true,
      { state: 'past_due' },
    ],
    ['canceling at period end', [sub({ cancelAtPeriodEnd: true })], true, { state: 'canceling', at: NOW + 20 * DAY }],
    ['canceling at a date', [sub({ cancelAt: NOW + 3 * DAY })], true, { state: 'canceling', at: NOW + 3 * DAY }],
    ['one of two subscriptions canceling is still active', [sub({ cancelAtPeriodEnd: true }), sub()], true, { state: 'active' }],
    ['a 100 % coupon', [sub({ mrr: 0 })], false, { state: 'free' }],
    [
      'canceled by request',
      [sub({ status: 'canceled', canceledAt: NOW - DAY, cancellationReason: 'cancellation_requested' })],
      true,
      { state: 'churned', churn: 'voluntary', at: NOW - DAY },
    ],
    [
      'canceled for failed payments',
      [sub({ status: 'canceled', canceledAt: NOW - DAY, cancellationReason: 'payment_failed' })],
      true,
      { state: 'churned', churn: 'involuntary' },
    ],
    [
      'canceled for a dispute',
      [sub({ status: 'canceled', canceledAt: NOW - DAY, cancellationReason: 'payment_disputed' })],
      true,
      { state: 'churned', churn: 'involuntary' },
    ],
    ['unpaid (Stripe stopped trying)', [sub({ status: 'unpaid' })], true, { state: 'churned', churn: 'involuntary' }],
    [
      'the latest of several cancellations decides',
      [
        sub({ status: 'canceled', canceledAt: NOW - 90 * DAY, cancellationReason: 'payment_failed' }),
        sub({ status: 'canceled', canceledAt: NOW - DAY }),
      ],
      true,
      { state: 'churned', churn: 'voluntary' },
    ],
    ['a first payment that never completed', [sub({ status: 'incomplete_expired' })], false, { state: 'churned', churn: 'involuntary' }],
  ] as const)('%s', (_name, subs, hasPaid, expected) => {
    expect(lifecycleOf([...subs], hasPaid)).toMatchObject(expected);
  });

  it('says a trial’s end in days, never a health verdict', () => {
    expect(describeLifecycle({ state: 'trialing', churn: null, at: NOW + 5 * DAY - 60 }, NOW)).toBe('Trial — ends in 5 days');
    expect(describeLifecycle({ state: 'trialing', churn: null, at: NOW + 3600 }, NOW)).toBe('Trial — ends in 1 day');
    expect(describeLifecycle({ state: 'churned', churn: 'involuntary', at: null }, NOW)).toBe('Churned (payment failed)');
  });
});

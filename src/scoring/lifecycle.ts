/**
 * Where a customer stands in its billing life, before any health verdict: a trial is not a health verdict, a
 * customer who left is not "at risk", and one billed nothing is not "healthy". Pure: subscriptions, whether
 * money was ever received, and a clock in; a state out.
 */

export const LIFECYCLE_STATES = ['trialing', 'active', 'past_due', 'canceling', 'churned', 'free', 'no_billing'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

export interface LifecycleSubscription {
  status: string;
  cancelAtPeriodEnd: boolean;
  /** Unix seconds. */
  trialEnd: number | null;
  cancelAt: number | null;
  canceledAt: number | null;
  currentPeriodEnd: number | null;
  /** Stripe's `cancellation_details.reason`: `cancellation_requested`, `payment_failed`, `payment_disputed`. */
  cancellationReason: string | null;
  /** What the subscription bills per month now, in its currency's minor unit (0 on a 100 % coupon). */
  mrr: number;
}

export interface Lifecycle {
  state: LifecycleState;
  /** For `churned`: whether the customer chose to leave, or payments failing (or a dispute) ended it. */
  churn: 'voluntary' | 'involuntary' | null;
  /** Unix seconds: when the trial ends (`trialing`), or when the subscription ends (`canceling`), or ended (`churned`). */
  at: number | null;
}

/** Subscriptions that still bill, or will: everything but the ended ones. */
const LIVE = new Set(['active', 'past_due', 'unpaid', 'trialing', 'paused', 'incomplete']);
/** A subscription ended because it could not be paid (https://docs.stripe.com/api/subscriptions/object#subscription_object-cancellation_details-reason). */
const INVOLUNTARY = new Set(['payment_failed', 'payment_disputed']);

const earliest = (values: (number | null)[]) => {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.min(...known) : null;
};

/**
 * The state, most telling first: money owed (past due, or a subscription Stripe stopped collecting), a trial,
 * a cancellation that is coming, nothing billed, then active. With no live subscription the customer has
 * churned (or was never billed).
 */
export function lifecycleOf(subs: LifecycleSubscription[], hasPaid: boolean): Lifecycle {
  const live = subs.filter((s) => LIVE.has(s.status));
  if (live.length === 0) {
    // Ended subscriptions: churned, by the reason of the last one to end (unpaid ones end in `canceled` or stay `unpaid`).
    const ended = subs.filter((s) => s.status === 'canceled' || s.status === 'incomplete_expired');
    if (ended.length === 0) return { state: hasPaid ? 'active' : 'no_billing', churn: null, at: null };
    const last = [...ended].sort((a, b) => (b.canceledAt ?? 0) - (a.canceledAt ?? 0))[0]!;
    const involuntary = last.status === 'incomplete_expired' || INVOLUNTARY.has(last.cancellationReason ?? '');
    return { state: 'churned', churn: involuntary ? 'involuntary' : 'voluntary', at: last.canceledAt };
  }
  if (live.some((s) => s.status === 'unpaid')) {
    // Stripe stopped trying: revenue is gone until the customer pays, which is involuntary churn in the making.
    const unpaid = live.filter((s) => s.status === 'unpaid');
    if (unpaid.length === live.length) return { state: 'churned', churn: 'involuntary', at: null };
  }
  if (live.some((s) => s.status === 'past_due' || s.status === 'unpaid' || s.status === 'incomplete' || s.status === 'paused')) {
    return { state: 'past_due', churn: null, at: null };
  }
  if (live.every((s) => s.status === 'trialing')) {
    return { state: 'trialing', churn: null, at: earliest(live.map((s) => s.trialEnd)) };
  }
  const billing = live.filter((s) => s.status === 'active');
  if (billing.length > 0 && billing.every((s) => s.cancelAtPeriodEnd || s.cancelAt !== null)) {
    return { state: 'canceling', churn: null, at: earliest(billing.map((s) => s.cancelAt ?? s.currentPeriodEnd)) };
  }
  // Billed, but for nothing now (a 100 % coupon, a free plan): neither revenue nor a payment habit to judge.
  if (billing.every((s) => s.mrr <= 0)) return { state: 'free', churn: null, at: null };
  return { state: 'active', churn: null, at: null };
}

/** The state in a few words, as the customer page and list show it ("Trial — ends in 5 days"). */
export function describeLifecycle(l: Lifecycle, now: number): string {
  const days = (at: number) => Math.max(0, Math.ceil((at - now) / 86_400));
  const inDays = (at: number | null) => (at === null ? '' : ` — ends in ${days(at)} ${days(at) === 1 ? 'day' : 'days'}`);
  switch (l.state) {
    case 'trialing':
      return `Trial${inDays(l.at)}`;
    case 'active':
      return 'Active';
    case 'past_due':
      return 'Past due';
    case 'canceling':
      return `Canceling${inDays(l.at)}`;
    case 'churned':
      return l.churn === 'involuntary' ? 'Churned (payment failed)' : 'Churned';
    case 'free':
      return 'Free (billed nothing)';
    case 'no_billing':
      return 'No billing';
  }
}

/** A lifecycle as stored on the customer row (null before the first score). */
export function storedLifecycle(row: {
  lifecycle_state: string | null;
  lifecycle_churn?: string | null;
  lifecycle_at?: Date | null;
}): Lifecycle | null {
  if (!row.lifecycle_state || !(LIFECYCLE_STATES as readonly string[]).includes(row.lifecycle_state)) return null;
  return {
    state: row.lifecycle_state as LifecycleState,
    churn: row.lifecycle_churn === 'voluntary' || row.lifecycle_churn === 'involuntary' ? row.lifecycle_churn : null,
    at: row.lifecycle_at ? row.lifecycle_at.getTime() / 1000 : null,
  };
}

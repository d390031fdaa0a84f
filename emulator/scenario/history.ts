import type { Random } from '../random.js';
import type { ScenarioInput } from './schema.js';

/**
 * The long history (`history: 'long'`): 18 months of a business in which customers really leave, so that a
 * backtest of a health score over it has something to find — and something to miss. Churn is spread over the
 * last twelve months (the invoices a one-year sync imports); some churners showed warning signs beforehand
 * (a downgrade, renewals paid late, renewals failing), some none; healthy customers now and then had a renewal
 * declined and paid a few days later. Nothing here looks at what a score would say: the rules below only decide
 * what happened and when, each drawn at random.
 */

export type CustomerSpec = ScenarioInput['accounts'][number]['customers'] extends (infer C)[] | undefined ? C : never;
export type SubSpec = NonNullable<CustomerSpec['subscriptions']>[number];

const days = (n: number) => `-${n}d`;
/** About 18 months, in days: the oldest subscription start of the long history. */
const HISTORY_DAYS = 545;

/**
 * The churners, the customers who pay late but stay (a score's false alarms, as in any real business), and the
 * healthy customers with the odd declined renewal; only in the long history.
 */
export const HISTORY_PERSONAS = {
  churned_after_downgrade: {
    weight: 6,
    expected: 'red',
    note: 'removed seats or moved to a cheaper plan 40–120 days before canceling (voluntary)',
  },
  churned_after_late_payments: {
    weight: 4,
    expected: 'red',
    note: 'one to three renewals declined and paid 4–12 days late in the five months before canceling (voluntary)',
  },
  churned_silently: { weight: 6, expected: 'red', note: 'paid on time, never downgraded, then canceled (voluntary, no warning sign)' },
  churned_payment_failed: {
    weight: 5,
    expected: 'red',
    note: 'renewals failing for 2–6 weeks, then canceled by Stripe (cancellation_details.reason payment_failed, involuntary)',
  },
  churned_unpaid: { weight: 2, expected: 'red', note: 'renewals failing, then marked unpaid by Stripe (involuntary)' },
  late_payer: {
    weight: 8,
    expected: 'yellow',
    note: 'stays, but two to four renewals over the 18 months were declined for 1–4 weeks before they were paid',
  },
  healthy_odd_failure: {
    weight: 8,
    expected: 'green',
    note: 'pays monthly; one or two renewals over the months were declined and paid 2–6 days later',
  },
} as const;

export type HistoryPersonaKind = keyof typeof HISTORY_PERSONAS;

export const isHistoryKind = (kind: string): kind is HistoryPersonaKind => kind in HISTORY_PERSONAS;

/** Renewals declined at first and paid late, at `count` random moments between `from` and `to` days ago. */
function lateRenewals(r: Random, count: number, from: number, to: number, maxDays: [number, number]): SubSpec['late_renewals'] {
  return Array.from({ length: count }, () => ({
    at: days(r.int(Math.min(from, to), Math.max(from, to))),
    paid_after_days: r.int(maxDays[0], maxDays[1]),
    failure_code: r.pick(['card_declined', 'insufficient_funds', 'expired_card']),
  }));
}

/** The subscription of a long-history persona. */
export function historySubscription(kind: HistoryPersonaKind, r: Random): SubSpec {
  // When the customer left (days ago), within the last year; and when it started, months before that.
  const churn = r.int(14, 345);
  const start = Math.min(HISTORY_DAYS, churn + r.int(120, 420));
  const plan = r.pick(['starter-monthly', 'pro-monthly', 'pro-monthly', 'pro-quarterly']);
  const canceled = { canceled_at: days(churn), cancellation_reason: 'cancellation_requested' as const };
  switch (kind) {
    case 'churned_after_downgrade': {
      const change = days(churn + r.int(40, Math.min(120, start - churn - 20)));
      if (r.chance(0.5)) {
        const seats = r.int(8, 20);
        return {
          start: days(start),
          items: [{ price: 'team-seat', quantity: seats }],
          changes: [{ at: change, items: [{ price: 'team-seat', quantity: r.int(2, 5) }] }],
          ...canceled,
        };
      }
      return {
        start: days(start),
        items: [{ price: 'pro-monthly', quantity: 1 }],
        changes: [{ at: change, items: [{ price: 'starter-monthly', quantity: 1 }] }],
        ...canceled,
      };
    }
    case 'churned_after_late_payments':
      return {
        start: days(start),
        items: [{ price: r.pick(['starter-monthly', 'pro-monthly']), quantity: 1 }],
        late_renewals: lateRenewals(r, r.int(1, 3), churn + 20, Math.min(start - 5, churn + 150), [4, 12]),
        ...canceled,
      };
    case 'churned_silently':
      return { start: days(start), items: [{ price: plan, quantity: 1 }], ...canceled };
    case 'churned_payment_failed': {
      const failing = churn + r.int(14, 42);
      return {
        start: days(Math.max(start, failing + 35)),
        items: [{ price: r.pick(['starter-monthly', 'pro-monthly']), quantity: 1 }],
        unpaid_since: days(failing),
        failure_codes: [r.pick(['insufficient_funds', 'card_declined', 'expired_card']), 'insufficient_funds'],
        retries: r.int(2, 4),
        // Some had a renewal paid late months before their card stopped working.
        ...(r.chance(0.3) ? { late_renewals: lateRenewals(r, 1, failing + 60, failing + 200, [3, 8]) } : {}),
        canceled_at: days(churn),
        cancellation_reason: 'payment_failed',
      };
    }
    case 'churned_unpaid': {
      // Stripe keeps billing an unpaid subscription's periods (left open), so these churned recently.
      const failing = r.int(35, 120);
      return {
        start: days(Math.min(HISTORY_DAYS, failing + r.int(90, 400))),
        items: [{ price: r.pick(['starter-monthly', 'pro-monthly']), quantity: 1 }],
        unpaid_since: days(failing),
        failure_codes: ['insufficient_funds', 'card_declined'],
        retries: 3,
        status: 'unpaid',
      };
    }
    case 'late_payer': {
      const since = r.int(240, HISTORY_DAYS);
      return {
        start: days(since),
        items: [{ price: r.pick(['starter-monthly', 'pro-monthly', 'pro-quarterly']), quantity: 1 }],
        late_renewals: lateRenewals(r, r.int(2, 4), 10, since - 5, [8, 28]),
      };
    }
    case 'healthy_odd_failure': {
      const since = r.int(200, HISTORY_DAYS);
      return {
        start: days(since),
        items: [{ price: r.pick(['starter-monthly', 'pro-monthly']), quantity: 1 }],
        late_renewals: lateRenewals(r, r.int(1, 2), 20, since - 5, [2, 6]),
      };
    }
  }
}

/**
 * A present-day persona's subscription moved into the long history: steady customers started anywhere in the 18
 * months (their seat changes and failures stay where they were, in the recent past), and one in eight healthy
 * monthly payers had a renewal declined and paid a few days later at some point.
 */
export function lengthen(kind: string, sub: SubSpec | null, r: Random): SubSpec | null {
  if (!sub) return sub;
  switch (kind) {
    case 'healthy_monthly': {
      const since = r.int(90, HISTORY_DAYS);
      return {
        ...sub,
        start: days(since),
        ...(r.chance(0.125) ? { late_renewals: lateRenewals(r, 1, 20, since - 5, [2, 5]) } : {}),
      };
    }
    case 'growing':
    case 'shrinking':
    case 'foreign_currency':
    case 'multi_item':
    case 'canceling':
    case 'recovered_failure':
      return { ...sub, start: days(r.int(90, HISTORY_DAYS)) };
    case 'past_due':
      return { ...sub, start: `-45d-${r.int(2, 16)}mo` };
    case 'hard_decline':
      return { ...sub, start: `-20d-${r.int(2, 16)}mo` };
    default:
      return sub;
  }
}

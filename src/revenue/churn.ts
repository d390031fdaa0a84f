/**
 * Churn split into voluntary (the customer chose to leave) and involuntary (payments failing, a dispute, or
 * Stripe giving up on collection ended it). Pure: churn events in, counts and MRR lost per window out.
 *
 * A churn event is a movement of the MRR history to zero in one currency (`movement = 'churn'`): revenue that
 * was there and is gone. A trial that never paid is not one (it had no MRR). Each event is classed by the
 * subscription that ended with it (the customer's ended subscription in that currency nearest in time), else by
 * the customer's lifecycle.
 */

/** Stripe's `cancellation_details.reason` values meaning the payment, not the customer, ended it. */
const INVOLUNTARY_REASONS = new Set(['payment_failed', 'payment_disputed']);
/** Subscription statuses meaning collection failed: Stripe stopped trying, or the first payment never came. */
const INVOLUNTARY_STATUSES = new Set(['unpaid', 'incomplete_expired']);

export type ChurnKind = 'voluntary' | 'involuntary';

export interface ChurnEvent {
  customerId: string;
  currency: string;
  /** MRR lost, in minor units of `currency` (positive). */
  lost: number;
  /** Unix seconds. */
  at: number;
  /** The ended subscription the event is put down to, when there is one. */
  subscription: { status: string; cancellationReason: string | null } | null;
  /** The customer's stored lifecycle churn, when it is churned now. */
  customerChurn: ChurnKind | null;
}

export function churnKind(event: Pick<ChurnEvent, 'subscription' | 'customerChurn'>): ChurnKind {
  const sub = event.subscription;
  if (sub) {
    return INVOLUNTARY_STATUSES.has(sub.status) || INVOLUNTARY_REASONS.has(sub.cancellationReason ?? '') ? 'involuntary' : 'voluntary';
  }
  return event.customerChurn ?? 'voluntary';
}

export interface ChurnBucket {
  /** Distinct customers. */
  customers: number;
  /** MRR lost per currency, minor units; never added across currencies. */
  mrr: Record<string, number>;
}

export interface ChurnWindow {
  days: number;
  voluntary: ChurnBucket;
  involuntary: ChurnBucket;
}

/** Churn in each window of `days` ending at `now` (unix seconds): an event counts when now − days < at ≤ now. */
export function splitChurn(events: readonly ChurnEvent[], now: number, windows: readonly number[]): ChurnWindow[] {
  return windows.map((days) => {
    const since = now - days * 86_400;
    const customers = { voluntary: new Set<string>(), involuntary: new Set<string>() };
    const mrr = { voluntary: {} as Record<string, number>, involuntary: {} as Record<string, number> };
    for (const e of events) {
      if (e.at <= since || e.at > now) continue;
      const kind = churnKind(e);
      customers[kind].add(e.customerId);
      mrr[kind][e.currency] = (mrr[kind][e.currency] ?? 0) + e.lost;
    }
    return {
      days,
      voluntary: { customers: customers.voluntary.size, mrr: mrr.voluntary },
      involuntary: { customers: customers.involuntary.size, mrr: mrr.involuntary },
    };
  });
}

import type { DisputeRow } from './stripe.mapping.js';
import type { StripeDataRepo } from './stripe-data.repo.js';

/**
 * A dispute is recorded in the organization's event log as `payment.disputed`, once per dispute whichever way
 * PulseScore learns of it first (a sync or a `charge.dispute.*` webhook), for scoring, alerts and timelines.
 */
export async function logDisputeEvents(repo: StripeDataRepo, orgId: string, disputes: DisputeRow[]): Promise<void> {
  for (const d of disputes) {
    if (!d.stripe_customer_id) continue;
    await repo.logEvent({
      orgId,
      type: 'payment.disputed',
      customer: d.stripe_customer_id,
      payload: {
        disputeId: d.stripe_dispute_id,
        chargeId: d.stripe_charge_id,
        amountCents: d.amount_cents,
        currency: d.currency,
        reason: d.reason,
        status: d.status,
      },
      occurredAt: d.opened_at,
      dedupKey: `payment.disputed:${d.stripe_dispute_id}`,
    });
  }
}

import type { EmulatorContext } from '../context.js';
import { buildCharge } from '../objects/charge.js';
import type { Account, StripeObject } from '../state.js';
import { resolveTime, type ScenarioSubscription } from './schema.js';

const DAY = 86_400;

export interface LateRenewal {
  at: number;
  paidAfterDays: number;
  failureCode: string;
}

/**
 * A subscription's late renewals, each taken by the first renewal billed at or after its `at` (a period already
 * failing for `unpaid_since` takes none).
 */
export function lateRenewals(spec: ScenarioSubscription, now: number) {
  const pending: LateRenewal[] = (spec.late_renewals ?? [])
    .map((l) => ({ at: resolveTime(l.at, now), paidAfterDays: l.paid_after_days, failureCode: l.failure_code ?? 'card_declined' }))
    .sort((a, b) => a.at - b.at);
  return {
    take(periodStart: number): LateRenewal | null {
      const k = pending.findIndex((l) => l.at <= periodStart);
      return k < 0 ? null : pending.splice(k, 1)[0]!;
    },
  };
}

/**
 * A renewal invoice whose first charge was declined (billed with outcome `failed`): retried every two days with
 * the same decline until it is paid `paidAfterDays` after it was billed — a successful charge, the invoice paid
 * then. Returns whether it is still unpaid now (the payment lies in the future: the subscription is past due).
 */
export function payLate(emulator: EmulatorContext, account: Account, invoice: StripeObject, late: LateRenewal, now: number): boolean {
  const billed = invoice.created as number;
  const paidAt = billed + late.paidAfterDays * DAY;
  const charge = (at: number, status: 'failed' | 'succeeded') =>
    account.store.put(
      buildCharge(
        { ...emulator.context(account), now: at },
        {
          amount: invoice.amount_due,
          currency: invoice.currency,
          customer: invoice.customer,
          status,
          failure_code: status === 'failed' ? late.failureCode : null,
          description: 'Subscription update',
          created: at,
        },
      ) as StripeObject,
    );
  for (let at = billed + 2 * DAY; at < paidAt && at <= now; at += 2 * DAY) {
    charge(at, 'failed');
    invoice.attempt_count += 1;
  }
  if (paidAt > now) return true;
  charge(paidAt, 'succeeded');
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.attempt_count += 1;
  invoice.next_payment_attempt = null;
  invoice.status_transitions = { ...invoice.status_transitions, paid_at: paidAt };
  account.store.put(invoice);
  return false;
}

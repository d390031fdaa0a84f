/**
 * Disputes in the score. A dispute is the customer telling their bank they do not recognise or accept a
 * payment: while it is open it is the strongest billing signal there is (the money may go back, with a fee, and
 * the customer is rarely staying); a lost one still weighs for a while; a won, prevented or closed inquiry does
 * not. Statuses are the Stripe Dispute object's `status` (https://docs.stripe.com/api/disputes/object — the
 * SDK's `Dispute.Status`: warning_* are inquiries before a chargeback, appeal_* a network appeal).
 */

const DAY = 86_400;

export interface DisputeInput {
  status: string;
  /** When it was opened, unix seconds. */
  at: number;
}

/** Still being decided: evidence due, under review, or appealed. */
const OPEN = new Set([
  'warning_needs_response',
  'warning_under_review',
  'needs_response',
  'under_review',
  'appeal_needs_response',
  'appeal_under_review',
]);

export const isOpenDispute = (status: string) => OPEN.has(status);

/** Failure load (see `failureValue`: e^(−load/2)) of one open dispute: alone it takes the factor to about 0.14. */
export const OPEN_DISPUTE_LOAD = 4;
/** A lost dispute weighs as two hard declines for `LOST_WINDOW_DAYS` after it was opened. */
export const LOST_DISPUTE_LOAD = 2;
export const LOST_WINDOW_DAYS = 90;

export interface DisputeRisk {
  open: number;
  lost: number;
  load: number;
  /** The clause for the factor's sentence, or null when no dispute weighs. */
  clause: string | null;
}

export function disputeRisk(disputes: readonly DisputeInput[] | undefined, now: number): DisputeRisk {
  let open = 0;
  let lost = 0;
  for (const d of disputes ?? []) {
    if (isOpenDispute(d.status)) open++;
    else if (d.status === 'lost' && d.at >= now - LOST_WINDOW_DAYS * DAY) lost++;
  }
  const parts = [
    open > 0 ? `${open} open ${open === 1 ? 'dispute' : 'disputes'}` : null,
    lost > 0 ? `${lost} ${lost === 1 ? 'dispute' : 'disputes'} lost in the last ${LOST_WINDOW_DAYS} days` : null,
  ].filter((p): p is string => p !== null);
  return { open, lost, load: open * OPEN_DISPUTE_LOAD + lost * LOST_DISPUTE_LOAD, clause: parts.length ? parts.join(' and ') : null };
}

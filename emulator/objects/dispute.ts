import type { BuildContext, Metadata } from './common.js';

/**
 * "Reason given by cardholder for dispute" (https://docs.stripe.com/api/disputes/object#dispute_object-reason).
 */
export const DISPUTE_REASONS = [
  'bank_cannot_process',
  'check_returned',
  'credit_not_processed',
  'customer_initiated',
  'debit_not_authorized',
  'duplicate',
  'fraudulent',
  'general',
  'incorrect_account_details',
  'insufficient_funds',
  'noncompliant',
  'product_not_received',
  'product_unacceptable',
  'subscription_canceled',
  'unrecognized',
] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];

/**
 * The statuses the emulator models (https://docs.stripe.com/api/disputes/object#dispute_object-status). `warning_…`
 * statuses are inquiries: "An inquiry or retrieval is solely a request for more information about the charge,
 * which may escalate to a chargeback" (https://docs.stripe.com/disputes); no funds move for them.
 */
export const DISPUTE_STATUSES = [
  'warning_needs_response',
  'warning_under_review',
  'warning_closed',
  'needs_response',
  'under_review',
  'won',
  'lost',
] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

/** Still waiting for evidence (or for the bank): the ones `close` and evidence updates apply to. */
export const OPEN_DISPUTE_STATUSES: readonly DisputeStatus[] = [
  'warning_needs_response',
  'warning_under_review',
  'needs_response',
  'under_review',
];
/** `charge.dispute.closed` "Occurs when a dispute is closed and the dispute status changes to lost, warning_closed, or won" (https://docs.stripe.com/api/events/types). */
export const CLOSED_DISPUTE_STATUSES: readonly DisputeStatus[] = ['won', 'lost', 'warning_closed'];

export const isInquiry = (status: string): boolean => status.startsWith('warning_');

/** Text and file evidence fields of `Dispute.Evidence` (https://docs.stripe.com/api/disputes/object#dispute_object-evidence). */
export const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;

/** Visa reason codes for the reasons the test tokens and scenarios produce (shown on `payment_method_details.card`). */
const VISA_REASON_CODES: Partial<Record<DisputeReason, string>> = {
  fraudulent: '10.4',
  duplicate: '12.6.1',
  product_not_received: '13.1',
  subscription_canceled: '13.2',
  product_unacceptable: '13.3',
  credit_not_processed: '13.6',
};

/**
 * The dispute fee taken with a chargeback and returned when it is won: "a separate $15.00 dispute fee (for users
 * in the United States)" (https://docs.stripe.com/disputes). The emulator charges 15.00 (1500 minor units) in the
 * charge's currency, 2000 for zero-decimal currencies.
 */
export function disputeFee(currency: string): number {
  return ['jpy', 'krw', 'vnd', 'clp', 'isk', 'huf', 'twd', 'ugx'].includes(currency) ? 2000 : 1500;
}

const endOfUtcDay = (t: number) => Math.floor(t / 86400) * 86400 + 86399;

export interface DisputeInput {
  id?: string;
  charge: { id: string; amount: number; currency: string };
  reason: DisputeReason;
  status: DisputeStatus;
  created?: number;
  metadata?: Metadata;
}

/** A Dispute (`dp_…`), shaped as the SDK's `Dispute` type has it, with no evidence yet and no funds moved. */
export function buildDispute(ctx: BuildContext, input: DisputeInput) {
  const created = input.created ?? ctx.now;
  const inquiry = isInquiry(input.status);
  return {
    id: input.id ?? ctx.ids.id('dp', 24),
    object: 'dispute',
    amount: input.charge.amount,
    /** "List of zero, one, or two balance transactions that show funds withdrawn and reinstated" (https://docs.stripe.com/api/disputes/object). */
    balance_transactions: [] as Record<string, any>[],
    charge: input.charge.id,
    created,
    currency: input.charge.currency,
    enhanced_eligibility_types: [],
    evidence: {
      ...(Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, null])) as Record<(typeof EVIDENCE_FIELDS)[number], string | null>),
      enhanced_evidence: {},
    },
    evidence_details: {
      // Stripe's example dispute is due at the end of the 19th day after it was opened (https://docs.stripe.com/api/disputes/object).
      due_by: endOfUtcDay(created + 19 * 86400),
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    // "If true, it's still possible to refund the disputed payment" (https://docs.stripe.com/api/disputes/object):
    // an inquiry can still be refunded, a chargeback has already taken the money back.
    is_charge_refundable: inquiry,
    livemode: ctx.account.livemode,
    metadata: input.metadata ?? {},
    payment_intent: null,
    payment_method_details: {
      card: {
        brand: 'visa',
        case_type: inquiry ? 'inquiry' : 'chargeback',
        network: 'visa',
        network_reason_code: VISA_REASON_CODES[input.reason] ?? null,
      },
      type: 'card',
    },
    reason: input.reason,
    status: input.status,
  };
}

/**
 * The balance transaction of a chargeback's withdrawal (the amount plus the dispute fee) or of its reinstatement
 * when it is won ("the disputed amount and fee are returned", https://docs.stripe.com/disputes), shaped as the
 * SDK's `BalanceTransaction` type has it.
 */
export function buildDisputeBalanceTransaction(
  ctx: BuildContext,
  dispute: { id: string; amount: number; currency: string; charge: string },
  kind: 'withdrawal' | 'reinstatement',
  at: number,
) {
  const sign = kind === 'withdrawal' ? -1 : 1;
  const fee = disputeFee(dispute.currency) * -sign;
  const availableOn = at + 2 * 86400;
  return {
    id: ctx.ids.id('txn', 24),
    object: 'balance_transaction',
    amount: sign * dispute.amount,
    available_on: availableOn,
    balance_type: 'payments',
    created: at,
    currency: dispute.currency,
    description: `Chargeback ${kind === 'withdrawal' ? 'withdrawal' : 'reversal'} for ${dispute.charge}`,
    exchange_rate: null,
    fee,
    fee_details: [{ amount: fee, application: null, currency: dispute.currency, description: 'Dispute fee', type: 'stripe_fee' }],
    net: sign * dispute.amount - fee,
    reporting_category: kind === 'withdrawal' ? 'dispute' : 'dispute_reversal',
    source: dispute.id,
    status: availableOn <= ctx.now ? 'available' : 'pending',
    type: 'adjustment',
  };
}

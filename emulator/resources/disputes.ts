import type { EmulatorContext } from '../context.js';
import { invalidParam, StripeApiError, unknownParam } from '../errors.js';
import {
  buildDispute,
  buildDisputeBalanceTransaction,
  CLOSED_DISPUTE_STATUSES,
  type DisputeReason,
  type DisputeStatus,
  EVIDENCE_FIELDS,
  isInquiry,
} from '../objects/dispute.js';
import { allowOnly, applyMetadata, bool, objectOf, oneOf, str } from '../params.js';
import type { Router } from '../router.js';
import type { Account, StripeObject } from '../state.js';
import { clone, find, previousAttributes, respond, respondList, retrieve } from './helpers.js';

/**
 * Stripe's test tokens whose charge succeeds "only to be disputed" (https://docs.stripe.com/testing#disputes):
 * fraudulent, product not received, and an inquiry.
 */
export const DISPUTING_TOKENS: Record<string, { reason: DisputeReason; status: DisputeStatus }> = {
  tok_createDispute: { reason: 'fraudulent', status: 'needs_response' },
  tok_createDisputeProductNotReceived: { reason: 'product_not_received', status: 'needs_response' },
  tok_createDisputeInquiry: { reason: 'fraudulent', status: 'warning_needs_response' },
};

const bad = (message: string, param?: string) => new StripeApiError(400, 'invalid_request_error', message, undefined, param);
const withdrawn = (dispute: StripeObject) => dispute.balance_transactions.some((t: StripeObject) => t.reporting_category === 'dispute');

/**
 * A chargeback takes the money back at once: "the issuer creates a formal dispute which immediately reverses the
 * payment. The payment amount, along with a separate $15.00 dispute fee … is then deducted from your account
 * balance" (https://docs.stripe.com/disputes).
 */
function withdraw(emulator: EmulatorContext, account: Account, dispute: StripeObject, at: number): void {
  dispute.balance_transactions = [
    ...dispute.balance_transactions,
    buildDisputeBalanceTransaction(emulator.context(account), dispute as never, 'withdrawal', at),
  ];
  dispute.payment_method_details = {
    ...dispute.payment_method_details,
    card: { ...dispute.payment_method_details.card, case_type: 'chargeback' },
  };
  dispute.is_charge_refundable = false;
}

/** Opens a dispute on a stored charge (which becomes `disputed: true`). No events: callers emit them. */
export function openDispute(
  emulator: EmulatorContext,
  account: Account,
  charge: StripeObject,
  input: { reason: DisputeReason; status: DisputeStatus; at: number; metadata?: Record<string, string> },
): StripeObject {
  const dispute = buildDispute(
    { ...emulator.context(account), now: input.at },
    {
      // The money that moved: the captured amount.
      charge: { id: charge.id, amount: charge.amount_captured, currency: charge.currency },
      reason: input.reason,
      status: input.status,
      created: input.at,
      metadata: input.metadata,
    },
  ) as StripeObject;
  if (!isInquiry(input.status)) withdraw(emulator, account, dispute, input.at);
  account.store.put(dispute);
  const after = clone(charge);
  after.disputed = true;
  account.store.put(after);
  return dispute;
}

/** Opens the dispute a test token asks for, with `charge.dispute.created` and, for a chargeback, `charge.dispute.funds_withdrawn`. */
export function disputeFromToken(emulator: EmulatorContext, account: Account, charge: StripeObject, token: string): StripeObject | null {
  const kind = DISPUTING_TOKENS[token];
  if (!kind) return null;
  const dispute = openDispute(emulator, account, charge, { ...kind, at: emulator.now() });
  // "charge.dispute.created: Occurs whenever a customer disputes a charge with their bank" and
  // "charge.dispute.funds_withdrawn: Occurs when funds are removed from your account due to a dispute"
  // (https://docs.stripe.com/api/events/types).
  emulator.emit(account, 'charge.dispute.created', dispute);
  if (withdrawn(dispute)) emulator.emit(account, 'charge.dispute.funds_withdrawn', dispute);
  return dispute;
}

/**
 * Closes a dispute as won, lost or (an inquiry) warning_closed, moving funds as Stripe does: a won chargeback
 * gives back the amount and the fee ("If the dispute is found in your favor, the disputed amount and fee are
 * returned", https://docs.stripe.com/disputes); an inquiry that is lost has first become a chargeback. Emits
 * `charge.dispute.closed` and `charge.dispute.funds_withdrawn|funds_reinstated` when `emitEvents`.
 */
export function closeDispute(
  emulator: EmulatorContext,
  account: Account,
  dispute: StripeObject,
  status: 'won' | 'lost' | 'warning_closed',
  at: number,
  emitEvents: boolean,
): StripeObject {
  const before = clone(dispute);
  const after = clone(dispute);
  let funds: 'charge.dispute.funds_withdrawn' | 'charge.dispute.funds_reinstated' | null = null;
  if (status === 'won' && withdrawn(after)) {
    after.balance_transactions = [
      ...after.balance_transactions,
      buildDisputeBalanceTransaction(emulator.context(account), after as never, 'reinstatement', at),
    ];
    funds = 'charge.dispute.funds_reinstated';
  } else if (status === 'lost' && !withdrawn(after)) {
    withdraw(emulator, account, after, at);
    funds = 'charge.dispute.funds_withdrawn';
  }
  after.status = status;
  account.store.put(after);
  if (emitEvents) {
    // "charge.dispute.closed: Occurs when a dispute is closed and the dispute status changes to lost,
    // warning_closed, or won"; "charge.dispute.funds_reinstated: Occurs when funds are reinstated to your account
    // after a dispute is closed" (https://docs.stripe.com/api/events/types).
    if (funds === 'charge.dispute.funds_withdrawn') emulator.emit(account, funds, after);
    emulator.emit(account, 'charge.dispute.closed', after, previousAttributes(before, after));
    if (funds === 'charge.dispute.funds_reinstated') emulator.emit(account, funds, after);
  }
  return after;
}

/** The outcome of an open dispute, which only the bank decides (the emulator's `resolve` switch, see admin.ts). */
export function resolveDispute(emulator: EmulatorContext, account: Account, dispute: StripeObject, outcome: 'won' | 'lost'): StripeObject {
  if (CLOSED_DISPUTE_STATUSES.includes(dispute.status)) throw bad(`Dispute ${dispute.id} is already closed (${dispute.status}).`);
  // An inquiry resolved for the business closes without becoming a chargeback.
  const status = outcome === 'won' && isInquiry(dispute.status) ? 'warning_closed' : outcome;
  return closeDispute(emulator, account, dispute, status, emulator.now(), true);
}

/**
 * In test mode the evidence text decides the outcome: `winning_evidence` closes the dispute as won,
 * `losing_evidence` as lost ("For an inquiry, closes it without escalation"), and `escalate_inquiry_evidence`
 * turns an inquiry into a chargeback (https://docs.stripe.com/testing#evidence).
 */
function testOutcome(emulator: EmulatorContext, account: Account, dispute: StripeObject): void {
  if (account.livemode) return;
  const text = dispute.evidence.uncategorized_text;
  const inquiry = isInquiry(dispute.status);
  if (text === 'winning_evidence') closeDispute(emulator, account, dispute, inquiry ? 'warning_closed' : 'won', emulator.now(), true);
  else if (text === 'losing_evidence') closeDispute(emulator, account, dispute, inquiry ? 'warning_closed' : 'lost', emulator.now(), true);
  else if (text === 'escalate_inquiry_evidence' && inquiry) {
    const before = clone(dispute);
    const after = clone(dispute);
    withdraw(emulator, account, after, emulator.now());
    after.status = 'needs_response';
    account.store.put(after);
    emulator.emit(account, 'charge.dispute.funds_withdrawn', after);
    emulator.emit(account, 'charge.dispute.updated', after, previousAttributes(before, after));
  }
}

const MAX_EVIDENCE_CHARACTERS = 150_000;

export function registerDisputes(router: Router) {
  // https://docs.stripe.com/api/disputes/list: `charge`, `payment_intent`, `created` and the usual pagination.
  router.on('GET', '/v1/disputes', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'created', 'charge', 'payment_intent']);
    const charge = str(ctx.params, 'charge');
    const paymentIntent = str(ctx.params, 'payment_intent');
    const items = ctx.account.store
      .all('dispute')
      .filter((d) => (!charge || d.charge === charge) && (!paymentIntent || d.payment_intent === paymentIntent));
    return respondList(ctx, items, '/v1/disputes', 'dispute');
  });

  router.on('GET', '/v1/disputes/:id', (ctx) => retrieve(ctx, 'dispute'));

  /**
   * https://docs.stripe.com/api/disputes/update: `evidence` ("Updating any field in the hash will submit all
   * fields in the hash for review. The combined character count of all fields is limited to 150,000"),
   * `metadata`, `intended_submission_method` and `submit` ("If false, evidence is staged on the dispute … can be
   * submitted to the bank by making another request with this attribute set to true (the default)").
   */
  router.on('POST', '/v1/disputes/:id', (ctx) => {
    allowOnly(ctx.params, ['evidence', 'metadata', 'submit', 'intended_submission_method']);
    const before = find(ctx, 'dispute', ctx.path.id!);
    const after = clone(before);
    const evidence = ctx.params.evidence === undefined ? undefined : objectOf(ctx.params.evidence, 'evidence');
    const submitParam = bool(ctx.params, 'submit');
    const submitting = submitParam === true || (evidence !== undefined && submitParam !== false);
    if ((evidence !== undefined || submitting) && before.status !== 'needs_response' && before.status !== 'warning_needs_response')
      throw bad(
        CLOSED_DISPUTE_STATUSES.includes(before.status)
          ? `Dispute ${before.id} is already closed (${before.status}); its evidence can no longer be changed.`
          : `The evidence for dispute ${before.id} has already been submitted (${before.status}); it can no longer be changed.`,
        'evidence',
      );
    if (evidence) {
      for (const [key, value] of Object.entries(evidence)) {
        if (!(EVIDENCE_FIELDS as readonly string[]).includes(key)) throw unknownParam(`evidence[${key}]`);
        if (typeof value !== 'string') throw invalidParam(`evidence[${key}]`, `Invalid string: evidence[${key}]`);
        after.evidence[key] = value === '' ? null : value;
      }
      const characters = EVIDENCE_FIELDS.reduce((n, f) => n + (after.evidence[f]?.length ?? 0), 0);
      if (characters > MAX_EVIDENCE_CHARACTERS)
        throw invalidParam('evidence', `The combined character count of all evidence fields is limited to ${MAX_EVIDENCE_CHARACTERS}.`);
    }
    const method = oneOf(ctx.params, 'intended_submission_method', [
      'manual',
      'prefer_manual',
      'prefer_smart_disputes',
      'smart_disputes',
    ] as const);
    if (method) after.intended_submission_method = method;
    after.metadata = applyMetadata(before.metadata, ctx.params.metadata);
    const hasEvidence = EVIDENCE_FIELDS.some((f) => after.evidence[f] !== null);
    after.evidence_details = { ...after.evidence_details, has_evidence: hasEvidence };
    if (submitting) {
      const now = ctx.emulator.now();
      after.status = before.status === 'needs_response' ? 'under_review' : 'warning_under_review';
      after.evidence_details = {
        ...after.evidence_details,
        submission_count: before.evidence_details.submission_count + 1,
        submission_method: 'manual',
        past_due: before.evidence_details.due_by !== null && now > before.evidence_details.due_by,
      };
    }
    const prev = previousAttributes(before, after);
    ctx.account.store.put(after);
    // "charge.dispute.updated: Occurs when the dispute is updated (usually with evidence)" (https://docs.stripe.com/api/events/types).
    if (Object.keys(prev).length > 0) ctx.emulator.emit(ctx.account, 'charge.dispute.updated', after, prev);
    if (submitting) testOutcome(ctx.emulator, ctx.account, after);
    return respond(ctx, ctx.account.store.get(after.id)!);
  });

  /**
   * "Closing the dispute for a charge indicates that you do not have any evidence to submit and are essentially
   * dismissing the dispute, acknowledging it as lost. The status of the dispute will change from needs_response
   * to lost" (https://docs.stripe.com/api/disputes/close); an inquiry closes as warning_closed.
   */
  router.on('POST', '/v1/disputes/:id/close', (ctx) => {
    allowOnly(ctx.params, []);
    const dispute = find(ctx, 'dispute', ctx.path.id!);
    if (CLOSED_DISPUTE_STATUSES.includes(dispute.status)) throw bad(`Dispute ${dispute.id} is already closed (${dispute.status}).`);
    const status = isInquiry(dispute.status) ? 'warning_closed' : 'lost';
    return respond(ctx, closeDispute(ctx.emulator, ctx.account, dispute, status, ctx.emulator.now(), true));
  });
}

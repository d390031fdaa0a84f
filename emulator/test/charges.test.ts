import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Emulator, parseScenario } from '../index.js';
import type { RunningEmulator } from '../index.js';
import { addInterval } from '../objects/periods.js';
import { loadScenario } from '../scenario/load.js';
import type { ScenarioInput } from '../scenario/schema.js';
import { connect, firstAccount, receiver, sdk, start, until } from './helpers.js';

const DAY = 86400;

/** One account with a customer, to charge, refund and dispute through the SDK. */
const BUSINESS: ScenarioInput = {
  version: 1,
  accounts: [{ name: 'Charges Co', customers: [{ key: 'ada', name: 'Ada', email: 'ada@example.com' }] }],
};

let running: RunningEmulator;
let stripe: Stripe;
let account: string;
let customer: string;
let clock = Date.now();
const opts = () => ({ stripeAccount: account });

beforeAll(async () => {
  // A clock the tests can move, for the 7-day capture window.
  running = await start({ scenario: BUSINESS, now: () => clock });
  account = await connect(running, firstAccount(running));
  stripe = sdk(running);
  customer = (await stripe.customers.list({ limit: 1 }, opts())).data[0]!.id;
});
afterAll(() => running?.close());

const eventsOf = async (type: string) => (await stripe.events.list({ type, limit: 100 }, opts())).data;
const charge = (params: Partial<Stripe.ChargeCreateParams> = {}) =>
  stripe.charges.create({ amount: 1000, currency: 'usd', customer, ...params }, opts());
const admin = (path: string, body: unknown) =>
  fetch(`${running.url}/_emulator/accounts/${account}${path}`, { method: 'POST', body: JSON.stringify(body) });

describe('capture', () => {
  it('serves an uncaptured charge as Stripe does and captures it in full', async () => {
    const held = await charge({ capture: false });
    expect(held).toMatchObject({
      status: 'succeeded',
      paid: true,
      captured: false,
      amount_captured: 0,
      amount_refunded: 0,
      refunded: false,
      balance_transaction: null,
    });
    expect((await eventsOf('charge.succeeded')).map((e) => (e.data.object as Stripe.Charge).id)).toContain(held.id);

    const captured = await stripe.charges.capture(held.id, {}, opts());
    expect(captured).toMatchObject({ captured: true, amount_captured: 1000, amount_refunded: 0, refunded: false, status: 'succeeded' });
    expect(captured.balance_transaction).toMatch(/^txn_/);
    const event = (await eventsOf('charge.captured')).find((e) => (e.data.object as Stripe.Charge).id === held.id)!;
    expect((event.data.object as Stripe.Charge).captured).toBe(true);
    expect(event.data.previous_attributes).toMatchObject({ captured: false, amount_captured: 0, balance_transaction: null });

    await expect(stripe.charges.capture(held.id, {}, opts())).rejects.toMatchObject({
      statusCode: 400,
      code: 'charge_already_captured',
      message: `Charge ${held.id} has already been captured.`,
    });
  });

  it('captures part of an authorization and releases the rest as a refund', async () => {
    const held = await charge({ amount: 1000, capture: false });
    await expect(stripe.charges.capture(held.id, { amount: 1001 }, opts())).rejects.toMatchObject({
      statusCode: 400,
      code: 'amount_too_large',
      param: 'amount',
    });
    const captured = await stripe.charges.capture(held.id, { amount: 600 }, opts());
    expect(captured).toMatchObject({ captured: true, amount: 1000, amount_captured: 600, amount_refunded: 400, refunded: false });
    const expanded = await stripe.charges.retrieve(held.id, { expand: ['refunds'] }, opts());
    expect(expanded.refunds!.data).toHaveLength(1);
    expect(expanded.refunds!.data[0]).toMatchObject({ amount: 400, charge: held.id, status: 'succeeded', reason: null });
    expect(expanded.refunds!.data[0]!.destination_details?.card?.type).toBe('reversal');
    const created = (await eventsOf('refund.created')).map((e) => e.data.object as Stripe.Refund);
    expect(created.find((r) => r.charge === held.id)?.amount).toBe(400);
    const event = (await eventsOf('charge.captured')).find((e) => (e.data.object as Stripe.Charge).id === held.id)!;
    expect((event.data.object as Stripe.Charge).amount_refunded).toBe(400);

    // What was captured can still be refunded, and no more.
    await expect(stripe.refunds.create({ charge: held.id, amount: 601 }, opts())).rejects.toMatchObject({ code: 'amount_too_large' });
    const rest = await stripe.refunds.create({ charge: held.id }, opts());
    expect(rest.amount).toBe(600);
    expect(await stripe.charges.retrieve(held.id, {}, opts())).toMatchObject({ amount_refunded: 1000, refunded: true });
  });

  it('expires an authorization not captured within 7 days', async () => {
    const held = await charge({ capture: false, amount: 2500 });
    clock += 7 * DAY * 1000 + 1000;
    try {
      const expired = await stripe.charges.retrieve(held.id, { expand: ['refunds'] }, opts());
      expect(expired).toMatchObject({ status: 'succeeded', captured: false, amount_captured: 0, amount_refunded: 2500, refunded: true });
      expect(expired.refunds!.data[0]).toMatchObject({
        amount: 2500,
        reason: 'expired_uncaptured_charge',
        created: held.created + 7 * DAY,
      });
      const event = (await eventsOf('charge.expired')).find((e) => (e.data.object as Stripe.Charge).id === held.id)!;
      expect(event.data.previous_attributes).toMatchObject({ refunded: false, amount_refunded: 0 });
      await expect(stripe.charges.capture(held.id, {}, opts())).rejects.toMatchObject({
        statusCode: 400,
        code: 'charge_expired_for_capture',
      });
    } finally {
      clock -= 7 * DAY * 1000 + 1000;
    }
  });

  it('refuses to capture a failed charge and releases a refunded authorization for good', async () => {
    const failed = await charge({ source: 'tok_chargeDeclined' }).catch((e: Stripe.errors.StripeCardError) => e.raw as { charge: string });
    await expect(stripe.charges.capture((failed as { charge: string }).charge, {}, opts())).rejects.toMatchObject({ statusCode: 400 });
    const held = await charge({ capture: false });
    await expect(stripe.refunds.create({ charge: held.id, amount: 100 }, opts())).rejects.toMatchObject({
      statusCode: 400,
      param: 'amount',
      message: expect.stringMatching(/cannot partially refund an uncaptured charge/),
    });
    const released = await stripe.refunds.create({ charge: held.id }, opts());
    expect(released).toMatchObject({ amount: 1000, destination_details: { type: 'card', card: { type: 'reversal' } } });
    expect(await stripe.charges.retrieve(held.id, {}, opts())).toMatchObject({ captured: false, refunded: true, amount_refunded: 1000 });
    await expect(stripe.charges.capture(held.id, {}, opts())).rejects.toMatchObject({ code: 'charge_already_refunded' });
  });
});

describe('refunds', () => {
  it('refunds in part, then the rest, then refuses more — with the events of each', async () => {
    const paid = await charge({ amount: 1000 });
    const part = await stripe.refunds.create(
      { charge: paid.id, amount: 300, reason: 'requested_by_customer', metadata: { ticket: 'T-1' } },
      opts(),
    );
    expect(part).toMatchObject({
      object: 'refund',
      amount: 300,
      charge: paid.id,
      currency: 'usd',
      customer,
      reason: 'requested_by_customer',
      metadata: { ticket: 'T-1' },
      status: 'succeeded',
      payment_intent: null,
    });
    expect(part.id).toMatch(/^re_/);
    expect(part.balance_transaction).toMatch(/^txn_/);
    expect(await stripe.charges.retrieve(paid.id, {}, opts())).toMatchObject({ amount_refunded: 300, refunded: false });

    await expect(stripe.refunds.create({ charge: paid.id, amount: 800 }, opts())).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'amount_too_large',
      param: 'amount',
      message: 'Refund amount ($8.00) is greater than unrefunded amount on charge ($7.00)',
    });
    const rest = await stripe.refunds.create({ charge: paid.id }, opts());
    expect(rest.amount).toBe(700);
    expect(await stripe.charges.retrieve(paid.id, {}, opts())).toMatchObject({ amount_refunded: 1000, refunded: true });
    await expect(stripe.refunds.create({ charge: paid.id, amount: 1 }, opts())).rejects.toMatchObject({
      statusCode: 400,
      code: 'charge_already_refunded',
      message: `Charge ${paid.id} has already been refunded.`,
    });

    const refunded = (await eventsOf('charge.refunded')).filter((e) => (e.data.object as Stripe.Charge).id === paid.id);
    expect(refunded.map((e) => (e.data.object as Stripe.Charge).amount_refunded)).toEqual([1000, 300]);
    expect(refunded[0]!.data.previous_attributes).toEqual({ amount_refunded: 300, refunded: false });
    expect((refunded[0]!.data.object as Stripe.Charge).refunds).toBeUndefined();
    const created = (await eventsOf('refund.created')).map((e) => (e.data.object as Stripe.Refund).id);
    expect(created).toEqual(expect.arrayContaining([part.id, rest.id]));
  });

  it('shows a charge’s refunds only when expanded, on one charge and on lists', async () => {
    const paid = await charge({ amount: 2000 });
    await stripe.refunds.create({ charge: paid.id, amount: 500 }, opts());
    await stripe.refunds.create({ charge: paid.id, amount: 250 }, opts());
    const plain = await stripe.charges.retrieve(paid.id, {}, opts());
    expect(plain).not.toHaveProperty('refunds');
    expect((await stripe.charges.list({ limit: 3 }, opts())).data.every((c) => !('refunds' in c))).toBe(true);
    const one = await stripe.charges.retrieve(paid.id, { expand: ['refunds'] }, opts());
    expect(one.refunds).toMatchObject({ object: 'list', has_more: false, url: `/v1/charges/${paid.id}/refunds` });
    expect(one.refunds!.data.map((r) => r.amount)).toEqual([250, 500]);
    const listed = await stripe.charges.list({ limit: 1, expand: ['data.refunds', 'data.refunds.data.charge'] }, opts());
    expect(listed.data[0]!.refunds!.data.map((r) => r.amount)).toEqual([250, 500]);
    expect((listed.data[0]!.refunds!.data[0]!.charge as Stripe.Charge).id).toBe(paid.id);
    await expect(stripe.charges.list({ expand: ['refunds'] }, opts())).rejects.toMatchObject({ statusCode: 400 });
  });

  it('lists refunds by charge and created, page by page, and retrieves and updates one', async () => {
    const paid = await charge({ amount: 5000 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.unshift((await stripe.refunds.create({ charge: paid.id, amount: 100 }, opts())).id);
    const byCharge = await stripe.refunds.list({ charge: paid.id, limit: 100 }, opts());
    expect(byCharge.data.map((r) => r.id)).toEqual(ids);
    expect(byCharge.url).toBe('/v1/refunds');
    const pages: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await stripe.refunds.list({ charge: paid.id, limit: 2, ...(after ? { starting_after: after } : {}) }, opts());
      pages.push(...page.data.map((r) => r.id));
      if (!page.has_more) break;
      after = page.data.at(-1)!.id;
    }
    expect(pages).toEqual(ids);
    const auto: string[] = [];
    for await (const r of stripe.refunds.list({ charge: paid.id, limit: 2 }, opts())) auto.push(r.id);
    expect(auto).toEqual(ids);
    const created = (await stripe.refunds.retrieve(ids[0]!, {}, opts())).created;
    expect((await stripe.refunds.list({ charge: paid.id, created: { gt: created } }, opts())).data).toHaveLength(0);
    expect((await stripe.refunds.list({ charge: paid.id, created: { lte: created }, limit: 100 }, opts())).data).toHaveLength(5);
    expect((await stripe.refunds.list({ charge: 'ch_none' }, opts())).data).toEqual([]);

    const updated = await stripe.refunds.update(ids[0]!, { metadata: { reason_detail: 'late delivery' } }, opts());
    expect(updated.metadata).toEqual({ reason_detail: 'late delivery' });
    for (const type of ['refund.updated', 'charge.refund.updated']) {
      const event = (await eventsOf(type)).find((e) => (e.data.object as Stripe.Refund).id === ids[0])!;
      expect(event.data.previous_attributes).toEqual({ metadata: {} });
    }
    await expect(stripe.refunds.update(ids[0]!, { amount: 5 } as never, opts())).rejects.toMatchObject({ code: 'parameter_unknown' });
    await expect(stripe.refunds.retrieve('re_missing', {}, opts())).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(stripe.refunds.cancel(ids[0]!, {}, opts())).rejects.toMatchObject({ statusCode: 400 });
  });

  it('refuses refunds without a charge, of an unknown or failed charge, and bad amounts', async () => {
    await expect(stripe.refunds.create({}, opts())).rejects.toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'charge' });
    await expect(stripe.refunds.create({ charge: 'ch_missing' }, opts())).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'charge',
    });
    const failed = (await charge({ source: 'tok_chargeDeclinedInsufficientFunds' }).catch((e: Stripe.errors.StripeCardError) => e.raw)) as {
      charge: string;
    };
    await expect(stripe.refunds.create({ charge: failed.charge }, opts())).rejects.toMatchObject({ statusCode: 400 });
    const paid = await charge();
    await expect(stripe.refunds.create({ charge: paid.id, amount: 0 }, opts())).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
    await expect(stripe.refunds.create({ charge: paid.id, reason: 'changed_mind' as never }, opts())).rejects.toMatchObject({
      statusCode: 400,
      param: 'reason',
    });
  });
});

describe('disputes', () => {
  const disputeOf = async (chargeId: string) => (await stripe.disputes.list({ charge: chargeId }, opts())).data[0]!;

  it('disputes a charge made with tok_createDispute as fraudulent, taking the amount and the fee', async () => {
    const paid = await charge({ amount: 4000, source: 'tok_createDispute' });
    // The charge succeeds first; the dispute follows it.
    expect(paid).toMatchObject({ status: 'succeeded', disputed: false });
    expect((await stripe.charges.retrieve(paid.id, {}, opts())).disputed).toBe(true);
    const dispute = await disputeOf(paid.id);
    expect(dispute).toMatchObject({
      object: 'dispute',
      amount: 4000,
      charge: paid.id,
      currency: 'usd',
      reason: 'fraudulent',
      status: 'needs_response',
      is_charge_refundable: false,
      evidence_details: { has_evidence: false, submission_count: 0, past_due: false, submission_method: 'not_submitted' },
      payment_method_details: { type: 'card', card: { case_type: 'chargeback', network_reason_code: '10.4' } },
    });
    expect(dispute.id).toMatch(/^dp_/);
    expect(dispute.evidence_details.due_by).toBeGreaterThan(dispute.created);
    expect(dispute.balance_transactions).toHaveLength(1);
    expect(dispute.balance_transactions[0]).toMatchObject({
      object: 'balance_transaction',
      amount: -4000,
      fee: 1500,
      net: -5500,
      type: 'adjustment',
      reporting_category: 'dispute',
      source: dispute.id,
    });
    for (const type of ['charge.dispute.created', 'charge.dispute.funds_withdrawn'])
      expect((await eventsOf(type)).map((e) => (e.data.object as Stripe.Dispute).id)).toContain(dispute.id);
    // A chargeback has already taken the money back.
    await expect(stripe.refunds.create({ charge: paid.id }, opts())).rejects.toMatchObject({ statusCode: 400, code: 'charge_disputed' });
    expect((await stripe.disputes.retrieve(dispute.id, { expand: ['charge'] }, opts())).charge).toMatchObject({
      id: paid.id,
      disputed: true,
    });
  });

  it('makes product-not-received disputes and refundable inquiries with the other test tokens', async () => {
    const notReceived = await disputeOf((await charge({ source: 'tok_createDisputeProductNotReceived' })).id);
    expect(notReceived).toMatchObject({ reason: 'product_not_received', status: 'needs_response' });
    const paid = await charge({ source: 'tok_createDisputeInquiry' });
    const inquiry = await disputeOf(paid.id);
    expect(inquiry).toMatchObject({ status: 'warning_needs_response', is_charge_refundable: true, balance_transactions: [] });
    expect(inquiry.payment_method_details?.card?.case_type).toBe('inquiry');
    expect((await stripe.refunds.create({ charge: paid.id }, opts())).amount).toBe(1000);
    // An authorization moves no money, so it is not disputed.
    const held = await charge({ source: 'tok_createDispute', capture: false });
    expect((await stripe.disputes.list({ charge: held.id }, opts())).data).toHaveLength(0);
  });

  it('stages evidence, submits it and refuses changes afterwards, with charge.dispute.updated', async () => {
    const dispute = await disputeOf((await charge({ source: 'tok_createDispute' })).id);
    const tagged = await stripe.disputes.update(dispute.id, { metadata: { case: 'C-9' } }, opts());
    expect(tagged).toMatchObject({ status: 'needs_response', metadata: { case: 'C-9' } });
    const staged = await stripe.disputes.update(
      dispute.id,
      { evidence: { customer_name: 'Ada', product_description: 'Annual plan' }, submit: false },
      opts(),
    );
    expect(staged).toMatchObject({ status: 'needs_response', evidence: { customer_name: 'Ada', product_description: 'Annual plan' } });
    expect(staged.evidence_details).toMatchObject({ has_evidence: true, submission_count: 0 });
    const submitted = await stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'Signed contract attached.' } }, opts());
    expect(submitted).toMatchObject({
      status: 'under_review',
      evidence: { customer_name: 'Ada', uncategorized_text: 'Signed contract attached.' },
    });
    expect(submitted.evidence_details).toMatchObject({ submission_count: 1, submission_method: 'manual' });
    await expect(stripe.disputes.update(dispute.id, { evidence: { customer_name: 'Bob' } }, opts())).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(stripe.disputes.update(dispute.id, { evidence: { colour: 'red' } as never }, opts())).rejects.toMatchObject({
      statusCode: 400,
    });
    const updates = (await eventsOf('charge.dispute.updated')).filter((e) => (e.data.object as Stripe.Dispute).id === dispute.id);
    expect(updates).toHaveLength(3);
    expect(updates[0]!.data.previous_attributes).toMatchObject({ status: 'needs_response' });
    expect(updates[2]!.data.previous_attributes).toEqual({ metadata: {} });
  });

  it('closes a dispute as lost, once', async () => {
    const dispute = await disputeOf((await charge({ source: 'tok_createDispute' })).id);
    const closed = await stripe.disputes.close(dispute.id, {}, opts());
    expect(closed.status).toBe('lost');
    expect(closed.balance_transactions).toHaveLength(1);
    const event = (await eventsOf('charge.dispute.closed')).find((e) => (e.data.object as Stripe.Dispute).id === dispute.id)!;
    expect(event.data.previous_attributes).toEqual({ status: 'needs_response' });
    await expect(stripe.disputes.close(dispute.id, {}, opts())).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.disputes.update(dispute.id, { evidence: { customer_name: 'Ada' } }, opts())).rejects.toMatchObject({
      statusCode: 400,
    });
    // Metadata can still change.
    expect((await stripe.disputes.update(dispute.id, { metadata: { closed: 'yes' } }, opts())).metadata).toEqual({ closed: 'yes' });
    const inquiry = await disputeOf((await charge({ source: 'tok_createDisputeInquiry' })).id);
    expect((await stripe.disputes.close(inquiry.id, {}, opts())).status).toBe('warning_closed');
  });

  it('decides a test dispute from winning_evidence and losing_evidence', async () => {
    const won = await disputeOf((await charge({ amount: 3000, source: 'tok_createDispute' })).id);
    const afterWin = await stripe.disputes.update(won.id, { evidence: { uncategorized_text: 'winning_evidence' } }, opts());
    expect(afterWin.status).toBe('won');
    expect(afterWin.balance_transactions.map((t) => [t.amount, t.fee, t.net, t.reporting_category])).toEqual([
      [-3000, 1500, -4500, 'dispute'],
      [3000, -1500, 4500, 'dispute_reversal'],
    ]);
    expect((await eventsOf('charge.dispute.funds_reinstated')).map((e) => (e.data.object as Stripe.Dispute).id)).toContain(won.id);
    const lost = await disputeOf((await charge({ source: 'tok_createDispute' })).id);
    expect((await stripe.disputes.update(lost.id, { evidence: { uncategorized_text: 'losing_evidence' } }, opts())).status).toBe('lost');
    const inquiry = await disputeOf((await charge({ source: 'tok_createDisputeInquiry' })).id);
    const escalated = await stripe.disputes.update(inquiry.id, { evidence: { uncategorized_text: 'escalate_inquiry_evidence' } }, opts());
    expect(escalated).toMatchObject({ status: 'needs_response', is_charge_refundable: false });
    expect(escalated.balance_transactions).toHaveLength(1);
  });

  it('resolves a dispute as won or lost with the emulator switch', async () => {
    const dispute = await disputeOf((await charge({ amount: 2000, source: 'tok_createDispute' })).id);
    const res = await admin(`/disputes/${dispute.id}/resolve`, { status: 'won' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Stripe.Dispute).status).toBe('won');
    const stored = await stripe.disputes.retrieve(dispute.id, {}, opts());
    expect(stored.status).toBe('won');
    expect(stored.balance_transactions.at(-1)).toMatchObject({ amount: 2000, reporting_category: 'dispute_reversal' });
    const closed = (await eventsOf('charge.dispute.closed')).find((e) => (e.data.object as Stripe.Dispute).id === dispute.id)!;
    expect(closed.data.previous_attributes).toMatchObject({ status: 'needs_response' });
    expect((await admin(`/disputes/${dispute.id}/resolve`, { status: 'lost' })).status).toBe(400);

    const other = await disputeOf((await charge({ source: 'tok_createDispute' })).id);
    expect((await admin(`/disputes/${other.id}/resolve`, { status: 'maybe' })).status).toBe(400);
    expect((await admin(`/disputes/dp_missing/resolve`, { status: 'won' })).status).toBe(404);
    expect(((await (await admin(`/disputes/${other.id}/resolve`, { status: 'lost' })).json()) as Stripe.Dispute).status).toBe('lost');
    // An inquiry won closes without a chargeback; one lost became a chargeback first.
    const inquiry = await disputeOf((await charge({ source: 'tok_createDisputeInquiry' })).id);
    expect(((await (await admin(`/disputes/${inquiry.id}/resolve`, { status: 'won' })).json()) as Stripe.Dispute).status).toBe(
      'warning_closed',
    );
    const lostInquiry = await disputeOf((await charge({ source: 'tok_createDisputeInquiry' })).id);
    const lostBody = (await (await admin(`/disputes/${lostInquiry.id}/resolve`, { status: 'lost' })).json()) as Stripe.Dispute;
    expect(lostBody).toMatchObject({ status: 'lost', balance_transactions: [{ reporting_category: 'dispute' }] });
  });

  it('lists disputes by charge and created, page by page', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) mine.unshift((await disputeOf((await charge({ source: 'tok_createDispute' })).id)).id);
    const all: string[] = [];
    for await (const d of stripe.disputes.list({ limit: 2 }, opts())) all.push(d.id);
    expect(all.slice(0, 3)).toEqual(mine);
    expect(new Set(all).size).toBe(all.length);
    const first = await stripe.disputes.list({ limit: 2 }, opts());
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/disputes' });
    const created = (await stripe.disputes.retrieve(mine[0]!, {}, opts())).created;
    expect((await stripe.disputes.list({ created: { gt: created } }, opts())).data).toHaveLength(0);
    await expect(stripe.disputes.retrieve('dp_missing', {}, opts())).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(stripe.disputes.list({ status: 'lost' } as never, opts())).rejects.toMatchObject({ code: 'parameter_unknown' });
  });
});

describe('webhook deliveries', () => {
  it('delivers capture, refund and dispute events, signed', async () => {
    const hook = await receiver();
    try {
      const types = [
        'charge.captured',
        'charge.refunded',
        'refund.created',
        'refund.updated',
        'charge.refund.updated',
        'charge.dispute.created',
        'charge.dispute.funds_withdrawn',
        'charge.dispute.updated',
        'charge.dispute.closed',
        'charge.dispute.funds_reinstated',
      ];
      const endpoint = await stripe.webhookEndpoints.create({ url: hook.url, enabled_events: types as never }, opts());
      const held = await charge({ capture: false });
      await stripe.charges.capture(held.id, { amount: 800 }, opts());
      const refund = await stripe.refunds.create({ charge: held.id, amount: 100 }, opts());
      await stripe.refunds.update(refund.id, { metadata: { a: 'b' } }, opts());
      const dispute = await disputeOfCharge((await charge({ source: 'tok_createDispute' })).id);
      await stripe.disputes.update(dispute, { evidence: { uncategorized_text: 'winning_evidence' } }, opts());
      await until(() => hook.received.length >= 11);
      const events = hook.received.map((r) => stripe.webhooks.constructEvent(r.body, r.signature, endpoint.secret!));
      expect(events.map((e) => e.type).sort()).toEqual(
        [
          'charge.captured',
          'refund.created', // the released 200 of the capture
          'refund.created',
          'charge.refunded',
          'refund.updated',
          'charge.refund.updated',
          'charge.dispute.created',
          'charge.dispute.funds_withdrawn',
          'charge.dispute.updated',
          'charge.dispute.closed',
          'charge.dispute.funds_reinstated',
        ].sort(),
      );
      expect(events.every((e) => e.account === account)).toBe(true);
      const objects = Object.fromEntries(events.map((e) => [e.type, (e.data.object as { object: string }).object]));
      expect(objects).toMatchObject({
        'charge.captured': 'charge',
        'charge.refunded': 'charge',
        'refund.created': 'refund',
        'charge.refund.updated': 'refund',
        'charge.dispute.closed': 'dispute',
      });
    } finally {
      await hook.close();
    }
  });

  const disputeOfCharge = async (chargeId: string) => (await stripe.disputes.list({ charge: chargeId }, opts())).data[0]!.id;
});

describe('billing drifts', () => {
  it('invoices a subscription that starts with a trial at once, paid and for 0', async () => {
    const product = await stripe.products.create({ name: 'Trial plan' }, opts());
    const price = await stripe.prices.create(
      { product: product.id, currency: 'usd', unit_amount: 4900, recurring: { interval: 'month' } },
      opts(),
    );
    const trialer = await stripe.customers.create({ name: 'Trialer' }, opts());
    const sub = await stripe.subscriptions.create({ customer: trialer.id, items: [{ price: price.id }], trial_period_days: 14 }, opts());
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string, {}, opts());
    expect(invoice).toMatchObject({
      status: 'paid',
      billing_reason: 'subscription_create',
      subtotal: 0,
      total: 0,
      amount_due: 0,
      amount_paid: 0,
      period_start: sub.trial_start,
      period_end: sub.trial_end,
    });
    expect(invoice.lines.data).toHaveLength(1);
    expect(invoice.lines.data[0]).toMatchObject({
      amount: 0,
      description: 'Trial period for Trial plan',
      period: { start: sub.trial_start, end: sub.trial_end },
    });
    expect((await stripe.charges.list({ customer: trialer.id }, opts())).data).toHaveLength(0);
    // The trial ends: the first real period is billed in full.
    const active = await stripe.subscriptions.update(sub.id, { trial_end: 'now' }, opts());
    expect((await stripe.invoices.retrieve(active.latest_invoice as string, {}, opts())).total).toBe(4900);
  });
});

describe('scenarios', () => {
  const NOW = Math.floor(Date.now() / 1000);
  const scenario = (charges: unknown[], extra: Record<string, unknown> = {}): ScenarioInput =>
    ({
      version: 1,
      accounts: [
        {
          name: 'History Co',
          products: [{ key: 'p', name: 'Plan' }],
          prices: [{ key: 'm', product: 'p', currency: 'usd', unit_amount: 1000, recurring: { interval: 'month' } }],
          customers: [{ key: 'a', name: 'Ada', created: '-400d', charges, ...extra }],
        },
      ],
    }) as ScenarioInput;
  const load = (input: ScenarioInput) => {
    const emulator = new Emulator({ seed: 3, now: () => NOW * 1000 });
    const summary = loadScenario(emulator, parseScenario(input, NOW));
    return { emulator, summary, store: emulator.accounts.get(summary.accounts[0]!.id)!.store };
  };
  const byDescription = (store: ReturnType<typeof load>['store'], d: string) => store.all('charge').find((c) => c.description === d)!;

  it('loads authorizations, refunds and disputes as history, without events', () => {
    const { store, summary } = load(
      scenario([
        { at: '-2d', amount: 5000, currency: 'usd', description: 'open hold', captured: false },
        { at: '-20d', amount: 5000, currency: 'usd', description: 'expired hold', captured: false },
        {
          at: '-30d',
          amount: 8000,
          currency: 'usd',
          description: 'partial',
          refunds: [{ at: '-29d', amount: 2000, reason: 'requested_by_customer' }],
        },
        {
          at: '-30d',
          amount: 8000,
          currency: 'usd',
          description: 'full',
          refunds: [
            { at: '-29d', amount: 1000 },
            { at: '-28d', reason: 'duplicate', metadata: { note: 'rest' } },
          ],
        },
        { at: '-10d', amount: 3000, currency: 'usd', description: 'open dispute', dispute: { at: '-5d' } },
        { at: '-90d', amount: 3000, currency: 'usd', description: 'lost', dispute: { at: '-80d', status: 'lost', closed_at: '-40d' } },
        {
          at: '-90d',
          amount: 3000,
          currency: 'usd',
          description: 'won',
          dispute: { at: '-80d', status: 'won', reason: 'product_not_received' },
        },
        {
          at: '-20d',
          amount: 3000,
          currency: 'usd',
          description: 'review',
          dispute: { at: '-15d', status: 'under_review', evidence: 'Receipt.' },
        },
        { at: '-20d', amount: 3000, currency: 'usd', description: 'inquiry', dispute: { at: '-15d', status: 'warning_closed' } },
      ]),
    );
    expect(summary.accounts[0]).toMatchObject({ refunds: 4, disputes: 5 });
    expect(byDescription(store, 'open hold')).toMatchObject({ status: 'succeeded', captured: false, amount_captured: 0, refunded: false });
    const expired = byDescription(store, 'expired hold');
    expect(expired).toMatchObject({ captured: false, refunded: true, amount_refunded: 5000 });
    expect(store.all('refund').find((r) => r.charge === expired.id)).toMatchObject({
      reason: 'expired_uncaptured_charge',
      created: expired.created + 7 * DAY,
    });
    expect(byDescription(store, 'partial')).toMatchObject({ amount_refunded: 2000, refunded: false });
    const full = byDescription(store, 'full');
    expect(full).toMatchObject({ amount_refunded: 8000, refunded: true });
    expect(
      store
        .all('refund')
        .filter((r) => r.charge === full.id)
        .map((r) => [r.amount, r.reason, r.metadata]),
    ).toEqual([
      [7000, 'duplicate', { note: 'rest' }],
      [1000, null, {}],
    ]);
    const disputeOf = (d: string) => store.all('dispute').find((x) => x.charge === byDescription(store, d).id)!;
    expect(disputeOf('open dispute')).toMatchObject({ status: 'needs_response', reason: 'fraudulent', created: NOW - 5 * DAY });
    expect(byDescription(store, 'open dispute').disputed).toBe(true);
    const lost = disputeOf('lost');
    expect(lost.status).toBe('lost');
    expect(lost.balance_transactions.map((t: { amount: number; created: number }) => [t.amount, t.created])).toEqual([
      [-3000, NOW - 80 * DAY],
    ]);
    const won = disputeOf('won');
    expect(won).toMatchObject({
      status: 'won',
      reason: 'product_not_received',
      evidence_details: { submission_count: 1, has_evidence: true },
    });
    expect(won.balance_transactions.map((t: { amount: number; created: number }) => [t.amount, t.created])).toEqual([
      [-3000, NOW - 80 * DAY],
      [3000, NOW - 50 * DAY],
    ]);
    expect(disputeOf('review')).toMatchObject({ status: 'under_review', evidence: { uncategorized_text: 'Receipt.' } });
    expect(disputeOf('inquiry')).toMatchObject({ status: 'warning_closed', balance_transactions: [], is_charge_refundable: true });
    expect(store.all('event')).toHaveLength(0);
  });

  it('expires a loaded authorization when its 7 days are over', async () => {
    let clock2 = Date.now();
    const running2 = await start({
      scenario: scenario([{ at: '-6d', amount: 5000, currency: 'usd', description: 'hold', captured: false }]),
      now: () => clock2,
    });
    try {
      const acct = await connect(running2, firstAccount(running2));
      const s = sdk(running2);
      const hold = (await s.charges.list({}, { stripeAccount: acct })).data[0]!;
      expect(hold.captured).toBe(false);
      clock2 += 2 * DAY * 1000;
      const expired = await s.charges.retrieve(hold.id, {}, { stripeAccount: acct });
      expect(expired).toMatchObject({ refunded: true, captured: false });
      expect((await s.events.list({ type: 'charge.expired' }, { stripeAccount: acct })).data).toHaveLength(1);
    } finally {
      await running2.close();
    }
  });

  it('rejects malformed refunds and disputes, naming each by its path', () => {
    const problems = (charges: unknown[]) => {
      try {
        parseScenario(scenario(charges), NOW);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    const c = { at: '-30d', amount: 1000, currency: 'usd' };
    expect(
      problems([
        {
          ...c,
          refunds: [
            { at: '-20d', amount: 600 },
            { at: '-10d', amount: 500 },
          ],
        },
      ]),
    ).toMatch(/accounts\.0\.customers\.0\.charges\.0\.refunds\.1\.amount: 500 is more than the 400 left to refund/);
    expect(problems([{ ...c, refunds: [{ at: '-20d' }, { at: '-10d' }] }])).toMatch(
      /charges\.0\.refunds\.1: the charge is already fully refunded/,
    );
    expect(problems([{ ...c, refunds: [{ at: '-40d' }] }])).toMatch(/charges\.0\.refunds\.0\.at: the refund is before the charge/);
    expect(problems([{ ...c, refunds: [{ at: '+1d' }] }])).toMatch(/charges\.0\.refunds\.0\.at: the refund is in the future/);
    expect(problems([{ ...c, status: 'failed', refunds: [{ at: '-1d' }] }])).toMatch(/charges\.0\.refunds: only a succeeded charge/);
    expect(problems([{ ...c, captured: false, dispute: { at: '-1d' } }])).toMatch(/charges\.0\.dispute: an uncaptured charge/);
    expect(problems([{ ...c, status: 'failed', captured: false }])).toMatch(
      /charges\.0\.captured: only a succeeded charge can be uncaptured/,
    );
    expect(problems([{ ...c, dispute: { at: '-40d' } }])).toMatch(/charges\.0\.dispute\.at: the dispute is before the charge/);
    expect(problems([{ ...c, dispute: { at: '-20d', closed_at: '-10d' } }])).toMatch(
      /charges\.0\.dispute\.closed_at: only a won, lost or warning_closed dispute is closed/,
    );
    expect(problems([{ ...c, dispute: { at: '-20d', status: 'lost', closed_at: '-25d' } }])).toMatch(
      /dispute\.closed_at: before the dispute/,
    );
    expect(problems([{ ...c, dispute: { at: '-20d' }, refunds: [{ at: '-10d' }] }])).toMatch(
      /charges\.0\.refunds\.0\.at: the charge is charged back/,
    );
    expect(problems([{ ...c, dispute: { at: '-20d', status: 'warning_needs_response' }, refunds: [{ at: '-10d' }] }])).toBe('');
    expect(problems([{ ...c, dispute: { at: '-20d', status: 'escalated' } }])).toMatch(/charges\.0\.dispute\.status/);
    expect(problems([{ ...c, refunds: [{ at: '-20d', reason: 'expired_uncaptured_charge' }] }])).toMatch(/charges\.0\.refunds\.0\.reason/);
    expect(problems([{ ...c, refunds: [{ at: '-20d', amount: 0 }] }])).toMatch(/charges\.0\.refunds\.0\.amount/);
  });

  it('answers a malformed scenario posted to the emulator with a 400 naming the problem', async () => {
    const res = await fetch(`${running.url}/_emulator/scenario`, {
      method: 'POST',
      body: JSON.stringify(scenario([{ at: '-30d', amount: 1000, currency: 'usd', refunds: [{ at: '-20d', amount: 2000 }] }])),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /refunds\.0\.amount: 2000 is more than the 1000 left/,
    );
  });

  it('invoices a loaded trial at once, paid and for 0', () => {
    const { store } = load(scenario([], { subscriptions: [{ start: '-5d', trial_days: 14, items: [{ price: 'm' }] }] }));
    const [invoice] = store.all('invoice');
    expect(invoice).toMatchObject({
      status: 'paid',
      total: 0,
      billing_reason: 'subscription_create',
      period_start: NOW - 5 * DAY,
      period_end: NOW + 9 * DAY,
    });
    expect(invoice!.lines.data[0]).toMatchObject({ amount: 0, description: 'Trial period for Plan' });
    expect(store.all('charge')).toHaveLength(0);
    expect(store.all('subscription')[0]!.status).toBe('trialing');
  });

  it('bills a subscription canceled exactly at a renewal up to that renewal, not for the period it starts', () => {
    const start = NOW - 100 * DAY;
    const canceledAt = addInterval(start, 'month', 2);
    const { store } = load(scenario([], { subscriptions: [{ start, canceled_at: canceledAt, items: [{ price: 'm' }] }] }));
    const invoices = store.all('invoice');
    expect(invoices.map((i) => i.period_start).reverse()).toEqual([start, addInterval(start, 'month', 1)]);
    expect(invoices.every((i) => i.period_start < canceledAt)).toBe(true);
    const sub = store.all('subscription')[0]!;
    expect(sub).toMatchObject({ status: 'canceled', canceled_at: canceledAt, ended_at: canceledAt });
    expect(store.get(sub.latest_invoice)!.period_end).toBe(canceledAt);
    // One second later, the period that started at the renewal is billed.
    const later = load(scenario([], { subscriptions: [{ start, canceled_at: canceledAt + 1, items: [{ price: 'm' }] }] })).store;
    expect(later.all('invoice')).toHaveLength(3);
  });
});

import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { useChargesWorld } from './charges.setup.js';

const w = useChargesWorld();
const { opts, eventsOf, charge, admin } = w;
let stripe: Stripe;
beforeAll(() => {
  ({ stripe } = w);
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

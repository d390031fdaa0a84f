import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { receiver, until } from './helpers.js';
import { DAY, useChargesWorld } from './charges.setup.js';

const w = useChargesWorld();
const { opts, eventsOf, charge } = w;
let stripe: Stripe;
let account: string;
let customer: string;
beforeAll(() => {
  ({ stripe, account, customer } = w);
});

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
    w.clock += 7 * DAY * 1000 + 1000;
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
      w.clock -= 7 * DAY * 1000 + 1000;
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

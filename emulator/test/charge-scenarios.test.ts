import type Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { Emulator, parseScenario } from '../index.js';
import type { RunningEmulator } from '../index.js';
import { addInterval } from '../objects/periods.js';
import { loadScenario } from '../scenario/load.js';
import type { ScenarioInput } from '../scenario/schema.js';
import { connect, firstAccount, sdk, start } from './helpers.js';
import { DAY, useChargesWorld } from './charges.setup.js';

const w = useChargesWorld();
const { opts } = w;
let running: RunningEmulator;
let stripe: Stripe;
beforeAll(() => {
  ({ running, stripe } = w);
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

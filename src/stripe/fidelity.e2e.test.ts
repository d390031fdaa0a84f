import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/app.js';
import { emulatorTruth, ownerWithStripe, startStripeWorld, type StripeWorld, waitForSync } from '../../test/helpers/stripe.js';
import type { SignedUpUser } from '../../test/helpers/app.js';
import { createStripeDataRepo } from './stripe-data.repo.js';

/**
 * A business that holds what real Stripe accounts hold and the generated demo rarely does: invoices of 25
 * lines (Stripe embeds ten), a subscription of twelve items, refunds in part and in full, an authorization
 * never captured, an open and a lost dispute, a name with a NUL character and a subscription that cannot be
 * mapped. Every request goes through Stripe's rules (the emulator refuses what Stripe refuses, and the test
 * set-up fails on any refusal of PulseScore's).
 */

const seats = Array.from({ length: 12 }, (_, i) => ({
  key: `addon-${i}`,
  product: 'addons',
  currency: 'usd',
  unit_amount: 100 * (i + 1),
  recurring: { interval: 'month' as const },
}));

const scenario = {
  version: 1,
  seed: 5,
  accounts: [
    {
      name: 'Fidelity Co',
      products: [
        { key: 'pro', name: 'Pro' },
        { key: 'addons', name: 'Add-ons' },
      ],
      prices: [
        { key: 'pro-monthly', product: 'pro', currency: 'usd', unit_amount: 4900, recurring: { interval: 'month' } },
        {
          key: 'seats',
          product: 'pro',
          currency: 'usd',
          billing_scheme: 'tiered',
          tiers_mode: 'graduated',
          tiers: [
            { up_to: 5, unit_amount: 1500 },
            { up_to: 'inf', unit_amount: 900 },
          ],
          recurring: { interval: 'month' },
        },
        ...seats,
      ],
      coupons: [{ key: 'launch', id: 'LAUNCH20', percent_off: 20, duration: 'forever' }],
      customers: [
        {
          key: 'nul',
          name: 'Ac\u0000me',
          email: 'billing@acme.example',
          created: '-200d',
          subscriptions: [{ start: '-100d', items: [{ price: 'seats', quantity: 8, discounts: [{ coupon: 'launch' }] }] }],
          charges: [
            { at: '-30d', amount: 8000, currency: 'usd', description: 'Onboarding', refunds: [{ at: '-29d', amount: 2000 }] },
            { at: '-20d', amount: 3000, currency: 'usd', description: 'Duplicate', refunds: [{ at: '-19d' }] },
            { at: '-2d', amount: 5000, currency: 'usd', description: 'Hold', captured: false },
            { at: '-10d', amount: 4000, currency: 'usd', description: 'Setup', dispute: { at: '-8d', status: 'needs_response' } },
            {
              at: '-80d',
              amount: 2500,
              currency: 'usd',
              description: 'Old setup',
              dispute: { at: '-70d', status: 'lost', closed_at: '-40d' },
            },
          ],
        },
        {
          key: 'wide',
          name: 'Wide Co',
          email: 'ap@wide.example',
          created: '-120d',
          subscriptions: [{ start: '-60d', items: seats.map((s) => ({ price: s.key })) }],
        },
        {
          key: 'plain',
          name: 'Plain Co',
          email: 'hi@plain.example',
          subscriptions: [{ start: '-45d', items: [{ price: 'pro-monthly' }] }],
        },
      ],
    },
  ],
};

let world: StripeWorld;
let owner: SignedUpUser;
const store = () => world.emulator.emulator.connectedAccounts()[0]!.store;
const db = () => world.t.runtime.database.db;

beforeAll(async () => {
  world = await startStripeWorld({ emulator: { scenario } });
  const s = store();
  // An invoice of 25 lines (the emulator keeps them all and serves the first ten, as Stripe does).
  const invoice = s.all('invoice').find((i) => i.customer === s.all('customer').find((c) => c.email === 'hi@plain.example')!.id)!;
  const line = invoice.lines.data[0]!;
  s.put({
    ...invoice,
    lines: { ...invoice.lines, data: Array.from({ length: 25 }, (_, i) => ({ ...line, id: `il_fidelity${String(i).padStart(2, '0')}` })) },
  });
  // A subscription Stripe could hold but PulseScore cannot map: an item without a price.
  const sub = s.all('subscription')[0]!;
  const broken = { ...structuredClone(sub), id: 'sub_unmappable', items: { ...sub.items, data: [{ ...sub.items.data[0], price: null }] } };
  s.put(broken);
  owner = await ownerWithStripe(world);
}, 120_000);
afterAll(() => world?.close());

describe('a sync of a business as real Stripe accounts hold it', () => {
  it('imports every line, item, refund and dispute, reports the object it could not map, and loses nothing else', async () => {
    const sync = (await owner.client.get('/api/v1/integrations/stripe/sync')).body.sync;
    const truth = await emulatorTruth(world, owner.orgId);
    expect(sync.status).toBe('succeeded');
    expect(sync.counts).toEqual({ ...truth, subscriptions: truth.subscriptions - 1, skipped: 1 });
    expect(truth.refunds).toBe(2);
    expect(truth.disputes).toBe(2);
    expect(sync.message).toBe(`Sync complete — ${truth.customers} customers imported. 1 object could not be imported.`);
    expect(sync.skipped).toEqual([{ type: 'subscription', id: 'sub_unmappable', reason: expect.stringContaining('has no price') }]);

    const invoice = await db()
      .selectFrom('invoices')
      .select('lines')
      .where('org_id', '=', owner.orgId)
      .where(
        'stripe_invoice_id',
        '=',
        store()
          .all('invoice')
          .find((i) => i.lines.data.length === 25)!.id,
      )
      .executeTakeFirstOrThrow();
    expect(invoice.lines).toHaveLength(25);

    const subs = await db().selectFrom('subscriptions').select(['items', 'plan_name']).where('org_id', '=', owner.orgId).execute();
    const wide = subs.find((s) => (s.items as unknown[]).length === 12);
    expect(wide?.plan_name).toBe(Array(12).fill('Add-ons').join(' + '));
    const tiered = subs
      .flatMap((s) => s.items as { billing_scheme: string; tiers: unknown[] | null; discounts: { percent_off: number }[] }[])
      .find((i) => i.billing_scheme === 'tiered')!;
    // Tiers, product and the item's coupon come from the catalog, which Stripe cannot expand that deep in a list.
    expect(tiered.tiers).toHaveLength(2);
    expect(tiered.discounts[0]!.percent_off).toBe(20);

    const acme = store()
      .all('customer')
      .find((c) => c.email === 'billing@acme.example')!;
    const customer = await db()
      .selectFrom('customers')
      .select('name')
      .where('org_id', '=', owner.orgId)
      .where('external_id', '=', acme.id)
      .executeTakeFirstOrThrow();
    expect(customer.name).toBe('Acme');

    const payments = await db()
      .selectFrom('payments')
      .select(['amount_cents', 'status', 'amount_refunded_cents', 'captured', 'disputed'])
      .where('org_id', '=', owner.orgId)
      .where('stripe_customer_id', '=', acme.id)
      .orderBy('amount_cents')
      .execute();
    expect(payments.filter((p) => [2500, 3000, 4000, 5000, 8000].includes(Number(p.amount_cents)))).toEqual([
      { amount_cents: 2500, status: 'succeeded', amount_refunded_cents: 0, captured: true, disputed: true },
      { amount_cents: 3000, status: 'refunded', amount_refunded_cents: 3000, captured: true, disputed: false },
      { amount_cents: 4000, status: 'succeeded', amount_refunded_cents: 0, captured: true, disputed: true },
      { amount_cents: 5000, status: 'uncaptured', amount_refunded_cents: 0, captured: false, disputed: false },
      { amount_cents: 8000, status: 'succeeded', amount_refunded_cents: 2000, captured: true, disputed: false },
    ]);
    const disputes = await db()
      .selectFrom('disputes')
      .select(['status', 'stripe_customer_id', 'amount_cents'])
      .where('org_id', '=', owner.orgId)
      .orderBy('amount_cents')
      .execute();
    expect(disputes).toEqual([
      { status: 'lost', stripe_customer_id: acme.id, amount_cents: 2500 },
      { status: 'needs_response', stripe_customer_id: acme.id, amount_cents: 4000 },
    ]);
    const events = await db()
      .selectFrom('org_events')
      .select('type')
      .where('org_id', '=', owner.orgId)
      .where('type', '=', 'payment.disputed')
      .execute();
    expect(events).toHaveLength(2);

    // The score reads them: an open and a lost dispute weigh in the failed-payments factor, and the disputed
    // payments are not successes.
    const scored = await db()
      .selectFrom('customers')
      .select('id')
      .where('org_id', '=', owner.orgId)
      .where('external_id', '=', acme.id)
      .executeTakeFirstOrThrow();
    // Scores follow the sync in the background.
    const failures = await waitFor(async () => {
      const detail = (await owner.client.get(`/api/v1/customers/${scored.id}`)).body;
      return detail.score?.factors?.find((f: { name: string }) => f.name === 'failed_payments') ?? null;
    });
    expect(failures.explanation).toContain('1 open dispute and 1 dispute lost in the last 90 days');
    expect(failures.value).toBeLessThan(0.1);
  });

  it('changes no counts on a second sync', async () => {
    const before = await createStripeDataRepo(db()).counts(owner.orgId);
    const first = (await owner.client.get('/api/v1/integrations/stripe/sync')).body.sync;
    expect((await owner.client.post('/api/v1/integrations/stripe/sync')).status).toBe(202);
    const second = await waitForSync(owner.client);
    expect(second.kind).toBe('manual');
    expect(second.counts).toEqual(first.counts);
    expect(await createStripeDataRepo(db()).counts(owner.orgId)).toEqual(before);
  });

  it('follows refunds and disputes from webhooks, and the lines of a long invoice from its event', async () => {
    const account = world.emulator.emulator.connectedAccounts()[0]!.id;
    const stripe = new Stripe(world.emulator.emulator.platform.secretKey, {
      host: '127.0.0.1',
      port: world.emulator.port,
      protocol: 'http',
    });
    const plain = store()
      .all('customer')
      .find((c) => c.email === 'hi@plain.example')!;
    const charge = await stripe.charges.create({ amount: 6000, currency: 'usd', customer: plain.id }, { stripeAccount: account });
    await stripe.refunds.create({ charge: charge.id }, { stripeAccount: account });
    const disputed = await stripe.charges.create(
      { amount: 7000, currency: 'usd', source: 'tok_createDispute', description: 'Chargeback' },
      { stripeAccount: account },
    );
    const payment = () =>
      db()
        .selectFrom('payments')
        .select(['status', 'amount_refunded_cents'])
        .where('org_id', '=', owner.orgId)
        .where('stripe_payment_id', '=', charge.id)
        .executeTakeFirst();
    await waitFor(async () => (await payment())?.status === 'refunded', 20_000);
    await waitFor(async () => {
      const rows = await db().selectFrom('refunds').select('stripe_charge_id').where('org_id', '=', owner.orgId).execute();
      return rows.some((r) => r.stripe_charge_id === charge.id);
    }, 20_000);
    await waitFor(async () => {
      const rows = await db().selectFrom('disputes').select('stripe_charge_id').where('org_id', '=', owner.orgId).execute();
      return rows.some((r) => r.stripe_charge_id === disputed.id);
    }, 20_000);
  });
});

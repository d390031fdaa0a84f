import { beforeAll, describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, useTestApp } from '../../test/helpers/app.js';
import { dayOf } from '../revenue/exchange-rates.js';

let t: TestApp;
useTestApp((app) => {
  t = app;
});
const db = () => t.runtime.database.db;
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

interface Churned {
  name: string;
  currency: string;
  mrr: number;
  /** Days ago the MRR went to zero (null: it never had MRR, a trial that did not convert). */
  churnedDaysAgo: number | null;
  subscription: { status: string; reason: string | null; endedDaysAgo: number | null };
  lifecycle: { state: string; churn: 'voluntary' | 'involuntary' | null };
  /** Days ago the customer came back (a new subscription). */
  reactivatedDaysAgo?: number;
}

/** A customer whose MRR history (as scoring writes it) and subscriptions tell a known churn. */
async function churned(orgId: string, c: Churned) {
  const { id } = await db()
    .insertInto('customers')
    .values({
      org_id: orgId,
      external_id: `cus_${c.name}`,
      name: c.name,
      first_seen_at: ago(300),
      metadata: '{}',
      mrr: String(c.reactivatedDaysAgo ? c.mrr : 0),
      mrr_currency: c.currency,
      mrr_by_currency: JSON.stringify(c.reactivatedDaysAgo ? { [c.currency]: c.mrr } : {}),
      lifecycle_state: c.lifecycle.state,
      lifecycle_churn: c.lifecycle.churn,
      lifecycle_at: c.subscription.endedDaysAgo === null ? null : ago(c.subscription.endedDaysAgo),
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  const segment = (from: Date, to: Date | null, mrr: number, movement: 'new' | 'churn' | 'reactivation', delta: number) =>
    db()
      .insertInto('mrr_history')
      .values({ org_id: orgId, customer_id: id, currency: c.currency, valid_from: from, valid_to: to, mrr, movement, delta })
      .execute();
  if (c.churnedDaysAgo !== null) {
    const churnedAt = ago(c.churnedDaysAgo);
    const back = c.reactivatedDaysAgo === undefined ? null : ago(c.reactivatedDaysAgo);
    await segment(ago(250), churnedAt, c.mrr, 'new', c.mrr);
    await segment(churnedAt, back, 0, 'churn', -c.mrr);
    if (back) await segment(back, null, c.mrr, 'reactivation', c.mrr);
  }
  const sub = (suffix: string, status: string, reason: string | null, ended: Date | null) =>
    db()
      .insertInto('subscriptions')
      .values({
        org_id: orgId,
        stripe_subscription_id: `sub_${c.name}_${suffix}`,
        stripe_customer_id: `cus_${c.name}`,
        status,
        amount_cents: c.mrr,
        currency: c.currency,
        interval: 'month',
        interval_count: 1,
        canceled_at: ended,
        ended_at: ended,
        started_at: ago(250),
        items: '[]',
        discounts: '[]',
        cancellation_reason: reason,
      } as never)
      .execute();
  const ended = c.subscription.endedDaysAgo === null ? null : ago(c.subscription.endedDaysAgo);
  await sub('1', c.subscription.status, c.subscription.reason, ended);
  if (c.reactivatedDaysAgo !== undefined) await sub('2', 'active', null, null);
}

const canceled = (reason: string | null, endedDaysAgo: number) => ({ status: 'canceled', reason, endedDaysAgo });

describe('the dashboard splits churn into voluntary and involuntary over 30 and 90 days', () => {
  let owner: SignedUpUser;

  beforeAll(async () => {
    owner = await signUp(t, { organizationName: 'Churny' });
    const org = owner.orgId;
    const churnedState = (churn: 'voluntary' | 'involuntary') => ({ state: 'churned', churn });
    for (const c of [
      // Asked to cancel, 10 days ago: voluntary, $100.
      {
        name: 'a',
        currency: 'usd',
        mrr: 10_000,
        churnedDaysAgo: 10,
        subscription: canceled('cancellation_requested', 10),
        lifecycle: churnedState('voluntary'),
      },
      // Payments failed, 20 days ago: involuntary, $50.
      {
        name: 'b',
        currency: 'usd',
        mrr: 5_000,
        churnedDaysAgo: 20,
        subscription: canceled('payment_failed', 20),
        lifecycle: churnedState('involuntary'),
      },
      // Stripe stopped collecting 60 days ago (unpaid, never ended): involuntary, €200.
      {
        name: 'c',
        currency: 'eur',
        mrr: 20_000,
        churnedDaysAgo: 60,
        subscription: { status: 'unpaid', reason: null, endedDaysAgo: null },
        lifecycle: churnedState('involuntary'),
      },
      // Left 45 days ago: voluntary, ¥5,000.
      {
        name: 'd',
        currency: 'jpy',
        mrr: 5_000,
        churnedDaysAgo: 45,
        subscription: canceled(null, 45),
        lifecycle: churnedState('voluntary'),
      },
      // Left 100 days ago: outside both windows.
      {
        name: 'e',
        currency: 'usd',
        mrr: 8_000,
        churnedDaysAgo: 100,
        subscription: canceled(null, 100),
        lifecycle: churnedState('voluntary'),
      },
      // Card failed 15 days ago, came back 5 days ago: the churn still happened, involuntary, $30.
      {
        name: 'f',
        currency: 'usd',
        mrr: 3_000,
        churnedDaysAgo: 15,
        subscription: canceled('payment_failed', 15),
        lifecycle: { state: 'active', churn: null },
        reactivatedDaysAgo: 5,
      },
      // A trial canceled 5 days ago never had MRR: not churn.
      {
        name: 'g',
        currency: 'usd',
        mrr: 0,
        churnedDaysAgo: null,
        subscription: canceled('cancellation_requested', 5),
        lifecycle: churnedState('voluntary'),
      },
      // Disputed 80 days ago: involuntary, $40.
      {
        name: 'h',
        currency: 'usd',
        mrr: 4_000,
        churnedDaysAgo: 80,
        subscription: canceled('payment_disputed', 80),
        lifecycle: churnedState('involuntary'),
      },
    ] satisfies Churned[]) {
      await churned(org, c);
    }
  });

  it('counts customers and MRR lost per currency, and in the reporting currency where a rate exists', async () => {
    const res = await owner.client.get('/api/v1/dashboard/summary');
    expect(res.status, res.text).toBe(200);
    const { churn } = res.body;
    // No customer pays now but f (USD): USD is the reporting currency.
    expect(churn.currency).toBe('usd');
    const [d30, d90] = churn.windows;
    expect(d30).toMatchObject({
      days: 30,
      voluntary: { customers: 1, mrr: [{ currency: 'usd', amount: 10_000, display: 100 }] },
      involuntary: { customers: 2, mrr: [{ currency: 'usd', amount: 8_000, display: 80 }] },
    });
    expect(d30.voluntary.inReporting).toMatchObject({ currency: 'usd', amount: 10_000, complete: true });
    expect(d90).toMatchObject({
      days: 90,
      voluntary: {
        customers: 2,
        mrr: [
          { currency: 'jpy', amount: 5_000, display: 5_000 },
          { currency: 'usd', amount: 10_000, display: 100 },
        ],
      },
      involuntary: {
        customers: 4,
        mrr: [
          { currency: 'eur', amount: 20_000, display: 200 },
          { currency: 'usd', amount: 12_000, display: 120 },
        ],
      },
    });
    // Without rates, yen and euros are not added to dollars: they are left out, with the reason.
    expect(d90.voluntary.inReporting).toMatchObject({
      amount: 10_000,
      complete: false,
      leftOut: [{ currency: 'jpy', reason: 'no JPY→USD rate' }],
    });
    expect(d90.involuntary.inReporting).toMatchObject({
      amount: 12_000,
      complete: false,
      leftOut: [{ currency: 'eur', reason: 'no EUR→USD rate' }],
    });
  });

  it('converts MRR lost with a rate once there is one', async () => {
    const add = await owner.client.post('/api/v1/currencies/rates', {
      base: 'eur',
      rate: '1.1',
      effectiveFrom: dayOf(Date.now() - 365 * DAY),
    });
    expect(add.status, add.text).toBe(201);
    const [, d90] = (await owner.client.get('/api/v1/dashboard/summary')).body.churn.windows;
    expect(d90.involuntary.inReporting).toMatchObject({
      currency: 'usd',
      amount: 12_000 + 22_000,
      display: 340,
      complete: true,
      leftOut: [],
    });
    const eur = d90.involuntary.inReporting.parts.find((p: { currency: string }) => p.currency === 'eur');
    expect(eur).toMatchObject({ amount: 20_000, status: 'converted', converted: { amount: 22_000 }, rate: { rate: '1.1' } });
    expect(d90.voluntary.inReporting.complete).toBe(false);
  });

  it('shows an organization without churn as zeros', async () => {
    const other = await signUp(t, { organizationName: 'Loyal' });
    const { churn } = (await other.client.get('/api/v1/dashboard/summary')).body;
    expect(churn.currency).toBeNull();
    for (const w of churn.windows) {
      expect(w.voluntary).toEqual({ customers: 0, mrr: [], inReporting: null });
      expect(w.involuntary).toEqual({ customers: 0, mrr: [], inReporting: null });
    }
  });
});

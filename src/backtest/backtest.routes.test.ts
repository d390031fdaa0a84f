import { describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, type TestClient, useTestApp } from '../../test/helpers/app.js';
import { createLogger } from '../core/logger.js';
import { DEFAULT_CONFIG } from '../scoring/scoring.config.js';
import { createBacktestService } from './backtest.service.js';

/**
 * A hand-built business whose outcomes are known, run through the real reconstruction and the backtest API; the
 * expected numbers are counted by hand below, from how each customer was built.
 */

let t: TestApp;
useTestApp((app) => {
  t = app;
});

const DAY = 86_400;
const NOW = Math.floor(Date.now() / 1000 / DAY) * DAY;
const ago = (days: number) => new Date((NOW - days * DAY) * 1000);
const db = () => t.runtime.database.db;

async function customer(orgId: string, ext: string) {
  return (
    await db()
      .insertInto('customers')
      .values({
        org_id: orgId,
        external_id: ext,
        email: `${ext}@example.com`,
        name: ext,
        currency: 'usd',
        first_seen_at: new Date(),
        metadata: '{}',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

interface Built {
  created: number;
  ended?: number;
  reason?: string;
  status?: string;
  trialDays?: number;
  /** Days ago each monthly invoice was issued, and whether (when) it was paid. */
  invoices: { issued: number; paid: number | null }[];
  failures?: number[];
}

async function build(orgId: string, ext: string, b: Built) {
  const id = await customer(orgId, ext);
  await db()
    .insertInto('subscriptions')
    .values({
      org_id: orgId,
      stripe_subscription_id: `sub_${ext}`,
      stripe_customer_id: ext,
      status: b.status ?? (b.ended !== undefined ? 'canceled' : 'active'),
      amount_cents: 4900,
      currency: 'usd',
      interval: 'month',
      interval_count: 1,
      cancel_at_period_end: false,
      started_at: ago(b.created),
      trial_start: b.trialDays ? ago(b.created) : null,
      trial_end: b.trialDays ? ago(b.created - b.trialDays) : null,
      canceled_at: b.ended !== undefined ? ago(b.ended) : null,
      ended_at: b.ended !== undefined ? ago(b.ended) : null,
      cancellation_reason: b.reason ?? null,
      items: '[]',
      discounts: '[]',
    })
    .execute();
  for (const [k, inv] of b.invoices.entries()) {
    const start = NOW - inv.issued * DAY;
    await db()
      .insertInto('invoices')
      .values({
        org_id: orgId,
        stripe_invoice_id: `in_${ext}_${k}`,
        stripe_customer_id: ext,
        stripe_subscription_id: `sub_${ext}`,
        status: inv.paid !== null ? 'paid' : 'open',
        currency: 'usd',
        subtotal_cents: 4900,
        total_cents: 4900,
        amount_due_cents: 4900,
        amount_paid_cents: inv.paid !== null ? 4900 : 0,
        issued_at: ago(inv.issued),
        paid_at: inv.paid !== null ? new Date((NOW - inv.paid * DAY + 3600) * 1000) : null,
        lines: JSON.stringify([{ amount: 4900, subscription_item: 'si_1', period_start: start, period_end: start + 30 * DAY }]),
      })
      .execute();
  }
  for (const [k, days] of (b.failures ?? []).entries()) {
    await db()
      .insertInto('payments')
      .values({
        org_id: orgId,
        stripe_payment_id: `ch_${ext}_${k}`,
        stripe_customer_id: ext,
        amount_cents: 4900,
        currency: 'usd',
        status: 'failed',
        failure_code: k === 0 ? 'expired_card' : 'card_declined',
        paid_at: ago(days),
      })
      .execute();
  }
  return id;
}

/** Monthly invoices issued `from` days ago down to (after) `to` days ago, paid as issued. */
const monthly = (from: number, to: number) => {
  const out: { issued: number; paid: number | null }[] = [];
  for (let d = from; d > to; d -= 30) out.push({ issued: d, paid: d });
  return out;
};

describe('the backtest on a hand-built business', () => {
  let owner: SignedUpUser;
  let member: TestClient;
  const ids: Record<string, string> = {};

  it('reconstructs the history and answers exactly the counted numbers', async () => {
    owner = await signUp(t);
    const org = owner.orgId;
    // A: chose to leave 20 days ago, with no warning sign (healthy until then).
    ids.A = await build(org, 'cus_A', { created: 300, ended: 20, reason: 'cancellation_requested', invoices: monthly(300, 20) });
    // B: its card failed from 45 days ago; Stripe canceled it 5 days ago.
    ids.B = await build(org, 'cus_B', {
      created: 285,
      ended: 5,
      reason: 'payment_failed',
      invoices: [...monthly(285, 45), { issued: 45, paid: null }],
      failures: [45, 42, 39, 36],
    });
    // C and G: healthy, paying every month.
    ids.C = await build(org, 'cus_C', { created: 300, invoices: monthly(300, 0) });
    ids.G = await build(org, 'cus_G', { created: 200, invoices: monthly(200, 0) });
    // D: the same failures as B, then paid 20 days ago and stayed: a false alarm 30 days ago.
    ids.D = await build(org, 'cus_D', {
      created: 285,
      invoices: [...monthly(285, 45), { issued: 45, paid: 20 }, { issued: 15, paid: 15 }],
      failures: [45, 42, 39, 36],
    });
    // E: a trial that never paid (not a churn); F: a customer of 10 days (no point 30 days ago).
    ids.E = await build(org, 'cus_E', { created: 50, trialDays: 14, ended: 36, reason: 'cancellation_requested', invoices: [] });
    ids.F = await build(org, 'cus_F', { created: 10, invoices: monthly(10, 0) });

    const service = createBacktestService({ db: db(), logger: createLogger('silent'), now: () => NOW * 1000 });
    expect(await service.rebuild(org)).toMatchObject({ customers: 7 });

    const res = await owner.client.get('/api/v1/scoring/backtest?horizon=30');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
    const r = res.body.result;
    // Judged: churners A (green 30 days before) and B (red); stayers C, G (green) and D (red) 30 days ago; E, F left out.
    expect(r.excluded).toEqual({ churners: 0, stayers: 2 });
    expect(r.all.churners).toBe(2);
    expect(r.all.stayers).toBe(3);
    expect(r.all.baseRate.value).toBe(2 / 5);
    const red = r.all.red;
    expect(red.flagged).toBe(2);
    expect(red.customers).toEqual({ caught: [ids.B], missed: [ids.A], falseAlarms: [ids.D] });
    expect(red.precision.value).toBe(1 / 2);
    expect(red.recall.value).toBe(1 / 2);
    expect(red.lift).toBeCloseTo(1 / 2 / (2 / 5), 12);
    expect(red.capturedMrr).toEqual([{ currency: 'usd', flagged: 4900, total: 9800, share: 0.5 }]);
    // Wilson 95 % for 1 of 2: 0.0945 … 0.9055 (tabulated), and a small sample.
    expect(red.precision.low).toBeCloseTo(0.0945, 4);
    expect(red.precision.high).toBeCloseTo(0.9055, 4);
    expect(red.precision.smallSample).toBe(true);
    expect(r.smallSample).toBe(true);
    // Nobody was yellow: "red or yellow" flags the same customers.
    expect(r.all.redOrYellow.customers).toEqual(red.customers);
    // Voluntary apart: A missed, D a false alarm → precision 0 of 1, recall 0 of 1, base rate 1 of 4, lift 0.
    expect(r.voluntary.red.precision.value).toBe(0);
    expect(r.voluntary.red.recall.value).toBe(0);
    expect(r.voluntary.baseRate.value).toBe(1 / 4);
    expect(r.voluntary.red.lift).toBe(0);
    // Involuntary apart: B caught, D a false alarm → precision 1/2, recall 1/1, base rate 1/4, lift 2.
    expect(r.involuntary.red.precision.value).toBe(1 / 2);
    expect(r.involuntary.red.recall.value).toBe(1);
    expect(r.involuntary.red.lift).toBe(2);
    // Each churn with its levels before it; the customers behind the numbers can be opened.
    const b = res.body.churns.find((c: { customerId: string }) => c.customerId === ids.B);
    expect(b).toMatchObject({ kind: 'involuntary', mrr: { currency: 'usd', amount: 4900 } });
    expect(b.before['30'].level).toBe('red');
    expect(b.before['60'].level).toBe('green');
    const a = res.body.churns.find((c: { customerId: string }) => c.customerId === ids.A);
    expect(a).toMatchObject({ kind: 'voluntary' });
    expect(a.before['30'].level).toBe('green');
    expect(res.body.churns).toHaveLength(2);
    expect(res.body.customers.map((c: { name: string }) => c.name).sort()).toEqual(['cus_A', 'cus_B', 'cus_D']);
    expect((await owner.client.get(`/api/v1/customers/${ids.B}`)).status).toBe(200);
  });

  it('60 days ahead nobody was red: no precision, no lift, recall 0 of 2', async () => {
    const r = (await owner.client.get('/api/v1/scoring/backtest?horizon=60')).body.result;
    expect(r.all.red.flagged).toBe(0);
    expect(r.all.red.precision.value).toBeNull();
    expect(r.all.red.lift).toBeNull();
    expect(r.all.red.recall).toMatchObject({ value: 0, numerator: 0, denominator: 2 });
  });

  it('the what-if shows a candidate beside the saved configuration, without saving it', async () => {
    const m = await signUp(t);
    const inv = await owner.client.post('/api/v1/invitations', { email: m.email, role: 'member' });
    await m.client.post('/api/v1/invitations/accept', { token: new URL(inv.body.url).pathname.split('/').pop() });
    member = m.client;
    const before = (await owner.client.get('/api/v1/scoring/config')).body;
    const candidate = { ...before, thresholds: { green: 100, yellow: 99 } };
    const res = await member.post('/api/v1/scoring/backtest/preview', { config: candidate, horizon: 30 });
    expect(res.status).toBe(200);
    expect(res.body.current.all.red.customers.caught).toEqual([ids.B]);
    // Every judged customer scores below 99: all five red → 2 caught of 5 flagged, both churners caught, lift 1.
    expect(res.body.candidate.all.red.flagged).toBe(5);
    expect(res.body.candidate.all.red.precision.value).toBe(2 / 5);
    expect(res.body.candidate.all.red.recall.value).toBe(1);
    expect(res.body.candidate.all.red.lift).toBeCloseTo(1, 12);
    const after = await owner.client.get('/api/v1/scoring/config');
    expect(after.body).toEqual(before);
  });

  it('refuses bad input with a clear 4xx, lets only admins rebuild, and shows another organization nothing', async () => {
    expect((await owner.client.get('/api/v1/scoring/backtest?horizon=45')).status).toBe(400);
    expect((await owner.client.get('/api/v1/scoring/backtest?horizon=abc')).status).toBe(400);
    expect((await owner.client.get('/api/v1/scoring/backtest?other=1')).status).toBe(400);
    const bad = await owner.client.post('/api/v1/scoring/backtest/preview', { config: { weights: {} }, horizon: 30 });
    expect(bad.status).toBe(400);
    const crossed = await owner.client.post('/api/v1/scoring/backtest/preview', {
      config: { ...DEFAULT_CONFIG, thresholds: { green: 40, yellow: 70 } },
    });
    expect(crossed.status).toBe(400);
    expect(JSON.stringify(crossed.body.error)).toMatch(/yellow must be below green/);
    expect((await owner.client.post('/api/v1/scoring/backtest/preview', { config: {}, horizon: 31 })).status).toBe(400);
    expect((await member.post('/api/v1/scoring/backtest/rebuild')).status).toBe(403);
    expect((await owner.client.post('/api/v1/scoring/backtest/rebuild')).status).toBe(202);
    const stranger = await signUp(t);
    const other = await stranger.client.get('/api/v1/scoring/backtest');
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ status: 'not_built', result: null, churns: [], customers: [] });
    expect((await t.client().get('/api/v1/scoring/backtest')).status).toBe(401);
  });
});

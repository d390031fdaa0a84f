import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateScenario, parseScenario, PERSONAS } from '../../emulator/index.js';
import { type SignedUpUser, waitFor } from '../../test/helpers/app.js';
import { ownerWithStripe, startStripeWorld, type StripeWorld, waitForScores } from '../../test/helpers/stripe.js';
import { createLogger } from '../core/logger.js';
import { type Discount, type Item, mrrByCurrency } from '../revenue/mrr.js';
import { createStripeDataRepo } from '../stripe/stripe-data.repo.js';
import { createRecombineRepo } from './recombine.repo.js';
import { DEFAULT_CONFIG } from './scoring.config.js';
import { explainScore } from './scoring.engine.js';
import { createScoringService } from './scoring.service.js';

const CUSTOMERS = 160;
const SEED = 7;

let world: StripeWorld;
let owner: SignedUpUser;
const db = () => world.t.runtime.database.db;

beforeAll(async () => {
  world = await startStripeWorld({ emulator: { customers: CUSTOMERS, seed: SEED } });
  owner = await ownerWithStripe(world);
  await waitForScores(world, owner.orgId);
}, 120_000);
afterAll(async () => world?.close());

describe('scores after a real sync', () => {
  it('puts at least 95% of the generated customers in their persona’s band, and every critical one in red', async () => {
    const scenario = parseScenario(generateScenario({ customers: CUSTOMERS, seed: SEED }));
    const rows = await db()
      .selectFrom('customers as c')
      .leftJoin('customer_scores as s', 's.customer_id', 'c.id')
      .select(['c.email', 'c.risk_level', 'c.score', 'c.lifecycle_state', 's.factors'])
      .where('c.org_id', '=', owner.orgId)
      .execute();
    const now = Date.now() / 1000;
    const byEmail = new Map(
      rows.map((r) => [r.email, { ...r, score_explanation: explainScore(r.factors, DEFAULT_CONFIG, now)?.explanation }]),
    );
    let agree = 0;
    const misses: string[] = [];
    for (const spec of scenario.accounts[0]!.customers) {
      const row = byEmail.get(spec.email!)!;
      const got = row.risk_level ?? 'none';
      const { kind, expected } = spec.persona!;
      if (expected === null || expected === got) agree++;
      else misses.push(`${kind}: ${got} ${row.score} (${row.score_explanation})`);
      if (PERSONAS[kind as keyof typeof PERSONAS].expected === 'red') expect(got, `${kind} ${spec.name}`).toBe('red');
      if (kind === 'no_billing') {
        expect(row.score).toBeNull();
        expect(row.score_explanation).toMatch(/needs at least one billing event/);
        expect(row.lifecycle_state).toBe('no_billing');
      }
      // A trial is a state, not a health verdict.
      if (kind === 'trialing') {
        expect(row.lifecycle_state, spec.name ?? kind).toBe('trialing');
        expect(row.score, spec.name ?? kind).toBeNull();
      }
      if (kind === 'canceled') expect(row.lifecycle_state, spec.name ?? kind).toBe('churned');
      if (kind === 'past_due' || kind === 'hard_decline') expect(row.lifecycle_state, spec.name ?? kind).toBe('past_due');
    }
    expect(agree / scenario.accounts[0]!.customers.length, misses.slice(0, 5).join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('stores each customer’s MRR as the MRR rules compute it from the emulator’s subscriptions', async () => {
    const store = world.emulator.emulator.connectedAccounts()[0]!.store;
    const now = Date.now() / 1000;
    const rows = await db().selectFrom('customers').select(['external_id', 'mrr_by_currency']).where('org_id', '=', owner.orgId).execute();
    const stored = await db()
      .selectFrom('subscriptions')
      .select(['stripe_customer_id', 'status', 'currency', 'items', 'discounts'])
      .where('org_id', '=', owner.orgId)
      .execute();
    let withRevenue = 0;
    for (const row of rows) {
      const subs = stored.filter((s) => s.stripe_customer_id === row.external_id);
      const expected = mrrByCurrency(
        subs.map((s) => ({ status: s.status, currency: s.currency, items: s.items as Item[], discounts: s.discounts as Discount[] })),
        now,
      );
      for (const [currency, value] of Object.entries(expected)) expect(row.mrr_by_currency[currency] ?? 0).toBeCloseTo(value, 3);
      if (Object.values(expected).some((v) => v > 0)) withRevenue++;
    }
    expect(withRevenue).toBeGreaterThan(CUSTOMERS / 2);
    // The input above is everything Stripe holds for these customers.
    expect(stored.length).toBe(store.all('subscription').length);
  });

  it('starts every customer’s score history with one entry, and raises no change events for first scores', async () => {
    const history = await sql<{ n: string; customers: string }>`
      select count(*) as n, count(distinct customer_id) as customers from score_history where org_id = ${owner.orgId}`.execute(db());
    const scored = await db()
      .selectFrom('customers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('org_id', '=', owner.orgId)
      .where('score', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(history.rows[0]!.customers)).toBe(Number(scored.n));
    expect(Number(history.rows[0]!.n)).toBe(Number(scored.n));
    const events = await db()
      .selectFrom('org_events')
      .select('type')
      .where('org_id', '=', owner.orgId)
      .where('type', 'in', ['score.changed', 'risk_level.changed'])
      .execute();
    expect(events).toHaveLength(0);
  });

  it('re-scores after a configuration change by rewriting scores, never the stored factors', async () => {
    const details = () =>
      db()
        .selectFrom('customer_scores')
        .select(['customer_id', 'fingerprint', 'scored_at'])
        .where('org_id', '=', owner.orgId)
        .orderBy('customer_id')
        .execute();
    const before = await details();
    const scores = () => db().selectFrom('customers').select(['id', 'score']).where('org_id', '=', owner.orgId).orderBy('id').execute();
    const scoresBefore = await scores();
    const weights = { ...DEFAULT_CONFIG.weights, payment_recency: 5, failed_payments: 40 };
    const put = await owner.client.request('PUT', '/api/v1/scoring/config', { ...DEFAULT_CONFIG, weights });
    expect(put.status).toBe(200);
    await waitFor(async () => JSON.stringify(await scores()) !== JSON.stringify(scoresBefore), 30_000);
    await waitForScores(world, owner.orgId);
    expect(await details()).toEqual(before);
    // The explanation shown is the new configuration's: its weights and points.
    const someone = (await scores()).find((c) => c.score !== null)!;
    const detail = await owner.client.get(`/api/v1/customers/${someone.id}`);
    expect(detail.body.score.factors.find((f: { name: string }) => f.name === 'failed_payments').weight).toBe(40);
    expect(detail.body.score.explanation).toContain(`(${detail.body.customer.score}/100)`);
    // Back to the defaults: the same factors give back the same scores.
    await owner.client.request('PUT', '/api/v1/scoring/config', DEFAULT_CONFIG);
    await waitFor(async () => JSON.stringify(await scores()) === JSON.stringify(scoresBefore), 30_000);
  });

  it('re-combines chunks side by side exactly as in one go, each customer once', async () => {
    const recombine = createRecombineRepo(db());
    const config = { ...DEFAULT_CONFIG, weights: { ...DEFAULT_CONFIG.weights, payment_recency: 10, failed_payments: 45 } };
    const scores = () =>
      db().selectFrom('customers').select(['id', 'score', 'risk_level']).where('org_id', '=', owner.orgId).orderBy('id').execute();
    const original = await scores();
    const starts = await recombine.chunkStarts(owner.orgId, 7);
    expect(starts).toHaveLength(Math.ceil(original.length / 7));
    const now = new Date();
    const chunks = await Promise.all(
      starts.map((from, i) => recombine.recombineChunk(owner.orgId, from, starts[i + 1] ?? null, config, 'config', now)),
    );
    expect(chunks.reduce((n, c) => n + c.seen, 0)).toBe(original.length);
    const side = await scores();
    expect(side).not.toEqual(original);
    // Back, then the same configuration in one chunk: the same scores.
    const all = '00000000-0000-0000-0000-000000000000';
    await recombine.recombineChunk(owner.orgId, all, null, DEFAULT_CONFIG, 'config', now);
    expect(await scores()).toEqual(original);
    await recombine.recombineChunk(owner.orgId, all, null, config, 'config', now);
    expect(await scores()).toEqual(side);
    await recombine.recombineChunk(owner.orgId, all, null, DEFAULT_CONFIG, 'config', now);
  });

  it('rebuilds months of MRR history from invoices, so a fresh connection already has a trend', async () => {
    const trend = await owner.client.get('/api/v1/dashboard/mrr-trend');
    expect(trend.status).toBe(200);
    const usd = trend.body.points.map((p: { byCurrency: Record<string, number> }) => p.byCurrency.usd ?? 0);
    expect(usd).toHaveLength(13);
    expect(usd.filter((v: number) => v > 0).length).toBeGreaterThanOrEqual(10);
    const kinds = new Set(trend.body.movements.flatMap((m: Record<string, number>) => Object.keys(m).filter((k) => m[k] !== 0)));
    for (const k of ['new', 'expansion', 'contraction', 'churn']) expect(kinds).toContain(k);
  });

  it('re-scores from the kept invoice points while billing data is unchanged, and from the invoices once it changed', async () => {
    const scoring = createScoringService({ db: db(), logger: createLogger('warn') });
    const customer = (
      await sql<{ id: string; external_id: string }>`
        select c.id, c.external_id from customers c join customer_scores s on s.customer_id = c.id
        where c.org_id = ${owner.orgId} and c.mrr > 0 and jsonb_array_length(s.invoice_points -> 'points') > 0
        order by c.external_id limit 1`.execute(db())
    ).rows[0]!;
    const history = () =>
      db()
        .selectFrom('mrr_history')
        .select(['currency', 'valid_from', 'mrr'])
        .where('customer_id', '=', customer.id)
        .orderBy('valid_from')
        .execute();
    const invoices = (status: string) =>
      sql`update invoices set status = ${status} where org_id = ${owner.orgId} and stripe_customer_id = ${customer.external_id}`.execute(
        db(),
      );
    const before = await history();
    expect(before.length).toBeGreaterThan(0);

    // The invoices change behind the scorer's back (nothing flags the customer): the kept points stand.
    await invoices('void');
    await scoring.rescoreCustomer(owner.orgId, customer.id, 'daily');
    expect(await history()).toEqual(before);

    // Flagged, as the sync and webhooks flag changed billing data: the invoices are read again.
    await createStripeDataRepo(db()).markDirty(owner.orgId, [customer.external_id]);
    await scoring.rescoreCustomer(owner.orgId, customer.id, 'webhook');
    expect(await history()).not.toEqual(before);

    await invoices('paid');
    await createStripeDataRepo(db()).markDirty(owner.orgId, [customer.external_id]);
    await scoring.rescoreCustomer(owner.orgId, customer.id, 'webhook');
    expect(await history()).toEqual(before);
  });

  it('keeps an annual customer’s last paid invoice with the invoice points, and finds one older than the history window', async () => {
    const scoring = createScoringService({ db: db(), logger: createLogger('warn') });
    const external = 'cus_evidence_annual';
    const day = 86_400_000;
    const { id } = await db()
      .insertInto('customers')
      .values({
        org_id: owner.orgId,
        external_id: external,
        email: 'annual@example.com',
        metadata: '{}',
        first_seen_at: new Date(Date.now() - 900 * day),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('subscriptions')
      .values({
        org_id: owner.orgId,
        stripe_subscription_id: 'sub_evidence_annual',
        stripe_customer_id: external,
        status: 'active',
        plan_name: 'Annual',
        amount_cents: 120_000,
        currency: 'usd',
        interval: 'year',
        interval_count: 1,
        current_period_start: new Date(Date.now() - 200 * day),
        current_period_end: new Date(Date.now() + 165 * day),
        cancel_at_period_end: false,
        started_at: new Date(Date.now() - 900 * day),
        items: JSON.stringify([]) as never,
        discounts: JSON.stringify([]) as never,
      })
      .execute();
    const invoice = (suffix: string, daysAgo: number) =>
      db()
        .insertInto('invoices')
        .values({
          org_id: owner.orgId,
          stripe_invoice_id: `in_evidence_annual_${suffix}`,
          stripe_customer_id: external,
          stripe_subscription_id: 'sub_evidence_annual',
          status: 'paid',
          currency: 'usd',
          subtotal_cents: 120_000,
          total_cents: 120_000,
          amount_due_cents: 120_000,
          amount_paid_cents: 120_000,
          issued_at: new Date(Date.now() - daysAgo * day),
          paid_at: new Date(Date.now() - daysAgo * day),
          lines: JSON.stringify([]) as never,
        })
        .returning('paid_at')
        .executeTakeFirstOrThrow();
    const lastPayment = async () =>
      (await db().selectFrom('customers').select('last_payment_at').where('id', '=', id).executeTakeFirstOrThrow()).last_payment_at;
    const recent = await invoice('recent', 200);
    await scoring.rescoreCustomer(owner.orgId, id, 'webhook');
    expect(await lastPayment()).toEqual(recent.paid_at);

    // A later re-score reuses the kept invoice points (nothing flagged the customer): the payment is kept with them.
    await sql`update invoices set status = 'void' where stripe_invoice_id = 'in_evidence_annual_recent'`.execute(db());
    await scoring.rescoreCustomer(owner.orgId, id, 'daily');
    expect(await lastPayment()).toEqual(recent.paid_at);

    // Once flagged, the invoices are read again: the voided one no longer counts, and an invoice paid before the
    // history window (a biennial renewal) is still found.
    const older = await invoice('older', 500);
    await createStripeDataRepo(db()).markDirty(owner.orgId, [external]);
    await scoring.rescoreCustomer(owner.orgId, id, 'webhook');
    expect(await lastPayment()).toEqual(older.paid_at);
    await db().deleteFrom('customers').where('id', '=', id).execute();
  });
});

import { sql } from 'kysely';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signPayload } from '../../emulator/index.js';
import { type SignedUpUser, waitFor } from '../../test/helpers/app.js';
import { ownerWithStripe, startStripeWorld, type StripeWorld, WEBHOOK_SECRET } from '../../test/helpers/stripe.js';

let world: StripeWorld;
let owner: SignedUpUser;
let stripe: Stripe;
let account: string;

beforeAll(async () => {
  world = await startStripeWorld({ emulator: { customers: 8, seed: 31, webhooks: { retryBaseMs: 100 } } });
  owner = await ownerWithStripe(world);
  account = world.emulator.emulator.connectedAccounts()[0]!.id;
  stripe = new Stripe(world.emulator.emulator.platform.secretKey, {
    host: '127.0.0.1',
    port: world.emulator.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
});
afterAll(async () => world?.close());

const db = () => world.t.runtime.database.db;
const opts = () => ({ stripeAccount: account });

async function post(path: string, payload: string, signature: string) {
  return fetch(`${world.t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: payload,
  });
}

const eventRows = (stripeEventId: string) =>
  db().selectFrom('stripe_events').selectAll().where('stripe_event_id', '=', stripeEventId).execute();

function fakeEvent(overrides: Record<string, unknown> = {}) {
  return JSON.stringify({
    id: `evt_test_${Math.random().toString(36).slice(2)}`,
    object: 'event',
    account,
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: 'cus_fake', object: 'customer', name: 'Fake', email: null, created: 1, metadata: {}, currency: null } },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'customer.updated',
    ...overrides,
  });
}

describe('webhook intake', () => {
  it('applies events from the emulator: a new customer appears', async () => {
    const customer = await stripe.customers.create({ name: 'Webhook Wendy', email: 'wendy@example.com' }, opts());
    const row = await waitFor(() =>
      db().selectFrom('customers').selectAll().where('org_id', '=', owner.orgId).where('external_id', '=', customer.id).executeTakeFirst(),
    );
    expect(row).toMatchObject({ name: 'Webhook Wendy', email: 'wendy@example.com' });
  });

  it('refuses a bad or stale signature and stores nothing', async () => {
    const payload = fakeEvent();
    const id = JSON.parse(payload).id as string;
    const wrong = await post('/api/v1/webhooks/stripe', payload, signPayload(payload, 'whsec_wrong', Math.floor(Date.now() / 1000)));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as any).error.code).toBe('invalid_signature');
    const stale = await post(
      '/api/v1/webhooks/stripe',
      payload,
      signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 3600),
    );
    expect(stale.status).toBe(400);
    const tampered = await post(
      '/api/v1/webhooks/stripe',
      payload.replace('Fake', 'Evil'),
      signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)),
    );
    expect(tampered.status).toBe(400);
    const none = await fetch(`${world.t.url}/api/v1/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    expect(none.status).toBe(400);
    expect(await eventRows(id)).toHaveLength(0);
  });

  it('acknowledges an event for an unknown account and attributes it to no organization', async () => {
    const payload = fakeEvent({ account: 'acct_nobody' });
    const res = await post('/api/v1/webhooks/stripe', payload, signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).stored).toBe(0);
    expect(await eventRows(JSON.parse(payload).id)).toHaveLength(0);
  });

  it('stores a duplicate once and processes it once', async () => {
    const payload = fakeEvent({
      data: { object: { id: 'cus_dupe', object: 'customer', name: 'Dupe', email: null, created: 1, metadata: {}, currency: null } },
    });
    const sig = signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000));
    const [a, b] = await Promise.all([post('/api/v1/webhooks/stripe', payload, sig), post('/api/v1/webhooks/stripe', payload, sig)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const rows = await waitFor(async () => {
      const r = await eventRows(JSON.parse(payload).id);
      return r.length === 1 && r[0]!.status === 'processed' ? r : null;
    });
    expect(rows[0]!.attempts).toBe(1);
  });

  it('turns a failed charge into one payment.failed event, even when Stripe delivers it twice', async () => {
    world.emulator.emulator.webhookOptions.duplicates = true;
    try {
      const customer = (await stripe.customers.list({ limit: 1 }, opts())).data[0]!;
      const failed = await stripe.charges
        .create({ amount: 4200, currency: 'usd', customer: customer.id, source: 'tok_chargeDeclinedInsufficientFunds' }, opts())
        .catch((e: Stripe.errors.StripeCardError) => e);
      const chargeId = ((failed as Stripe.errors.StripeCardError).raw as { charge: string }).charge;
      const payment = await waitFor(() =>
        db()
          .selectFrom('payments')
          .selectAll()
          .where('org_id', '=', owner.orgId)
          .where('stripe_payment_id', '=', chargeId)
          .executeTakeFirst(),
      );
      expect(payment).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });
      await waitFor(async () => world.emulator.emulator.dispatcher.stats.pending === 0);
      await new Promise((r) => setTimeout(r, 200));
      const events = await db()
        .selectFrom('org_events')
        .selectAll()
        .where('org_id', '=', owner.orgId)
        .where('type', '=', 'payment.failed')
        .execute();
      const mine = events.filter((e) => (e.payload as { chargeId: string }).chargeId === chargeId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        customer_external_id: customer.id,
        payload: { failureCode: 'insufficient_funds', amountCents: 4200 },
      });
      // The customer is re-scored right after the event: the failure now counts in its failed-payments factor.
      const scored = await waitFor(async () => {
        const c = await db()
          .selectFrom('customers as c')
          .leftJoin('customer_scores as s', 's.customer_id', 'c.id')
          .select(['c.score_dirty_at', 's.factors as score_factors', 's.scored_at'])
          .where('c.org_id', '=', owner.orgId)
          .where('c.external_id', '=', customer.id)
          .executeTakeFirstOrThrow();
        return c.score_dirty_at === null && c.scored_at !== null && c.scored_at >= payment.created_at ? c : null;
      });
      const failures = (scored.score_factors as Record<string, { explanation?: string }>).failed_payments;
      expect(failures?.explanation).toMatch(/insufficient funds/);
    } finally {
      world.emulator.emulator.webhookOptions.duplicates = false;
    }
  });

  it('ends in the same state when events arrive out of order', async () => {
    world.emulator.emulator.webhookOptions.outOfOrderMs = 400;
    try {
      const customer = await stripe.customers.create({ name: 'v0' }, opts());
      const sub = (await stripe.subscriptions.list({ limit: 1 }, opts())).data[0]!;
      for (let i = 1; i <= 6; i++) {
        await stripe.customers.update(customer.id, { name: `v${i}`, metadata: { step: String(i) } }, opts());
        await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, quantity: i + 1 }] }, opts());
      }
      await waitFor(async () => world.emulator.emulator.dispatcher.stats.pending === 0, 10_000);
      await waitFor(async () => {
        const pending = await db()
          .selectFrom('stripe_events')
          .select('id')
          .where('org_id', '=', owner.orgId)
          // Claimed events are 'processing' while they re-fetch from Stripe: the state is final only once none is.
          .where('status', 'in', ['pending', 'processing'])
          .execute();
        return pending.length === 0;
      });
      const row = await db()
        .selectFrom('customers')
        .selectAll()
        .where('org_id', '=', owner.orgId)
        .where('external_id', '=', customer.id)
        .executeTakeFirstOrThrow();
      expect(row.name).toBe('v6');
      expect(row.metadata).toEqual({ step: '6' });
      const subRow = await db()
        .selectFrom('subscriptions')
        .selectAll()
        .where('org_id', '=', owner.orgId)
        .where('stripe_subscription_id', '=', sub.id)
        .executeTakeFirstOrThrow();
      expect((subRow.items as { quantity: number }[])[0]!.quantity).toBe(7);
    } finally {
      world.emulator.emulator.webhookOptions.outOfOrderMs = 0;
    }
  });

  it('accepts an account-level endpoint signed with that connection’s own secret', async () => {
    const secret = 'whsec_account_level_secret';
    const set = await owner.client.request('PUT', '/api/v1/integrations/stripe/webhook-secret', { secret });
    expect(set.status).toBe(200);
    expect(set.body.webhook.signingSecretSet).toBe(true);
    const path = new URL(set.body.webhook.accountEndpointUrl).pathname;
    const payload = fakeEvent({
      account: undefined,
      data: {
        object: { id: 'cus_acct_level', object: 'customer', name: 'Account level', email: null, created: 1, metadata: {}, currency: null },
      },
    });
    expect((await post(path, payload, signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)))).status).toBe(400);
    const ok = await post(path, payload, signPayload(payload, secret, Math.floor(Date.now() / 1000)));
    expect(ok.status).toBe(200);
    const row = await waitFor(() =>
      db().selectFrom('customers').selectAll().where('external_id', '=', 'cus_acct_level').executeTakeFirst(),
    );
    expect(row.org_id).toBe(owner.orgId);
    expect((await post('/api/v1/webhooks/stripe/unknown-token-123', payload, 't=1,v1=x')).status).toBe(404);
  });

  it('stores an event whose text holds a NUL character, keeping everything but that character', async () => {
    const payload = fakeEvent({
      data: {
        object: {
          id: 'cus_nul',
          object: 'customer',
          name: 'Nul\u0000Co',
          email: null,
          created: 1,
          metadata: { k: 'v\u0000' },
          currency: null,
        },
      },
    });
    expect(payload).toContain('\\u0000');
    const res = await post('/api/v1/webhooks/stripe', payload, signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)));
    expect(res.status).toBe(200);
    const row = await waitFor(() => db().selectFrom('customers').selectAll().where('external_id', '=', 'cus_nul').executeTakeFirst());
    expect(row).toMatchObject({ name: 'NulCo', metadata: { k: 'v' } });
  });

  it('follows a dispute from opening to its close, by the object each event carries', async () => {
    const charge = await stripe.charges.create({ amount: 4200, currency: 'usd', source: 'tok_createDispute' }, opts());
    const dispute = () =>
      db()
        .selectFrom('disputes')
        .selectAll()
        .where('org_id', '=', owner.orgId)
        .where('stripe_charge_id', '=', charge.id)
        .executeTakeFirst();
    const opened = await waitFor(dispute);
    expect(opened.status).toBe('needs_response');
    await stripe.disputes.close(opened.stripe_dispute_id, {}, opts());
    await waitFor(async () => (await dispute())?.status === 'lost');
    // Its charge is disputed, not a dispute stored as a payment.
    const payments = await db()
      .selectFrom('payments')
      .select(['stripe_payment_id', 'disputed'])
      .where('org_id', '=', owner.orgId)
      .execute();
    expect(payments.some((p) => p.stripe_payment_id === opened.stripe_dispute_id)).toBe(false);
  });

  it('fails an event that cannot be stored alone, not the others stored in the same instant', async () => {
    // A row the database refuses (here a trigger refuses one event id): the batch it arrived in is stored event
    // by event, so only that request fails and every other event is stored.
    await sql`
      create function refuse_poison() returns trigger language plpgsql as $$
      begin if new.stripe_event_id = 'evt_poison' then raise exception 'poisoned'; end if; return new; end $$;
      create trigger refuse_poison before insert on stripe_events for each row execute function refuse_poison();
    `.execute(db());
    try {
      const now = Math.floor(Date.now() / 1000);
      const good = Array.from({ length: 20 }, (_, i) => fakeEvent({ id: `evt_batch_${now}_${i}` }));
      const poison = fakeEvent({ id: 'evt_poison' });
      const answers = await Promise.all(
        [...good, poison].map((payload) => post('/api/v1/webhooks/stripe', payload, signPayload(payload, WEBHOOK_SECRET, now))),
      );
      expect(answers.slice(0, 20).map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(answers[20]!.status).toBeGreaterThanOrEqual(500);
      const stored = await db()
        .selectFrom('stripe_events')
        .select('stripe_event_id')
        .where('stripe_event_id', 'like', `evt_batch_${now}_%`)
        .execute();
      expect(stored).toHaveLength(20);
      const malformed = fakeEvent({ created: 1e30 });
      expect((await post('/api/v1/webhooks/stripe', malformed, signPayload(malformed, WEBHOOK_SECRET, now))).status).toBe(400);
    } finally {
      await sql`drop trigger refuse_poison on stripe_events; drop function refuse_poison();`.execute(db());
    }
  });

  it('answers 503 while the database is away, and loses nothing once it is back', async () => {
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    admin.on('error', () => undefined);
    await admin.connect();
    await admin.query(`alter database ${world.database.name} with allow_connections false`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [world.database.name]);
    const failedBefore = world.emulator.emulator.dispatcher.stats.failedAttempts;
    let customerId: string;
    try {
      const payload = fakeEvent();
      const res = await post('/api/v1/webhooks/stripe', payload, signPayload(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)));
      expect(res.status).toBe(503);
      // A real change in Stripe meanwhile: its delivery is refused with 503, so Stripe retries it.
      customerId = (await stripe.customers.create({ name: 'Created during outage' }, opts())).id;
      await waitFor(async () => world.emulator.emulator.dispatcher.stats.failedAttempts > failedBefore);
    } finally {
      await admin.query(`alter database ${world.database.name} with allow_connections true`);
      await admin.end();
    }
    const row = await waitFor(
      () => db().selectFrom('customers').selectAll().where('external_id', '=', customerId).executeTakeFirst(),
      20_000,
    );
    expect(row).toMatchObject({ org_id: owner.orgId, name: 'Created during outage' });
  });

  it('marks the connection disconnected when the account revokes access in Stripe', async () => {
    const other = await ownerWithStripe(world);
    await fetch(`${world.emulator.url}/_emulator/accounts/${account}/deauthorize`, { method: 'POST' });
    const status = await waitFor(async () => {
      const s = await other.client.get('/api/v1/integrations/stripe');
      return s.body.status === 'disconnected' ? s.body : null;
    });
    expect(status.connected).toBe(false);
  });
});

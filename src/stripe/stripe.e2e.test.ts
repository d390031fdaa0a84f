import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp } from '../../test/helpers/app.js';
import {
  connectStripe,
  emulatorTruth,
  ownerWithStripe,
  startStripeWorld,
  type StripeWorld,
  waitForSync,
} from '../../test/helpers/stripe.js';
import { createSecretBox } from '../core/secrets.js';
import { createStripeDataRepo } from './stripe-data.repo.js';

let world: StripeWorld;
beforeAll(async () => {
  world = await startStripeWorld({ emulator: { customers: 40, seed: 21 } });
});
afterAll(async () => world?.close());

const DAY = 86_400;

/** What the emulator holds for the connected account, by the guide's sync rules. */
function expected(world: StripeWorld) {
  const account = world.emulator.emulator.connectedAccounts()[0]!;
  const now = world.emulator.emulator.now();
  const store = account.store;
  return {
    account,
    customers: store.all('customer'),
    subscriptions: store.all('subscription'),
    charges: store.all('charge').filter((c) => c.customer !== null && c.created >= now - 90 * DAY),
    anonymous: store.all('charge').filter((c) => c.customer === null && c.created >= now - 90 * DAY),
    invoices: store.all('invoice').filter((i) => i.created >= now - 365 * DAY),
  };
}

const dbCounts = (orgId: string) => createStripeDataRepo(world.t.runtime.database.db).counts(orgId);

describe('connecting Stripe and the initial sync', () => {
  it('connects through the consent page, syncs everything exactly once with the guide’s mappings, and a re-sync changes nothing', async () => {
    const owner = await signUp(world.t, { organizationName: 'E2E Co' });
    const { authorizeUrl, landing } = await connectStripe(world, owner.client);
    expect(authorizeUrl.searchParams.get('scope')).toBe('read_only');
    expect(landing.pathname).toBe('/settings/integrations');
    expect(landing.searchParams.get('status')).toBe('connected');

    const running = await owner.client.get('/api/v1/integrations/stripe/sync');
    expect(running.body.sync).toMatchObject({ kind: 'initial' });
    const sync = await waitForSync(owner.client);
    const truth = await emulatorTruth(world, owner.orgId);
    const want = expected(world);
    expect(sync.status).toBe('succeeded');
    expect(sync.message).toBe(`Sync complete — ${truth.customers} customers imported.`);
    expect(sync.counts).toEqual(truth);
    expect(truth.anonymous_charges_skipped).toBeGreaterThan(0);
    expect(want.subscriptions.some((s) => s.status === 'canceled')).toBe(true);
    // Stored rows match what the run imported (the windows are the run's, fixed when it started).
    const { anonymous_charges_skipped: _anonymous, skipped: _skipped, ...stored } = truth;
    expect(await dbCounts(owner.orgId)).toEqual(stored);

    const status = await owner.client.get('/api/v1/integrations/stripe');
    expect(status.body).toMatchObject({
      connected: true,
      accountId: want.account.id,
      livemode: false,
      label: 'Stripe (test)',
      lastSync: { status: 'succeeded' },
    });
    expect(status.body.webhook.url).toBe(`${world.t.url}/api/v1/webhooks/stripe`);

    // The guide's field mappings.
    const db = world.t.runtime.database.db;
    const c = want.customers.find((x) => Object.keys(x.metadata).length > 0) ?? want.customers[0]!;
    const customer = await db
      .selectFrom('customers')
      .selectAll()
      .where('org_id', '=', owner.orgId)
      .where('external_id', '=', c.id)
      .executeTakeFirstOrThrow();
    expect(customer).toMatchObject({ email: c.email, name: c.name, metadata: c.metadata });
    expect(customer.first_seen_at.getTime()).toBe(c.created * 1000);

    const s = want.subscriptions.find((x) => x.status === 'canceled')!;
    const sub = await db
      .selectFrom('subscriptions')
      .selectAll()
      .where('org_id', '=', owner.orgId)
      .where('stripe_subscription_id', '=', s.id)
      .executeTakeFirstOrThrow();
    const product = want.account.store.get(s.items.data[0].price.product)!;
    expect(sub).toMatchObject({ status: 'canceled', stripe_customer_id: s.customer, interval: s.items.data[0].price.recurring.interval });
    expect(sub.plan_name).toContain(product.name);
    expect(sub.canceled_at!.getTime()).toBe(s.canceled_at * 1000);
    expect(sub.current_period_end!.getTime()).toBe(s.items.data[0].current_period_end * 1000);
    const tiered = (await db.selectFrom('subscriptions').select('items').where('org_id', '=', owner.orgId).execute())
      .flatMap((r) => r.items as { billing_scheme: string; tiers: unknown[] | null }[])
      .find((i) => i.billing_scheme === 'tiered');
    expect(tiered?.tiers?.length).toBeGreaterThan(1);

    const failed = want.charges.find((x) => x.status === 'failed')!;
    const payment = await db
      .selectFrom('payments')
      .selectAll()
      .where('org_id', '=', owner.orgId)
      .where('stripe_payment_id', '=', failed.id)
      .executeTakeFirstOrThrow();
    expect(payment).toMatchObject({
      status: 'failed',
      failure_code: failed.failure_code,
      failure_message: failed.failure_message,
      amount_cents: failed.amount,
      currency: failed.currency,
    });
    expect(payment.paid_at.getTime()).toBe(failed.created * 1000);

    // A second sync imports the same objects again and duplicates nothing.
    const again = await owner.client.post('/api/v1/integrations/stripe/sync');
    expect(again.status).toBe(202);
    const second = await waitForSync(owner.client);
    expect(second.kind).toBe('manual');
    expect(second.counts.customers).toBe(truth.customers);
    // Nothing was imported twice (a row that left the 90-day window since stays: rows are never deleted).
    expect(await dbCounts(owner.orgId)).toEqual(stored);
  });

  it('answers a second sync request with the running one', async () => {
    const owner = await ownerWithStripe(world);
    // A slow Stripe keeps the first sync running while the second request arrives.
    world.emulator.emulator.realism.latencyMs = 40;
    try {
      const first = await owner.client.post('/api/v1/integrations/stripe/sync');
      const second = await owner.client.post('/api/v1/integrations/stripe/sync');
      expect(first.body.started).toBe(true);
      expect(second.status).toBe(202);
      expect(second.body).toMatchObject({ started: false, sync: { id: first.body.sync.id, status: 'running' } });
      await waitForSync(owner.client);
    } finally {
      world.emulator.emulator.realism.latencyMs = 0;
    }
  });

  it('stores tokens encrypted, never in plain text', async () => {
    const owner = await ownerWithStripe(world);
    const row = await world.t.runtime.database.db
      .selectFrom('stripe_connections')
      .selectAll()
      .where('org_id', '=', owner.orgId)
      .executeTakeFirstOrThrow();
    const account = world.emulator.emulator.accounts.get(row.stripe_account_id)!;
    expect(JSON.stringify(row)).not.toContain(account.secretKey);
    expect(JSON.stringify(row)).not.toContain(account.refreshToken);
    expect(createSecretBox(Buffer.from('a'.repeat(64), 'hex')).open(row.access_token_enc!)).toBe(account.secretKey);
  });

  it('refuses to connect twice: disconnect first, as the guide says', async () => {
    const owner = await ownerWithStripe(world);
    const res = await owner.client.post('/api/v1/integrations/stripe/connect');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('already_connected');
    expect(res.body.error.message).toContain('Disconnect');
  });
});

describe('the OAuth state', () => {
  it('refuses a forged, a replayed and another user’s state', async () => {
    const owner = await signUp(world.t, { organizationName: 'State Co' });
    const start = await owner.client.post('/api/v1/integrations/stripe/connect');
    const state = new URL(start.body.url).searchParams.get('state')!;
    const forged = `${state.slice(0, -3)}abc`;
    const land = async (client = owner.client, s = state, extra = '&code=ac_x') =>
      new URL(String((await client.get(`/api/v1/integrations/stripe/callback?state=${encodeURIComponent(s)}${extra}`)).headers.location));
    expect((await land(owner.client, forged)).searchParams.get('code')).toBe('invalid_state');

    // Someone else (an admin of the same organization) cannot finish the owner's flow.
    const other = await signUp(world.t);
    const invite = await owner.client.post('/api/v1/invitations', { email: other.email, role: 'admin' });
    await other.client.post('/api/v1/invitations/accept', { invitationId: invite.body.id });
    expect((await land(other.client)).searchParams.get('code')).toBe('state_user_mismatch');
    // The state was spent by that attempt: replaying it fails too.
    expect((await land(owner.client)).searchParams.get('code')).toBe('state_used');
  });

  it('shows the guide’s messages for Stripe’s OAuth errors', async () => {
    const owner = await signUp(world.t);
    const denied = await connectStripe(world, owner.client, { decision: 'deny' });
    expect(denied.landing.searchParams.get('code')).toBe('access_denied');
    expect(denied.landing.searchParams.get('message')).toContain('Allow access');
    for (const [error, text] of [
      ['invalid_client', 'support@pulsescore.app'],
      ['redirect_uri_mismatch', 'configuration issue'],
    ] as const) {
      const start = await owner.client.post('/api/v1/integrations/stripe/connect');
      const state = new URL(start.body.url).searchParams.get('state')!;
      const res = await owner.client.get(`/api/v1/integrations/stripe/callback?state=${encodeURIComponent(state)}&error=${error}`);
      const landing = new URL(String(res.headers.location));
      expect(landing.searchParams.get('code')).toBe(error);
      expect(landing.searchParams.get('message')).toContain(text);
    }
    const status = await owner.client.get('/api/v1/integrations/stripe');
    expect(status.body.connected).toBe(false);
  });
});

describe('disconnecting', () => {
  it('deauthorizes at Stripe, keeps the data, and a reconnect re-syncs without duplicates', async () => {
    const owner = await ownerWithStripe(world);
    const before = await dbCounts(owner.orgId);
    const res = await owner.client.delete('/api/v1/integrations/stripe');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ connected: false, status: 'disconnected' });
    const accountId = res.body.accountId as string;
    expect(world.emulator.emulator.accounts.get(accountId)!.connected).toBe(false);
    expect(await dbCounts(owner.orgId)).toEqual(before);
    expect((await owner.client.post('/api/v1/integrations/stripe/sync')).status).toBe(409);

    await connectStripe(world, owner.client, { accountId });
    expect((await waitForSync(owner.client)).status).toBe('succeeded');
    expect(await dbCounts(owner.orgId)).toEqual(before);
  });
});

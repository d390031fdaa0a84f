import type { RunningEmulator, StartOptions } from '../../emulator/index.js';
import { startEmulator } from '../../emulator/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { signUp, startTestApp, type SignedUpUser, type TestApp, type TestClient, waitFor } from './app.js';

export const WEBHOOK_SECRET = 'whsec_test_platform_connect_secret';

export interface StripeWorld {
  database: TestDatabase;
  emulator: RunningEmulator;
  t: TestApp;
  close(): Promise<void>;
}

/** PulseScore (listening on a port) wired to an emulator as its Stripe platform, both ways. */
export async function startStripeWorld(options: { emulator?: StartOptions; env?: Record<string, string> } = {}): Promise<StripeWorld> {
  const database = await createTestDatabase();
  const emulator = await startEmulator({
    customers: 30,
    seed: 11,
    ...options.emulator,
    platform: { webhookSecret: WEBHOOK_SECRET, ...options.emulator?.platform },
    realism: { rateLimitEnabled: false, ...options.emulator?.realism },
  });
  const { platform } = emulator.emulator;
  const t = await startTestApp({
    databaseUrl: database.url,
    listen: true,
    env: {
      STRIPE_CLIENT_ID: platform.clientId,
      STRIPE_SECRET_KEY: platform.secretKey,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: emulator.url,
      ...options.env,
    },
  });
  platform.redirectUris = [`${t.url}/api/v1/integrations/stripe/callback`];
  platform.webhookUrl = `${t.url}/api/v1/webhooks/stripe`;
  return {
    database,
    emulator,
    t,
    async close() {
      await t.close();
      await emulator.close();
      await database.drop();
    },
  };
}

/** Clicks through the connect flow like a person: Connect Stripe → consent page → Allow access → back to PulseScore. */
export async function connectStripe(
  world: StripeWorld,
  client: TestClient,
  options: { accountId?: string; decision?: 'allow' | 'deny' } = {},
) {
  const start = await client.post('/api/v1/integrations/stripe/connect');
  if (start.status !== 200) throw new Error(`connect failed: ${start.status} ${start.text}`);
  const authorize = new URL(start.body.url);
  const consent = await fetch(authorize);
  if (!(await consent.text()).includes('Allow access')) throw new Error('no consent page');
  const form = new URLSearchParams(authorize.searchParams);
  form.set('account', options.accountId ?? world.emulator.emulator.connectedAccounts()[0]!.id);
  form.set('decision', options.decision ?? 'allow');
  const decided = await fetch(`${world.emulator.url}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const back = new URL(decided.headers.get('location')!);
  const landing = await client.get(`${back.pathname}${back.search}`);
  return { authorizeUrl: authorize, callback: back, landing: new URL(String(landing.headers.location)) };
}

export async function waitForSync(client: TestClient, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const res = await client.get('/api/v1/integrations/stripe/sync');
      const sync = res.body?.sync;
      return sync && sync.status !== 'running' ? sync : null;
    },
    timeoutMs,
    50,
  );
}

export async function ownerWithStripe(world: StripeWorld): Promise<SignedUpUser> {
  const owner = await signUp(world.t, { organizationName: 'Synced Co' });
  await connectStripe(world, owner.client);
  const sync = await waitForSync(owner.client);
  if (sync.status !== 'succeeded') throw new Error(`sync ${sync.status}: ${sync.error}`);
  return owner;
}

/**
 * What a sync run should have imported from the emulator: every customer and subscription, customers' charges
 * and invoices created inside the run's windows (read from the run, since they are fixed when it starts).
 */
export async function emulatorTruth(world: StripeWorld, orgId: string) {
  const run = await world.t.runtime.database.db
    .selectFrom('sync_runs')
    .select('cursors')
    .where('org_id', '=', orgId)
    .orderBy('started_at', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return truthFor(world, run.cursors['charges#0']!.since!, run.cursors['invoices#0']!.since!, run.cursors.disputes?.since);
}

export function truthFor(world: StripeWorld, chargesSince: number, invoicesSince: number, disputesSince = invoicesSince) {
  const store = world.emulator.emulator.connectedAccounts()[0]!.store;
  const charges = store.all('charge').filter((c) => c.created >= chargesSince);
  return {
    customers: store.all('customer').length,
    subscriptions: store.all('subscription').length,
    payments: charges.filter((c) => c.customer !== null).length,
    invoices: store.all('invoice').filter((i) => i.created >= invoicesSince).length,
    anonymous_charges_skipped: charges.filter((c) => c.customer === null).length,
    prices: store.all('price').length,
    products: store.all('product').length,
    coupons: store.all('coupon').length,
    refunds: store.all('refund').filter((r) => r.created >= chargesSince).length,
    disputes: store.all('dispute').filter((d) => d.created >= disputesSince).length,
    skipped: 0,
  };
}

/** Waits until every customer of the organization has a score computed after its last billing change. */
export async function waitForScores(world: StripeWorld, orgId: string, timeoutMs = 60_000) {
  await waitFor(
    async () => {
      const row = await world.t.runtime.database.db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('org_id', '=', orgId)
        .where((eb) =>
          eb.or([
            eb.not(eb.exists(eb.selectFrom('customer_scores as s').select('s.customer_id').whereRef('s.customer_id', '=', 'customers.id'))),
            eb('score_dirty_at', 'is not', null),
          ]),
        )
        .executeTakeFirstOrThrow();
      return Number(row.n) === 0;
    },
    timeoutMs,
    50,
  );
}

export interface ScoredWorld {
  world: StripeWorld;
  owner: SignedUpUser;
  /** A member-role API key's client: reads everything, changes nothing. */
  member: TestClient;
}

/** An emulator business synced and scored for a fresh owner, plus a member-role client. */
export async function startScoredWorld(emulator: StartOptions): Promise<ScoredWorld> {
  const world = await startStripeWorld({ emulator });
  const owner = await ownerWithStripe(world);
  await waitForScores(world, owner.orgId);
  const key = await owner.client.post('/api/v1/api-keys', { name: 'reader', role: 'member' });
  const member = world.t.client();
  member.bearer = key.body.key;
  return { world, owner, member };
}

import pg from 'pg';
import Stripe from 'stripe';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../../test/helpers/app.js';
import { emulatorTruth, ownerWithStripe, startStripeWorld, type StripeWorld, waitForSync } from '../../test/helpers/stripe.js';
import { createStripeDataRepo } from './stripe-data.repo.js';

/**
 * The process survives what its dependencies do mid-sync: an admin disconnecting, the account revoking access
 * in Stripe, the database going away, Stripe timing out. An unhandled rejection anywhere (the sync's page read
 * ahead, say) fails the test run; the server would exit on one.
 */

const worlds: StripeWorld[] = [];
// Each test's world (a PulseScore with its pools, and an emulator) ends with its test: kept to the end of the
// file, five of them held more connections than an embedded PostgreSQL allows.
afterEach(async () => {
  for (const w of worlds.splice(0)) await w.close();
});

async function world(customers: number) {
  const w = await startStripeWorld({ emulator: { customers, seed: 51 } });
  worlds.push(w);
  return w;
}

/**
 * Starts a re-sync on a slow Stripe and waits until it has written some pages but is far from done. Slow enough
 * that a loaded machine's polling cannot miss the middle: each page takes a quarter of a second.
 */
async function midSync(w: StripeWorld, client: Awaited<ReturnType<typeof ownerWithStripe>>['client']) {
  w.emulator.emulator.realism.latencyMs = 250;
  expect((await client.post('/api/v1/integrations/stripe/sync')).status).toBe(202);
  await waitFor(async () => {
    const sync = (await client.get('/api/v1/integrations/stripe/sync')).body.sync;
    return sync.status === 'running' && (sync.counts.customers ?? 0) > 0 ? sync : null;
  }, 30_000);
}

async function outage(w: StripeWorld, during: () => Promise<void>) {
  const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`alter database ${w.database.name} with allow_connections false`);
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [w.database.name]);
  try {
    await during();
  } finally {
    await admin.query(`alter database ${w.database.name} with allow_connections true`);
    await admin.end();
  }
}

describe('a sync when its dependencies fail', () => {
  it('stops cleanly when Stripe is disconnected while pages are being read ahead, and the server keeps serving', async () => {
    const w = await world(120);
    const owner = await ownerWithStripe(w);
    const db = w.t.runtime.database.db;
    await midSync(w, owner.client);
    // Hold the run's row, so that every stream stops at its next page's write with its following page already
    // on the way; then revoke access at Stripe and cancel the run, as a disconnect does. The pages read ahead
    // now fail with 403 after their streams have stopped: nothing may leave such a failure unowned.
    const run = await db
      .selectFrom('sync_runs')
      .select('id')
      .where('org_id', '=', owner.orgId)
      .where('status', '=', 'running')
      .executeTakeFirstOrThrow();
    w.emulator.emulator.realism.latencyMs = 400;
    const holder = new pg.Client({ connectionString: w.database.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from sync_runs where id = $1 for update', [run.id]);
      await new Promise((r) => setTimeout(r, 200));
      const account = w.emulator.emulator.connectedAccounts()[0]!;
      w.emulator.emulator.platform.webhookUrl = null;
      account.connected = false;
      await holder.query(
        `update sync_runs set status = 'canceled', error = 'Stripe was disconnected.', finished_at = now() where id = $1`,
        [run.id],
      );
      await holder.query('commit');
    } finally {
      await holder.end();
    }
    const sync = await waitForSync(owner.client, 30_000);
    expect(sync.status).toBe('canceled');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await w.t.client().get('/readyz')).status).toBe(200);
    expect((await owner.client.get('/api/v1/customers')).status).toBe(200);
    w.emulator.emulator.realism.latencyMs = 0;
  }, 90_000);

  it('stops when an admin disconnects Stripe in the middle', async () => {
    const w = await world(120);
    const owner = await ownerWithStripe(w);
    await midSync(w, owner.client);
    expect((await owner.client.delete('/api/v1/integrations/stripe')).status).toBe(200);
    const sync = await waitForSync(owner.client, 30_000);
    expect(sync.status).toBe('canceled');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await owner.client.get('/api/v1/integrations/stripe')).body.status).toBe('disconnected');
    expect((await w.t.client().get('/readyz')).status).toBe(200);
    w.emulator.emulator.realism.latencyMs = 0;
  }, 90_000);

  it('ends with a clear error when the account revokes access in Stripe in the middle', async () => {
    const w = await world(120);
    const owner = await ownerWithStripe(w);
    await midSync(w, owner.client);
    const account = w.emulator.emulator.connectedAccounts()[0]!.id;
    await fetch(`${w.emulator.url}/_emulator/accounts/${account}/deauthorize`, { method: 'POST' });
    const sync = await waitForSync(owner.client, 30_000);
    expect(['failed', 'canceled']).toContain(sync.status);
    expect(sync.message).toMatch(/revoked|refused access/i);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await w.t.client().get('/readyz')).status).toBe(200);
    w.emulator.emulator.realism.latencyMs = 0;
  }, 90_000);

  it('survives the database going away mid-sync: /readyz says so, then recovers, and the counts end exact', async () => {
    const w = await world(120);
    const owner = await ownerWithStripe(w);
    const stored = await createStripeDataRepo(w.t.runtime.database.db).counts(owner.orgId);
    await midSync(w, owner.client);
    await outage(w, async () => {
      await waitFor(async () => (await w.t.client().get('/readyz')).status === 503, 10_000);
      await new Promise((r) => setTimeout(r, 1000));
    });
    w.emulator.emulator.realism.latencyMs = 0;
    await waitFor(async () => (await w.t.client().get('/readyz')).status === 200, 20_000);
    const sync = await waitForSync(owner.client, 90_000);
    expect(sync.status).toBe('succeeded');
    expect(sync.counts).toMatchObject(await emulatorTruth(w, owner.orgId));
    expect(await createStripeDataRepo(w.t.runtime.database.db).counts(owner.orgId)).toEqual(stored);
  }, 150_000);

  it('loses no webhook of a burst sent while the database is away', async () => {
    const w = await world(10);
    const owner = await ownerWithStripe(w);
    const stripe = new Stripe(w.emulator.emulator.platform.secretKey, { host: '127.0.0.1', port: w.emulator.port, protocol: 'http' });
    const account = w.emulator.emulator.connectedAccounts()[0]!.id;
    w.emulator.emulator.webhookOptions.retryBaseMs = 200;
    const names: string[] = [];
    await outage(w, async () => {
      for (let i = 0; i < 30; i++) {
        const name = `Burst ${i}`;
        names.push(name);
        await stripe.customers.create({ name }, { stripeAccount: account });
      }
      await new Promise((r) => setTimeout(r, 500));
    });
    const db = w.t.runtime.database.db;
    const rows = await waitFor(
      async () => {
        const r = await db
          .selectFrom('customers')
          .select('name')
          .where('org_id', '=', owner.orgId)
          .where('name', 'like', 'Burst %')
          .execute();
        return r.length === names.length ? r : null;
      },
      60_000,
      100,
    );
    expect(rows.map((r) => r.name).sort()).toEqual([...names].sort());
    expect((await w.t.client().get('/readyz')).status).toBe(200);
  }, 120_000);
});

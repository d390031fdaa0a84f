import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/app.js';
import { createStripeDataRepo } from './stripe-data.repo.js';
import { initialCursors } from './sync.service.js';
import { emulatorTruth, ownerWithStripe, startStripeWorld, type StripeWorld, truthFor, waitForSync } from '../../test/helpers/stripe.js';

const worlds: StripeWorld[] = [];
const children: ChildProcess[] = [];
// Each test's processes, then its world, end with the test (worlds kept to the end of the file add up in connections).
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const w of worlds.splice(0)) await w.close();
});

async function world(options: Parameters<typeof startStripeWorld>[0]) {
  const w = await startStripeWorld(options);
  worlds.push(w);
  return w;
}

const counts = (w: StripeWorld, orgId: string) => createStripeDataRepo(w.t.runtime.database.db).counts(orgId);

describe('sync under faults', () => {
  it('retries 429s and 5xx and still ends with exact counts', async () => {
    const w = await world({ emulator: { customers: 60, seed: 41 } });
    const reference = await ownerWithStripe(w);
    const stored = await counts(w, reference.orgId);
    // Now a rough Stripe: 8 requests per second and one answer in four a 500.
    Object.assign(w.emulator.emulator.realism, { rateLimitEnabled: true, rateLimitTest: 8, errorRate: 0.25 });
    try {
      const owner = reference;
      const before = w.emulator.emulator.stats.rateLimited + w.emulator.emulator.stats.injectedErrors;
      await owner.client.post('/api/v1/integrations/stripe/sync');
      const sync = await waitForSync(owner.client, 90_000);
      expect(sync.status).toBe('succeeded');
      expect(w.emulator.emulator.stats.rateLimited + w.emulator.emulator.stats.injectedErrors).toBeGreaterThan(before);
      expect(sync.counts).toMatchObject(await emulatorTruth(w, owner.orgId));
      // Nothing was imported twice.
      expect(await counts(w, owner.orgId)).toEqual(stored);
    } finally {
      Object.assign(w.emulator.emulator.realism, { rateLimitEnabled: false, errorRate: 0 });
    }
  }, 120_000);

  it('retries Stripe calls that time out, and still ends with exact counts', async () => {
    const w = await world({ emulator: { customers: 40, seed: 47 }, env: { STRIPE_TIMEOUT_MS: '300' } });
    const owner = await ownerWithStripe(w);
    const stored = await counts(w, owner.orgId);
    // Stripe stops answering in time for a while (every call takes longer than the client waits), then recovers.
    w.emulator.emulator.realism.latencyMs = 700;
    const before = w.emulator.emulator.stats.requests;
    await owner.client.post('/api/v1/integrations/stripe/sync');
    await waitFor(async () => w.emulator.emulator.stats.requests - before >= 6, 20_000);
    w.emulator.emulator.realism.latencyMs = 0;
    const sync = await waitForSync(owner.client, 90_000);
    expect(sync.status).toBe('succeeded');
    expect(sync.counts).toMatchObject(await emulatorTruth(w, owner.orgId));
    expect(await counts(w, owner.orgId)).toEqual(stored);
  }, 120_000);

  it('resumes after the worker process is killed mid-sync and ends with exact counts', async () => {
    const w = await world({ emulator: { customers: 150, seed: 43 } });
    const owner = await ownerWithStripe(w);
    const stored = await counts(w, owner.orgId);
    // Run the next sync in separate worker processes, so that one can be killed.
    await w.t.runtime.close();
    const { platform } = w.emulator.emulator;
    const env = {
      ...process.env,
      DATABASE_URL: w.database.url,
      ENCRYPTION_KEY: 'a'.repeat(64),
      SESSION_SECRET: 'test-session-secret-that-is-long-enough',
      STRIPE_CLIENT_ID: platform.clientId,
      STRIPE_SECRET_KEY: platform.secretKey,
      STRIPE_API_BASE: w.emulator.url,
      SYNC_STALE_SECONDS: '5',
      LOG_LEVEL: 'warn',
    };
    const worker = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', 'worker'], { env, stdio: 'ignore' });
      children.push(child);
      return child;
    };
    const client = new pg.Client({ connectionString: w.database.url });
    await client.connect();
    try {
      // A slow Stripe makes the sync last long enough to be interrupted.
      w.emulator.emulator.realism.latencyMs = 120;
      const now = Math.floor(Date.now() / 1000);
      const cursors = initialCursors(now);
      const since = { charges: cursors['charges#0']!.since!, invoices: cursors['invoices#0']!.since! };
      await client.query(`insert into sync_runs (org_id, kind, status, cursors, counts) values ($1, 'manual', 'running', $2, '{}')`, [
        owner.orgId,
        JSON.stringify(cursors),
      ]);
      const run = async () =>
        (
          await client.query<{ id: string; status: string; counts: Record<string, number>; cursors: Record<string, { done: boolean }> }>(
            'select id, status, counts, cursors from sync_runs where org_id = $1 order by started_at desc limit 1',
            [owner.orgId],
          )
        ).rows[0]!;
      const first = worker();
      // Wait until some pages are committed but the run is far from finished, then kill the process outright.
      await waitFor(
        async () => {
          const r = await run();
          return (r.counts.invoices ?? 0) > 0 && !Object.values(r.cursors).every((c) => c.done);
        },
        30_000,
        20,
      );
      first.kill('SIGKILL');
      const interrupted = await run();
      expect(interrupted.status).toBe('running');
      w.emulator.emulator.realism.latencyMs = 0;
      worker();
      const done = await waitFor(
        async () => {
          const r = await run();
          return r.status !== 'running' ? r : null;
        },
        60_000,
        100,
      );
      expect(done.status).toBe('succeeded');
      expect(done.counts).toMatchObject(truthFor(w, since.charges, since.invoices));
      const rows = await client.query<{ t: string; n: string }>(
        `select 'customers' t, count(*) n from customers where org_id = $1 union all select 'subscriptions', count(*) from subscriptions where org_id = $1
         union all select 'payments', count(*) from payments where org_id = $1 union all select 'invoices', count(*) from invoices where org_id = $1`,
        [owner.orgId],
      );
      const { customers, subscriptions, payments, invoices } = stored;
      expect(Object.fromEntries(rows.rows.map((r) => [r.t, Number(r.n)]))).toEqual({ customers, subscriptions, payments, invoices });
    } finally {
      await client.end();
    }
  }, 120_000);
});

import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/db/embedded.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { waitFor } from './helpers/app.js';
import { buildServer, healthy, killAll, start, stop } from './helpers/process.js';

afterAll(killAll);

describe('npm start', () => {
  it('runs with zero configuration on embedded PostgreSQL, stops cleanly on SIGTERM, and keeps data and sessions across restarts', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'pulsescore-start-'));
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port) };
    // Exactly what `npm start` runs: the compiled server (the other tests run the sources).
    buildServer();
    const started = Date.now();
    const first = start(env, [], { compiled: true });
    await healthy(port, 30_000);
    expect(Date.now() - started).toBeLessThan(30_000);

    const origin = `http://localhost:${port}`;
    const signup = await fetch(`http://127.0.0.1:${port}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ name: 'Persist', email: 'persist@example.com', password: 'a long enough password', organizationName: 'Kept' }),
    });
    expect(signup.status).toBe(201);
    const cookie = signup.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');

    expect(first.output()).toContain('demo mode: Stripe emulator started');
    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('stopped cleanly');
    // The demo Stripe keeps its state (and so a connection) between runs.
    expect(existsSync(path.join(dataDir, 'emulator-state.json'))).toBe(true);

    const second = start(env, [], { compiled: true });
    await healthy(port, 30_000);
    expect(second.output()).toMatch(/Stripe emulator started.*"restored":true|"restored":true.*Stripe emulator started/);
    const me = await fetch(`http://127.0.0.1:${port}/api/v1/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { organizations: { name: string }[] }).organizations[0]!.name).toBe('Kept');
    expect(await stop(second)).toBe(0);
  }, 90_000);

  it('refuses to start with a bad configuration value and names the variable', async () => {
    const proc = start({ PORT: 'eighty', DATA_DIR: await mkdtemp(path.join(tmpdir(), 'pulsescore-bad-')) });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('PORT');
    const prod = start({ NODE_ENV: 'production', DATA_DIR: await mkdtemp(path.join(tmpdir(), 'pulsescore-prod-')) });
    expect(await prod.exited).toBe(1);
    expect(prod.output()).toMatch(/ENCRYPTION_KEY: required when NODE_ENV=production/);
  });
});

describe('separate roles', () => {
  let database: TestDatabase;
  afterAll(async () => database?.drop());

  it('runs the API and the worker as separate processes on one database', async () => {
    database = await createTestDatabase();
    const port = await freePort();
    const env = { DATABASE_URL: database.url, PORT: String(port), DATA_DIR: await mkdtemp(path.join(tmpdir(), 'pulsescore-roles-')) };
    const api = start(env, ['--role', 'api']);
    await healthy(port, 30_000);
    const email = `roles-${Date.now()}@example.com`;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: `http://localhost:${port}` },
      body: JSON.stringify({ name: 'Roles', email, password: 'a long enough password' }),
    });
    expect(res.status).toBe(201);

    // The API process has no worker: the verification mail waits in the queue until a worker starts.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const status = async () =>
      (await client.query<{ status: string }>('select status from mail_outbox where to_address = $1', [email])).rows[0]?.status;
    await new Promise((r) => setTimeout(r, 1000));
    expect(await status()).toBe('queued');

    const worker = start({ ...env, PORT: String(await freePort()) }, ['--role', 'worker']);
    await waitFor(async () => (await status()) === 'logged', 30_000, 200);
    await client.end();
    expect(await stop(worker)).toBe(0);
    expect(await stop(api)).toBe(0);
  }, 90_000);
});

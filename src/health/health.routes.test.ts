import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { startTestApp, type TestApp } from '../../test/helpers/app.js';

let database: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  t = await startTestApp({ databaseUrl: database.url });
});
afterAll(async () => {
  await t?.close();
  await database?.drop();
});

describe('operations endpoints', () => {
  it('reports liveness, readiness and metrics', async () => {
    const c = t.client();
    expect((await c.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await c.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: { status: 'ok' }, queue: { status: 'ok' } });
    const metrics = await c.get('/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.text).toContain('pulsescore_http_request_duration_seconds_bucket');
    expect(metrics.text).toContain('route="/readyz"');
  });

  it('sets request ids and security headers', async () => {
    const res = await t.client().get('/healthz', { 'x-request-id': 'trace-1234567' });
    expect(res.headers['x-request-id']).toBe('trace-1234567');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-frame-options']).toBeDefined();
    const generated = await t.client().get('/healthz', { 'x-request-id': 'bad id with spaces' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves the OpenAPI document built from the route schemas, and its viewer', async () => {
    const doc = (await t.client().get('/api/docs/openapi.json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    const signup = doc.paths['/api/v1/auth/signup'].post;
    expect(signup.requestBody.content['application/json'].schema.properties).toHaveProperty('email');
    expect(signup.responses).toHaveProperty('201');
    expect((await t.client().get('/api/docs/')).status).toBe(200);
  });

  it('answers 503 on readiness and on API calls when the database goes away, then recovers', async () => {
    const owner = await t
      .client()
      .post('/api/v1/auth/signup', { name: 'Ops', email: `ops-${Date.now()}@example.com`, password: 'a long enough password' });
    expect(owner.status).toBe(201);
    const adminClient = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    adminClient.on('error', () => undefined);
    await adminClient.connect();
    // Refuse new connections to this database and cut the existing ones: the database has gone away.
    await adminClient.query(`alter database ${database.name} with allow_connections false`);
    await adminClient.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`, [database.name]);
    try {
      const ready = await t.client().get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database.status).toBe('down');
      expect(JSON.stringify(ready.body)).not.toContain('postgres://');
      const api = await t.client().post('/api/v1/auth/login', { email: 'a@example.com', password: 'whatever' });
      expect(api.status).toBeGreaterThanOrEqual(500);
      expect(api.status).not.toBe(500);
      expect(api.body.error.code).toMatch(/unavailable/);
      expect(api.text).not.toMatch(/select|postgres|ECONN/i);
    } finally {
      await adminClient.query(`alter database ${database.name} with allow_connections true`);
      await adminClient.end();
    }
    const back = await t.client().get('/readyz');
    expect(back.status).toBe(200);
  });
});

import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.js';
import { startTestApp, type TestApp, useTestApp } from '../../test/helpers/app.js';

let t: TestApp;
useTestApp((app) => {
  t = app;
});

describe('operations endpoints', () => {
  it('reports liveness, readiness and metrics', async () => {
    const c = t.client();
    expect((await c.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await c.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: { status: 'ok' }, queue: { status: 'ok' } });
    // Without METRICS_TOKEN, the metrics are for the machine itself only.
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toContain('pulsescore_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('route="/readyz"');
  });

  it('serves metrics to loopback clients only while METRICS_TOKEN is unset', async () => {
    for (const remoteAddress of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      expect((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress })).statusCode, remoteAddress).toBe(200);
    }
    for (const remoteAddress of ['10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', '2001:db8::1', '128.0.0.1']) {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress });
      expect(res.statusCode, remoteAddress).toBe(403);
      expect(res.json().error.message).toContain('METRICS_TOKEN');
      expect(res.body).not.toContain('pulsescore_');
    }
    // A forged X-Forwarded-For is not believed without TRUST_PROXY.
    const forged = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '10.0.0.1',
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    expect(forged.statusCode).toBe(403);
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
    // Its own database and an API-only process: this test is about what clients see, not about jobs caught
    // mid-flight (the queue library reports a job's outcome without handling a lost connection; see
    // app/process-guards.ts).
    const own = await createTestDatabase();
    const api = await startTestApp({ databaseUrl: own.url, roles: ['api'] });
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      const signup = await api
        .client()
        .post('/api/v1/auth/signup', { name: 'Ops', email: `ops-${Date.now()}@example.com`, password: 'a long enough password' });
      expect(signup.status).toBe(201);
      // Refuse new connections to the database and cut the existing ones: the database has gone away.
      await admin.query(`alter database ${own.name} with allow_connections false`);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [own.name]);
      try {
        const ready = await api.client().get('/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body.checks.database.status).toBe('down');
        expect(JSON.stringify(ready.body)).not.toContain('postgres://');
        const login = await api.client().post('/api/v1/auth/login', { email: 'a@example.com', password: 'whatever' });
        expect(login.status).toBe(503);
        expect(login.body.error.code).toBe('service_unavailable');
        expect(login.text).not.toMatch(/select|postgres|ECONN/i);
      } finally {
        await admin.query(`alter database ${own.name} with allow_connections true`);
      }
      expect((await api.client().get('/readyz')).status).toBe(200);
    } finally {
      await admin.end();
      await api.close();
      await own.drop();
    }
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, useTestApp } from './helpers/app.js';

let t: TestApp;
useTestApp(
  (app) => {
    t = app;
  },
  { roles: ['api'] },
);

let doc: any;
let owner: SignedUpUser;
beforeAll(async () => {
  doc = (await t.client().get('/api/docs/openapi.json')).body;
  owner = await signUp(t, { organizationName: 'Docs' });
});

const op = (method: string, path: string) => doc.paths[path][method];
const apiOperations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>)
    .filter(([path]) => path.startsWith('/api/v1/') && !path.startsWith('/api/v1/webhooks/'))
    .flatMap(([path, item]) => Object.entries(item).map(([method, o]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, o })));

describe('the OpenAPI document', () => {
  it('gives the CSV export its real content type', async () => {
    const documented = op('get', '/api/v1/customers/export.csv').responses['200'].content;
    expect(Object.keys(documented)).toEqual(['text/csv']);
    const res = await owner.client.get('/api/v1/customers/export.csv');
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
  });

  it('documents the OAuth callback as public, redirecting (with Location), and refusing bad queries with 400', async () => {
    const callback = op('get', '/api/v1/integrations/stripe/callback');
    expect(callback.security).toEqual([]);
    expect(callback.responses['302'].headers.location.schema).toEqual({ type: 'string' });
    expect(callback.responses['302'].content).toBeUndefined();
    expect(callback.responses['400'].content['application/json']).toBeDefined();
    expect((await t.client().get(`/api/v1/integrations/stripe/callback?error=${'x'.repeat(200)}`)).status).toBe(400);
    const redirect = await t.client().get('/api/v1/integrations/stripe/callback?state=nonsense');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toContain('/settings/integrations?');
  });

  it('marks the health endpoints public and /metrics as needing its own token', () => {
    expect(op('get', '/healthz').security).toEqual([]);
    expect(op('get', '/readyz').security).toEqual([]);
    expect(op('get', '/metrics').security).toEqual([{ metricsToken: [] }]);
    expect(Object.keys(op('get', '/metrics').responses['200'].content)).toEqual(['text/plain']);
  });

  it('documents on every API operation the statuses the edge gives', () => {
    for (const { key, method, path, o } of apiOperations()) {
      const statuses = Object.keys(o.responses);
      expect(statuses, key).toEqual(expect.arrayContaining(['400', '503']));
      if (method !== 'get') expect(statuses, key).toEqual(expect.arrayContaining(['413', '415']));
      if (path.includes('{')) expect(statuses, key).toContain('414');
    }
  });

  it('accepts any 8-4-4-4-12 hex id where it documents a uuid, as PostgreSQL does', async () => {
    // Neither RFC 9562 version nor variant bits: PostgreSQL's uuid type takes it, so the API must too.
    const id = '12345678-1234-1234-1234-123456789012';
    for (const [method, path] of [
      ['delete', '/api/v1/api-keys/{id}'],
      ['post', '/api/v1/notifications/{id}/read'],
    ] as const) {
      const param = op(method, path).parameters.find((p: { name: string }) => p.name === 'id');
      expect(new RegExp(param.schema.pattern).test(id), path).toBe(true);
      const res = await owner.client.request(method.toUpperCase() as 'POST', path.replace('{id}', id), method === 'post' ? {} : undefined);
      expect(res.status, `${path}: ${res.text}`).toBe(404);
    }
  });

  it('states the accepted risk filters and organization names, so schema-valid values are accepted', async () => {
    const risk = op('get', '/api/v1/customers').parameters.find((p: { name: string }) => p.name === 'risk').schema;
    for (const value of ['red', ' green , none ', 'red,,yellow', '']) {
      expect(new RegExp(risk.pattern).test(value), value).toBe(true);
      expect((await owner.client.get(`/api/v1/customers?risk=${encodeURIComponent(value)}`)).status, value).toBe(200);
    }
    expect(new RegExp(risk.pattern).test('purple')).toBe(false);
    const name = op('patch', '/api/v1/organization').requestBody.content['application/json'].schema.properties.name;
    expect(new RegExp(name.pattern).test('   ')).toBe(false);
  });
});

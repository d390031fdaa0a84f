import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { findNul } from '../src/app/input-text.js';
import { signUp, type SignedUpUser, type TestApp, useTestApp } from './helpers/app.js';

let t: TestApp;
useTestApp(
  (app) => {
    t = app;
  },
  { roles: ['api'] },
);

const NUL = '\u0000';
let owner: SignedUpUser;
beforeAll(async () => {
  owner = await signUp(t, { organizationName: 'Null Co' });
});

function expectInvalidText(res: { status: number; body: any; text: string }, field: string) {
  expect(res.status, res.text).toBe(400);
  expect(res.body).toEqual({
    error: { code: 'invalid_text', message: `${field} must not contain the NUL character`, details: { field } },
  });
}

describe('the NUL character', () => {
  it('is refused with 400 naming the field on the routes that answered 500 (or 502) before', async () => {
    const c = owner.client;
    expectInvalidText(await c.patch('/api/v1/organization', { name: `Acme${NUL}` }), 'body.name');
    expectInvalidText(await c.post('/api/v1/api-keys', { name: `key${NUL}`, role: 'member' }), 'body.name');
    const rule = { name: `rule${NUL}`, kind: 'payment_failed', channels: { inApp: true } };
    expectInvalidText(await c.post('/api/v1/alerts/rules', rule), 'body.name');
    expectInvalidText(await c.post('/api/v1/invitations/accept', { token: `${'x'.repeat(20)}${NUL}` }), 'body.token');
    expectInvalidText(await c.post('/api/v1/invitations/accept', { invitationId: NUL }), 'body.invitationId');
    expectInvalidText(await c.post('/api/v1/me/active-organization', { organizationId: `org${NUL}` }), 'body.organizationId');
    expectInvalidText(await c.get('/api/v1/customers?q=%00'), 'query.q');
    // The export answered a cut stream; now a complete JSON error before anything is streamed.
    const csv = await c.get('/api/v1/customers/export.csv?q=a%00b');
    expectInvalidText(csv, 'query.q');
    expect(csv.headers['content-type']).toMatch(/^application\/json/);
    expectInvalidText(
      await t.client().post('/api/v1/auth/password/reset', { token: NUL, password: 'a long enough password' }),
      'body.token',
    );
    // Nothing was changed.
    expect((await c.get('/api/v1/organization')).body.name).toBe('Null Co');
    expect((await c.get('/api/v1/api-keys')).body.apiKeys).toEqual([]);
  });

  it('is refused in nested values, array items, keys, path parameters and repeated query parameters', async () => {
    const c = owner.client;
    const rule = { name: 'r', kind: 'payment_failed', channels: { inApp: true, email: ['a@example.com', `b${NUL}@example.com`] } };
    expectInvalidText(await c.post('/api/v1/alerts/rules', rule), 'body.channels.email.1');
    expectInvalidText(await c.patch('/api/v1/organization', { [`na${NUL}me`]: 'x' }), 'body.na\\u0000me');
    expectInvalidText(await c.get('/api/v1/customers/abc%00def'), 'params.id');
    expectInvalidText(await c.get('/api/v1/customers?risk=red&risk=%00'), 'query.risk.1');
    // Before authentication: a request without credentials gets the same answer.
    expectInvalidText(await t.client().get('/api/v1/customers?q=%00'), 'query.q');
  });

  it('is looked for without a stack overflow in a deeply nested body', async () => {
    const deep = `{"name":${'['.repeat(100_000)}"${NUL}"${']'.repeat(100_000)}}`.replace(NUL, '\\u0000');
    const res = await owner.client.request('PATCH', '/api/v1/organization', deep);
    expect(res.status, res.text.slice(0, 200)).toBe(400);
    expect(res.body.error.code).toBe('invalid_text');
  });

  it('is left to the Stripe webhook routes, whose raw bytes are verified as they are', async () => {
    const res = await t.client().request('POST', '/api/v1/webhooks/stripe', `{"id":"evt_1","x":"${NUL}"}`, {
      'content-type': 'application/json',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).not.toBe('invalid_text');
  });

  it('never gets a 5xx from any API operation, wherever it is in a JSON body', { timeout: 120_000 }, async () => {
    const doc = (await t.client().get('/api/docs/openapi.json')).body;
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>)
      .filter(([path]) => path.startsWith('/api/v1/') && !path.startsWith('/api/v1/webhooks/'))
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
    const withBody = ops.filter((o) => o.op.requestBody);
    expect(withBody.length).toBeGreaterThan(15);
    const nulText = fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}${NUL}${b}`);
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 10 }),
        nulText,
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('tree'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), nulText), tie('tree'), { maxKeys: 4 }),
      ),
    }));
    const bodies = fc.tuple(tree, nulText, fc.boolean()).map(([value, nul, asKey]) => ({ data: value, [asKey ? nul : 'field']: nul }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withBody), bodies, async ({ path, method }, body) => {
        const url = path.replace(/\{\w+\}/g, 'some-id');
        const res = await owner.client.request(method as 'POST', url, body);
        expect(res.status, `${method} ${url} ${JSON.stringify(body)} → ${res.text}`).toBe(400);
        // A `__proto__` key is refused by the JSON parser itself, before the NUL rule.
        expect(['invalid_text', 'invalid_json']).toContain(res.body.error.code);
      }),
      { numRuns: 1000, seed: 7 },
    );
    // And in the query and path of every operation, body or not.
    for (const { path, method } of ops) {
      const url = `${path.replace(/\{\w+\}/g, 'id%00')}?q=%00`;
      const res = await owner.client.request(method as 'GET', url, ['GET', 'DELETE'].includes(method) ? undefined : {});
      expect(res.status, `${method} ${url} → ${res.text}`).toBe(400);
      expect(res.body.error.code, `${method} ${url}`).toBe('invalid_text');
    }
  });
});

describe('findNul', () => {
  const clean = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v).replaceAll('\\u0000', '')) as unknown);

  it('names the exact field of a single NUL placed anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,5}$/), { maxLength: 5 }), clean, (keys, filler) => {
        let value: unknown = `x${NUL}`;
        for (const k of [...keys].reverse()) value = { [k]: value, 'other-field': filler };
        expect(findNul(value, 'body')).toBe(['body', ...keys].join('.'));
      }),
    );
  });

  it('finds nothing where there is no NUL, and survives deep nesting', () => {
    fc.assert(
      fc.property(clean, (v) => {
        expect(findNul(v, 'body')).toBeNull();
      }),
    );
    let deep: unknown = NUL;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findNul(deep, 'body')).toMatch(/^body(\.0)+$/);
  });
});

import { describe, expect, it } from 'vitest';
import { outbox, type SignedUpUser, signUp, type TestApp, type TestClient, useTestApp, waitFor } from './helpers/app.js';

let t: TestApp;
useTestApp((app) => {
  t = app;
});

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
interface RouteCase {
  method: Method;
  path: string;
  body?: Record<string, unknown>;
}

const SCORING_CONFIG = {
  weights: { payment_recency: 1, mrr_trend: 1, failed_payments: 1, usage: 0, support: 0 },
  thresholds: { green: 70, yellow: 40 },
};

/** Every /api/v1 route; a test below fails when a route is added without being listed here. */
const ROUTES: RouteCase[] = [
  { method: 'POST', path: '/auth/signup', body: { name: 'N', email: 'n@example.com', password: 'long enough pw' } },
  { method: 'POST', path: '/auth/login', body: { email: 'n@example.com', password: 'x' } },
  { method: 'POST', path: '/auth/logout' },
  { method: 'POST', path: '/auth/password/forgot', body: { email: 'n@example.com' } },
  { method: 'POST', path: '/auth/password/reset', body: { token: 't', password: 'long enough pw' } },
  { method: 'GET', path: '/auth/verify-email' },
  { method: 'POST', path: '/auth/verify-email/resend' },
  { method: 'GET', path: '/me' },
  { method: 'POST', path: '/me/active-organization', body: { organizationId: 'x' } },
  { method: 'GET', path: '/organization' },
  { method: 'PATCH', path: '/organization', body: { name: 'N' } },
  { method: 'POST', path: '/organizations', body: { name: 'N' } },
  { method: 'GET', path: '/members' },
  { method: 'PATCH', path: '/members/:id', body: { role: 'member' } },
  { method: 'DELETE', path: '/members/:id' },
  { method: 'GET', path: '/invitations' },
  { method: 'POST', path: '/invitations', body: { email: 'i@example.com', role: 'member' } },
  { method: 'DELETE', path: '/invitations/:id' },
  { method: 'GET', path: '/invitations/:token/preview' },
  { method: 'POST', path: '/invitations/accept', body: { token: 'x'.repeat(32) } },
  { method: 'GET', path: '/api-keys' },
  { method: 'POST', path: '/api-keys', body: { name: 'k', role: 'member' } },
  { method: 'DELETE', path: '/api-keys/:id' },
  { method: 'GET', path: '/support' },
  { method: 'POST', path: '/support/messages', body: { message: 'Help', page: '/customers' } },
  { method: 'GET', path: '/integrations' },
  { method: 'GET', path: '/integrations/stripe' },
  { method: 'POST', path: '/integrations/stripe/connect' },
  { method: 'GET', path: '/integrations/stripe/callback' },
  { method: 'POST', path: '/integrations/stripe/sync' },
  { method: 'GET', path: '/integrations/stripe/sync' },
  { method: 'POST', path: '/integrations/stripe/sync/:id/dismiss' },
  { method: 'PUT', path: '/integrations/stripe/webhook-secret', body: { secret: 'whsec_abc' } },
  { method: 'DELETE', path: '/integrations/stripe' },
  { method: 'GET', path: '/scoring/config' },
  {
    method: 'PUT',
    path: '/scoring/config',
    body: SCORING_CONFIG,
  },
  {
    method: 'POST',
    path: '/scoring/preview',
    body: SCORING_CONFIG,
  },
  { method: 'POST', path: '/scoring/recalculate' },
  { method: 'GET', path: '/scoring/backtest' },
  { method: 'POST', path: '/scoring/backtest/preview', body: { config: SCORING_CONFIG, horizon: 30 } },
  { method: 'POST', path: '/scoring/backtest/rebuild' },
  { method: 'GET', path: '/scoring/backtest/suggestion' },
  { method: 'GET', path: '/customers' },
  { method: 'GET', path: '/customers/export.csv' },
  { method: 'GET', path: '/customers/:id' },
  { method: 'GET', path: '/customers/:id/version' },
  { method: 'GET', path: '/customers/:id/score-history' },
  { method: 'GET', path: '/customers/:id/timeline' },
  { method: 'POST', path: '/customers/:id/recalculate' },
  { method: 'GET', path: '/dashboard/summary' },
  { method: 'GET', path: '/dashboard/score-distribution' },
  { method: 'GET', path: '/dashboard/mrr-trend' },
  { method: 'GET', path: '/currencies' },
  { method: 'PUT', path: '/currencies/reporting', body: { currency: 'usd' } },
  { method: 'POST', path: '/currencies/rates', body: { base: 'eur', quote: 'usd', rate: '1.08', effectiveFrom: '2025-01-01' } },
  { method: 'DELETE', path: '/currencies/rates/:id' },
  { method: 'GET', path: '/alerts/rules' },
  { method: 'POST', path: '/alerts/rules', body: { name: 'r', kind: 'payment_failed', channels: { inApp: true } } },
  { method: 'GET', path: '/alerts/rules/:id' },
  { method: 'PATCH', path: '/alerts/rules/:id', body: { name: 'r2' } },
  { method: 'DELETE', path: '/alerts/rules/:id' },
  { method: 'GET', path: '/alerts/history' },
  { method: 'GET', path: '/alerts/digest' },
  { method: 'PUT', path: '/alerts/digest', body: { weeklyDigest: true } },
  { method: 'GET', path: '/notifications' },
  { method: 'POST', path: '/notifications/:id/read' },
  { method: 'POST', path: '/notifications/read-all' },
  { method: 'POST', path: '/webhooks/stripe', body: { id: 'evt_1' } },
  { method: 'POST', path: '/webhooks/stripe/:token', body: { id: 'evt_1' } },
  { method: 'GET', path: '/data-sources' },
  { method: 'PUT', path: '/data-sources/settings', body: { matchBy: 'trait' } },
  { method: 'GET', path: '/data-sources/unmatched' },
  { method: 'PUT', path: '/data-sources/groups/:key/customer', body: { customerId: null } },
  { method: 'PUT', path: '/data-sources/users/:key/customer', body: { customerId: null } },
  { method: 'POST', path: '/data-sources/imports/:kind', body: { csv: 'date,customer,events' } },
  { method: 'GET', path: '/data-sources/imports' },
  { method: 'GET', path: '/data-sources/imports/:id/errors.csv' },
  { method: 'POST', path: '/support/tickets', body: { ticketId: 't-1', customer: 'cus_x' } },
  { method: 'GET', path: '/customers/:id/tickets' },
  { method: 'GET', path: '/customers/:id/sentiment' },
  { method: 'POST', path: '/customers/:id/sentiment', body: { rating: 3 } },
  { method: 'PUT', path: '/customers/:id/owner', body: { userId: null } },
];

const send = (c: TestClient, method: Method, path: string, body?: unknown, headers?: Record<string, string>) =>
  c.request(method, `/api/v1${path}`, method === 'GET' || method === 'DELETE' ? undefined : (body ?? {}), headers);

function expectErrorShape(res: { status: number; body: any; text: string }, label: string) {
  expect(res.status, `${label}: ${res.text}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${label}: ${res.text}`).toBeLessThan(500);
  expect(res.body?.error?.code, label).toEqual(expect.any(String));
  expect(res.body?.error?.message, label).toEqual(expect.any(String));
}

/** The secret token an invitation link carries. */
const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;

interface Org {
  owner: SignedUpUser;
  member: SignedUpUser;
  memberMemberId: string;
  invitationId: string;
  apiKeyId: string;
  adminKey: string;
  memberKey: string;
}

async function organization(name: string): Promise<Org> {
  const owner = await signUp(t, { organizationName: name });
  const member = await signUp(t);
  const inv = await owner.client.post('/api/v1/invitations', { email: member.email, role: 'member' });
  await member.client.post('/api/v1/invitations/accept', { token: tokenOf(inv.body.url) });
  const members = await owner.client.get('/api/v1/members');
  const memberMemberId = members.body.members.find((m: { userId: string }) => m.userId === member.userId).id;
  const pending = await owner.client.post('/api/v1/invitations', { email: `pending-${name}@example.com`, role: 'member' });
  const adminKey = await owner.client.post('/api/v1/api-keys', { name: 'admin', role: 'admin' });
  const memberKey = await owner.client.post('/api/v1/api-keys', { name: 'member', role: 'member' });
  return {
    owner,
    member,
    memberMemberId,
    invitationId: pending.body.id,
    apiKeyId: memberKey.body.id,
    adminKey: adminKey.body.key,
    memberKey: memberKey.body.key,
  };
}

const idFor = (org: Org, path: string) =>
  path.startsWith('/members') ? org.memberMemberId : path.startsWith('/invitations') ? org.invitationId : org.apiKeyId;

describe('route inventory', () => {
  it('lists every route the API serves', async () => {
    const doc = (await t.client().get('/api/docs/openapi.json')).body;
    const served = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => p.startsWith('/api/v1/'))
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace('/api/v1', '').replace(/\{(\w+)\}/g, ':$1')}`));
    expect(served.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });
});

describe('tenant isolation', () => {
  it('answers 404 to users and API keys of organization A for every resource of organization B', async () => {
    const a = await organization('Alpha');
    const b = await organization('Beta');
    const keyClient = t.client();
    keyClient.bearer = a.adminKey;
    for (const route of ROUTES.filter((r) => r.path.includes(':id') && !r.path.endsWith('/preview'))) {
      const path = route.path.replace(':id', idFor(b, route.path));
      for (const [who, client] of [
        ['owner of A', a.owner.client],
        ['admin key of A', keyClient],
      ] as const) {
        const res = await send(client, route.method, path, route.body);
        expect(res.status, `${who} ${route.method} ${route.path}: ${res.text}`).toBe(404);
      }
    }
    expect((await send(a.owner.client, 'POST', '/me/active-organization', { organizationId: b.owner.orgId })).status).toBe(404);
    // Lists only ever show the caller's own organization.
    const members = await a.owner.client.get('/api/v1/members');
    expect(members.body.members.map((m: { userId: string }) => m.userId)).not.toContain(b.owner.userId);
    const keys = await a.owner.client.get('/api/v1/api-keys');
    expect(keys.body.apiKeys.map((k: { id: string }) => k.id)).not.toContain(b.apiKeyId);
    // B's data is untouched.
    expect((await b.owner.client.get('/api/v1/members')).body.members).toHaveLength(2);
    expect((await b.owner.client.get('/api/v1/invitations')).body.invitations).toHaveLength(1);
  });
});

describe('roles', () => {
  const WRITES = ROUTES.filter(
    (r) =>
      [
        '/organization',
        '/members/:id',
        '/invitations',
        '/invitations/:id',
        '/api-keys',
        '/api-keys/:id',
        '/scoring/config',
        '/scoring/recalculate',
        '/scoring/backtest/rebuild',
        '/alerts/rules',
        '/alerts/rules/:id',
        '/currencies/reporting',
        '/currencies/rates',
        '/currencies/rates/:id',
        '/data-sources/settings',
        '/customers/:id/owner',
      ].includes(r.path) && r.method !== 'GET',
  );

  it('refuses every administrative write to a member, by session or by member API key', async () => {
    const org = await organization('Gamma');
    const keyClient = t.client();
    keyClient.bearer = org.memberKey;
    const victim = await signUp(t);
    const inv = await org.owner.client.post('/api/v1/invitations', { email: victim.email, role: 'member' });
    await victim.client.post('/api/v1/invitations/accept', { token: tokenOf(inv.body.url) });
    const victimId = (await org.owner.client.get('/api/v1/members')).body.members.find(
      (m: { userId: string }) => m.userId === victim.userId,
    ).id;
    for (const route of WRITES) {
      const id = route.path.startsWith('/members') ? victimId : idFor(org, route.path);
      for (const [who, client] of [
        ['member', org.member.client],
        ['member key', keyClient],
      ] as const) {
        const res = await send(client, route.method, route.path.replace(':id', id), route.body);
        expect(res.status, `${who} ${route.method} ${route.path}: ${res.text}`).toBe(403);
      }
    }
    expect((await org.owner.client.get('/api/v1/members')).body.members).toHaveLength(3);
  });
});

describe('bad input', () => {
  it('answers malformed JSON, wrong types, unknown fields and bad ids with a 4xx in the error shape', async () => {
    const org = await organization('Delta');
    const c = org.owner.client;
    for (const route of ROUTES) {
      const path = route.path.replace(':id', idFor(org, route.path));
      const label = `${route.method} ${route.path}`;
      if (route.body) {
        expectErrorShape(await c.request(route.method, `/api/v1${path}`, '{"broken": ', {}), `${label} malformed JSON`);
        const wrongTypes = Object.fromEntries(Object.keys(route.body).map((k) => [k, 12345]));
        expectErrorShape(await send(c, route.method, path, wrongTypes), `${label} wrong types`);
        expectErrorShape(await send(c, route.method, path, { ...route.body, isAdmin: true }), `${label} unknown field`);
        expectErrorShape(await send(c, route.method, path, [1, 2]), `${label} array body`);
      }
      if (route.path.includes(':id')) {
        for (const bad of ['..%2F..%2Fetc', 'x'.repeat(300), "1'%20or%201=1"]) {
          expectErrorShape(await send(c, route.method, route.path.replace(':id', bad), route.body), `${label} bad id ${bad.slice(0, 10)}`);
        }
      }
    }
    expectErrorShape(await c.request('GET', '/api/v1/auth/verify-email?token=', undefined), 'empty token');
    expectErrorShape(
      await c.request('POST', '/api/v1/organizations', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      'form body',
    );
    // Nothing was changed by any of it.
    expect((await c.get('/api/v1/organization')).body.name).toBe('Delta');
    expect((await c.get('/api/v1/members')).body.members).toHaveLength(2);
  });

  it('refuses oversized bodies with 413', async () => {
    const res = await t.client().post('/api/v1/auth/login', { email: 'a@example.com', password: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await t.client().get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('logs', () => {
  it('never contain passwords, session tokens, API keys or reset tokens', async () => {
    const password = 'very secret password 123';
    const email = `logs-${Date.now()}@example.com`;
    const client = t.client();
    const signup = await client.post('/api/v1/auth/signup', { name: 'Logger', email, password });
    const sessionToken = String(signup.headers['set-cookie']).match(/session_token=([^;.]+)/)![1]!;
    await client.post('/api/v1/auth/login', { email, password });
    const key = (await client.post('/api/v1/api-keys', { name: 'k', role: 'member' })).body.key as string;
    const bot = t.client();
    bot.bearer = key;
    await bot.get('/api/v1/me');
    await t.client().post('/api/v1/auth/password/forgot', { email });
    const mail = await waitFor(async () => (await outbox(t, email)).find((m) => m.subject.includes('Reset')));
    const resetToken = new URL(mail.text_body.match(/https?:\/\/\S+reset-password\S+/)![0]).searchParams.get('token')!;
    await t.client().post('/api/v1/auth/password/reset', { token: resetToken, password: 'another secret password' });
    const verify = (await outbox(t, email)).find((m) => m.subject.includes('Confirm'))!;
    const verifyPath = new URL(verify.text_body.match(/https?:\/\/\S+verify-email\S+/)![0]);
    await t.client().get(`${verifyPath.pathname}${verifyPath.search}`);

    const logs = t.logs.text();
    expect(logs).toContain('request completed');
    for (const secret of [password, 'another secret password', sessionToken, key, resetToken, verifyPath.searchParams.get('token')!]) {
      expect(logs).not.toContain(secret);
    }
  });
});

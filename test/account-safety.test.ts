import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { ACCOUNT_LOGIN_LIMIT } from '../src/auth/auth.service.js';
import { startDemoStripe } from '../src/demo/demo-stripe.js';
import { type SignedUpUser, signUp, type TestApp, useTestApp } from './helpers/app.js';

/** What a security review tried as an attacker and as a careless user would, now refused. */

let t: TestApp;
// Behind one reverse proxy: the client address is the hop the proxy saw, the rightmost X-Forwarded-For entry.
useTestApp(
  (app) => {
    t = app;
  },
  { env: { TRUST_PROXY: '1' } },
);

const tokenOf = (url: string) => new URL(url).pathname.split('/').pop()!;

async function teamWithMember(): Promise<{ owner: SignedUpUser; member: SignedUpUser }> {
  const owner = await signUp(t, { organizationName: 'Safe Co' });
  const member = await signUp(t);
  const inv = await owner.client.post('/api/v1/invitations', { email: member.email, role: 'member' });
  expect((await member.client.post('/api/v1/invitations/accept', { token: tokenOf(inv.body.url) })).status).toBe(200);
  return { owner, member };
}

describe('a member cannot make themselves admin', () => {
  it('neither reads pending invitations nor joins with an invitation id', async () => {
    const { owner, member } = await teamWithMember();
    const victim = `new-admin-${Date.now()}@example.com`;
    const invitation = await owner.client.post('/api/v1/invitations', { email: victim, role: 'admin' });
    expect(invitation.status).toBe(201);
    const key = (await owner.client.post('/api/v1/api-keys', { name: 'reader', role: 'member' })).body.key as string;
    const keyClient = t.client();
    keyClient.bearer = key;
    for (const client of [member.client, keyClient]) {
      // Every listing of secrets: invitation links and API keys.
      expect((await client.get('/api/v1/api-keys')).status).toBe(403);
      const listed = await client.get('/api/v1/invitations');
      expect(listed.status).toBe(403);
      expect(listed.text).not.toContain(invitation.body.id);
      expect(listed.text).not.toContain(tokenOf(invitation.body.url));
    }
    // Signing up with the invited address needs the emailed token; the id another member might know is no way in.
    const byId = await t.client().post('/api/v1/auth/signup', {
      name: 'Mallory',
      email: victim,
      password: 'correct horse battery staple',
      invitationId: invitation.body.id,
    });
    expect(byId.status).toBe(400);
    const guessed = await t.client().post('/api/v1/auth/signup', {
      name: 'Mallory',
      email: victim,
      password: 'correct horse battery staple',
      invitationToken: 'x'.repeat(32),
    });
    expect(guessed.status).toBe(404);
    const members = (await owner.client.get('/api/v1/members')).body.members as { email: string }[];
    expect(members.map((m) => m.email)).not.toContain(victim);
  });

  it('accepts a legacy invitation (made before tokens) by id only from a confirmed address', async () => {
    const { owner } = await teamWithMember();
    const invitee = await signUp(t);
    const inv = await owner.client.post('/api/v1/invitations', { email: invitee.email, role: 'member' });
    const db = t.runtime.database.db;
    await db.updateTable('invitations').set({ token_hash: null, token_enc: null }).where('id', '=', inv.body.id).execute();
    const unconfirmed = await invitee.client.post('/api/v1/invitations/accept', { invitationId: inv.body.id });
    expect(unconfirmed.status).toBe(403);
    expect(unconfirmed.body.error.code).toBe('email_not_verified');
    await db.updateTable('users').set({ email_verified: true }).where('id', '=', invitee.userId).execute();
    expect((await invitee.client.post('/api/v1/invitations/accept', { invitationId: inv.body.id })).status).toBe(200);
  });

  it('shows an invitation’s link only to those who hold its role', async () => {
    const owner = await signUp(t, { organizationName: 'Links Co' });
    const admin = await signUp(t);
    const inv = await owner.client.post('/api/v1/invitations', { email: admin.email, role: 'admin' });
    await admin.client.post('/api/v1/invitations/accept', { token: tokenOf(inv.body.url) });
    await owner.client.post('/api/v1/invitations', { email: `boss-${Date.now()}@example.com`, role: 'owner' });
    await owner.client.post('/api/v1/invitations', { email: `peer-${Date.now()}@example.com`, role: 'admin' });
    const seen = (await admin.client.get('/api/v1/invitations')).body.invitations as { role: string; url: string | null }[];
    expect(seen.find((i) => i.role === 'owner')!.url).toBeNull();
    expect(seen.find((i) => i.role === 'admin')!.url).toMatch(/\/invitations\/[A-Za-z0-9_-]{32}$/);
  });
});

describe('API keys never outlive their creator’s rights', () => {
  it('stops an admin’s keys when they are removed, and caps them when they are demoted', async () => {
    const owner = await signUp(t, { organizationName: 'Keys Co' });
    const admin = await signUp(t);
    const inv = await owner.client.post('/api/v1/invitations', { email: admin.email, role: 'admin' });
    await admin.client.post('/api/v1/invitations/accept', { token: tokenOf(inv.body.url) });
    const key = async () => {
      const c = t.client();
      c.bearer = (await admin.client.post('/api/v1/api-keys', { name: 'ci', role: 'admin' })).body.key;
      return c;
    };
    const demotedKey = await key();
    const adminId = ((await owner.client.get('/api/v1/members')).body.members as { id: string; userId: string }[]).find(
      (m) => m.userId === admin.userId,
    )!.id;
    expect((await demotedKey.post('/api/v1/api-keys', { name: 'more', role: 'member' })).status).toBe(201);
    await owner.client.patch(`/api/v1/members/${adminId}`, { role: 'member' });
    // Demoted: the admin key now acts as a member (reads work, admin writes and key listings are refused).
    expect((await demotedKey.get('/api/v1/customers')).status).toBe(200);
    expect((await demotedKey.post('/api/v1/api-keys', { name: 'more', role: 'member' })).status).toBe(403);
    expect((await demotedKey.get('/api/v1/api-keys')).status).toBe(403);
    await owner.client.patch(`/api/v1/members/${adminId}`, { role: 'admin' });
    const removedKey = await key();
    expect((await owner.client.delete(`/api/v1/members/${adminId}`)).status).toBe(204);
    expect((await removedKey.get('/api/v1/customers')).status).toBe(401);
    expect((await removedKey.post('/api/v1/api-keys', { name: 'again', role: 'admin' })).status).toBe(401);
  });
});

describe('login limits', () => {
  const attempt = (ip: string, email: string, forwarded: string) =>
    t.client().post('/api/v1/auth/login', { email, password: 'not the password' }, { 'x-forwarded-for': forwarded, 'x-real-ip': ip });

  it('keys the per-address limit on the hop the proxy saw, not on what the client writes', async () => {
    const user = await signUp(t);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await attempt('', user.email, `203.0.113.${i}, 198.51.100.7`)).status);
    expect(statuses.slice(0, 5)).toEqual(Array(5).fill(401));
    expect(statuses.slice(5)).toEqual(Array(3).fill(429));
  });

  it('locks an account after repeated attempts from many addresses, with a clear message', async () => {
    const user = await signUp(t);
    const statuses: number[] = [];
    let last;
    for (let i = 0; i <= ACCOUNT_LOGIN_LIMIT; i++) {
      last = await attempt('', user.email, `192.0.2.${i + 10}`);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, ACCOUNT_LOGIN_LIMIT)).toEqual(Array(ACCOUNT_LOGIN_LIMIT).fill(401));
    expect(last!.status).toBe(429);
    expect(last!.body.error.code).toBe('account_locked');
    expect(last!.body.error.message).toMatch(/Try again in \d+ minutes?, or reset your password/);
    // Even the right password waits out the lock.
    const right = await t
      .client()
      .post('/api/v1/auth/login', { email: user.email, password: user.password }, { 'x-forwarded-for': '192.0.2.99' });
    expect(right.status).toBe(429);
  });
});

describe('sessions', () => {
  it('ends a session on logout even without an Origin header', async () => {
    const user = await signUp(t);
    const out = await user.client.request('POST', '/api/v1/auth/logout', {}, { origin: '' });
    expect(out.status).toBe(204);
    expect((await user.client.get('/api/v1/me')).status).toBe(401);
  });
});

describe('demo mode and listening address', () => {
  it('gives each data folder its own random demo Stripe secrets, kept across restarts', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'demo-secrets-'));
    const config = await loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir });
    const logger = createLogger('silent');
    const first = await startDemoStripe(config, logger);
    await first.stop();
    const again = await startDemoStripe(config, logger);
    await again.stop();
    expect(first.webhookSecret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(first.webhookSecret).not.toBe('whsec_pulsescore_demo_connect_secret');
    expect(again.webhookSecret).toBe(first.webhookSecret);
    const other = await startDemoStripe(
      await loadConfig({ NODE_ENV: 'test', DATA_DIR: await mkdtemp(path.join(tmpdir(), 'demo-')) }),
      logger,
    );
    await other.stop();
    expect(other.webhookSecret).not.toBe(first.webhookSecret);
  });

  it('listens on loopback by default outside production', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'host-'));
    expect((await loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir })).host).toBe('127.0.0.1');
    const production = await loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      ENCRYPTION_KEY: 'a'.repeat(64),
      SESSION_SECRET: 's'.repeat(40),
    });
    expect(production.host).toBe('0.0.0.0');
    expect((await loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir, HOST: '0.0.0.0' })).host).toBe('0.0.0.0');
  });
});

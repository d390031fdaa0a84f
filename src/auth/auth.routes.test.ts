import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { outbox, signUp, type TestApp, useTestApp, waitFor } from '../../test/helpers/app.js';

let t: TestApp;
useTestApp((app) => {
  t = app;
});

const tokenFrom = (text: string, param: string) => new URL(text.match(/https?:\/\/\S+/)![0]).searchParams.get(param)!;

describe('sign up', () => {
  it('creates the user, an organization and the owner membership, and signs in', async () => {
    const client = t.client();
    const res = await client.post('/api/v1/auth/signup', {
      name: 'Ada',
      email: 'Ada@Example.com',
      password: 'a long enough password',
      organizationName: 'Acme',
    });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ name: 'Ada', email: 'ada@example.com', emailVerified: false });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const me = await client.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.organizations).toEqual([expect.objectContaining({ name: 'Acme', role: 'owner' })]);
    expect(me.body.activeOrganizationId).toBe(me.body.organizations[0].id);
  });

  it('refuses a second account with the same email', async () => {
    const first = await signUp(t);
    const res = await t
      .client()
      .post('/api/v1/auth/signup', { name: 'Copy', email: first.email.toUpperCase(), password: 'another long password' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('email_taken');
  });

  it('rejects weak passwords and bad emails with clear messages', async () => {
    const res = await t.client().post('/api/v1/auth/signup', { name: 'X', email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain('email');
    expect(res.body.error.message).toContain('password');
  });

  it('is all or nothing: a failed organization step leaves no user behind', async () => {
    const email = `atomic-${Date.now()}@example.com`;
    // The database refuses this organization, inside the sign-up transaction.
    const db = t.runtime.database.db;
    await sql`
      create function refuse_org() returns trigger language plpgsql as $$
      begin if new.name = 'Refused Co' then raise exception 'refused'; end if; return new; end $$;
      create trigger refuse_org before insert on organizations for each row execute function refuse_org();
    `.execute(db);
    try {
      const res = await t
        .client()
        .post('/api/v1/auth/signup', { name: 'Atomic', email, password: 'a long enough password', organizationName: 'Refused Co' });
      expect(res.status).toBeGreaterThanOrEqual(500);
    } finally {
      await sql`drop trigger refuse_org on organizations; drop function refuse_org();`.execute(db);
    }
    const users = await db.selectFrom('users').select('id').where('email', '=', email).execute();
    expect(users).toHaveLength(0);
  });

  it('sends a verification email whose link confirms the address', async () => {
    const user = await signUp(t);
    const mail = await waitFor(async () => (await outbox(t, user.email)).find((m) => m.subject.includes('Confirm')));
    const link = new URL(mail.text_body.match(/https?:\/\/\S+verify-email\S+/)![0]);
    const res = await t.client().get(`${link.pathname}${link.search}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toContain('emailVerified=1');
    const me = await user.client.get('/api/v1/me');
    expect(me.body.user.emailVerified).toBe(true);
    const again = await t.client().get('/api/v1/auth/verify-email?token=forged');
    expect(again.headers.location).toContain('emailVerified=0');
  });
});

describe('log in and out', () => {
  it('logs in with the right password only, and logs out', async () => {
    const user = await signUp(t);
    const client = t.client();
    expect((await client.post('/api/v1/auth/login', { email: user.email, password: 'wrong password!' })).status).toBe(401);
    const ok = await client.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(ok.status).toBe(200);
    expect((await client.get('/api/v1/me')).body.activeOrganizationId).toBe(user.orgId);
    expect((await client.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await client.get('/api/v1/me')).status).toBe(401);
  });

  it('rate-limits repeated login attempts from one address', async () => {
    const user = await signUp(t);
    const client = t.client();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await client.post('/api/v1/auth/login', { email: user.email, password: 'wrong password!' })).status);
    expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await client.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
  });

  it('refuses cookie-authenticated writes from another origin', async () => {
    const user = await signUp(t);
    const res = await user.client.request('PATCH', '/api/v1/organization', { name: 'Hijacked' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });
});

describe('password reset', () => {
  it('emails a single-use token that sets a new password and ends old sessions', async () => {
    const user = await signUp(t);
    const res = await t.client().post('/api/v1/auth/password/forgot', { email: user.email });
    expect(res.status).toBe(202);
    const unknown = await t.client().post('/api/v1/auth/password/forgot', { email: 'nobody@example.com' });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(res.body);

    const mail = await waitFor(async () => (await outbox(t, user.email)).find((m) => m.subject.includes('Reset')));
    const token = tokenFrom(mail.text_body.slice(mail.text_body.indexOf('http')), 'token');
    const newPassword = 'a brand new password';
    expect((await t.client().post('/api/v1/auth/password/reset', { token, password: newPassword })).status).toBe(204);
    expect((await t.client().post('/api/v1/auth/password/reset', { token, password: 'yet another password' })).status).toBe(410);
    expect((await user.client.get('/api/v1/me')).status).toBe(401);
    expect((await t.client().post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(401);
    expect((await t.client().post('/api/v1/auth/login', { email: user.email, password: newPassword })).status).toBe(200);
  });
});

import { describe, expect, it } from 'vitest';
import { signUp, type TestApp, useTestApp } from '../../test/helpers/app.js';
import { hashApiKey } from './api-keys.service.js';

let t: TestApp;
useTestApp((app) => {
  t = app;
});

describe('API keys', () => {
  it('shows the secret once, stores only its hash, and authenticates as the organization', async () => {
    const owner = await signUp(t, { organizationName: 'Keyed' });
    const created = await owner.client.post('/api/v1/api-keys', { name: 'CI export', role: 'member' });
    expect(created.status).toBe(201);
    const secret: string = created.body.key;
    expect(secret).toMatch(/^psk_/);
    const rows = await t.runtime.database.db.selectFrom('api_keys').selectAll().execute();
    expect(rows.some((r) => r.key_hash === hashApiKey(secret))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(secret);
    const listed = await owner.client.get('/api/v1/api-keys');
    expect(listed.body.apiKeys[0]).not.toHaveProperty('key');

    const bot = t.client();
    bot.bearer = secret;
    const me = await bot.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: null, apiKey: { role: 'member' }, activeOrganizationId: owner.orgId });
    expect((await bot.get('/api/v1/organization')).body.name).toBe('Keyed');
    // A member key can read but not write.
    expect((await bot.patch('/api/v1/organization', { name: 'Bot' })).status).toBe(403);

    expect((await owner.client.delete(`/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await bot.get('/api/v1/me')).status).toBe(401);
  });

  it('lets an admin key act as admin, never as more than its creator', async () => {
    const owner = await signUp(t);
    const key = (await owner.client.post('/api/v1/api-keys', { name: 'admin bot', role: 'admin' })).body.key;
    const bot = t.client();
    bot.bearer = key;
    expect((await bot.patch('/api/v1/organization', { name: 'Bot renamed' })).status).toBe(200);
    expect((await owner.client.post('/api/v1/api-keys', { name: 'x', role: 'owner' })).status).toBe(400);
  });

  it('rejects malformed and unknown keys with 401', async () => {
    const c = t.client();
    expect((await c.get('/api/v1/me', { authorization: 'Basic abc' })).status).toBe(401);
    expect((await c.get('/api/v1/me', { authorization: 'Bearer psk_unknownunknownunknownunknown' })).status).toBe(401);
  });
});

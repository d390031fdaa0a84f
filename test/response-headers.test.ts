import { describe, expect, it } from 'vitest';
import { signUp, type TestApp, useTestApp } from './helpers/app.js';

let t: TestApp;
useTestApp(
  (app) => {
    t = app;
  },
  { roles: ['api'] },
);

describe('response headers', () => {
  const DENIED = ['camera', 'microphone', 'geolocation', 'payment', 'usb', 'serial', 'hid', 'midi', 'display-capture'];

  it('keep every API and operations answer out of caches: JSON, CSV, errors, redirects, health', async () => {
    const owner = await signUp(t, { organizationName: 'Cache' });
    const keyClient = t.client();
    keyClient.bearer = (await owner.client.post('/api/v1/api-keys', { name: 'admin', role: 'admin' })).body.key;
    const answers = [
      await owner.client.get('/api/v1/me'),
      await owner.client.get('/api/v1/customers/export.csv'),
      await keyClient.get('/api/v1/customers'),
      await keyClient.post('/api/v1/api-keys', { name: 'shown once', role: 'member' }),
      await t.client().get('/api/v1/organization'),
      await t.client().get('/api/v1/nope'),
      await owner.client.patch('/api/v1/organization', { name: 12 }),
      await t.client().get('/api/v1/integrations/stripe/callback?state=x'),
      await t.client().get('/healthz'),
      await t.client().get('/readyz'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 201, 401, 404, 400, 302, 200, 200]);
    expect(answers[1]!.headers['content-type']).toMatch(/^text\/csv/);
    for (const a of answers) expect(a.headers['cache-control'], a.text.slice(0, 100)).toBe('no-store');
  });

  it('let the web app keep its own caching', async () => {
    const page = await t.client().get('/customers');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).not.toBe('no-store');
  });

  it('deny powerful browser features the app does not use, on every answer', async () => {
    for (const res of [await t.client().get('/api/v1/me'), await t.client().get('/customers'), await t.client().get('/healthz')]) {
      const policy = String(res.headers['permissions-policy']);
      for (const feature of DENIED) expect(policy).toContain(`${feature}=()`);
      // The Integrations page copies URLs to the clipboard.
      expect(policy).not.toContain('clipboard');
    }
  });
});

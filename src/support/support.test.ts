import { describe, expect, it } from 'vitest';
import { outbox, signUp, type TestApp, useTestApp, waitFor } from '../../test/helpers/app.js';

let t: TestApp;
useTestApp(
  (app) => {
    t = app;
  },
  { env: { SUPPORT_EMAIL: 'help@example.test', STATUS_PAGE_URL: 'https://status.example.test' } },
);

describe('getting help', () => {
  it('tells where support and the status page are, and sends a message with the page it came from', async () => {
    const user = await signUp(t, { organizationName: 'Helpless Co' });
    expect((await user.client.get('/api/v1/support')).body).toEqual({
      email: 'help@example.test',
      statusPageUrl: 'https://status.example.test',
    });
    const sent = await user.client.post('/api/v1/support/messages', {
      message: 'The sync says 0 customers.',
      page: '/settings/integrations',
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ sent: true, to: 'help@example.test' });
    const mail = await waitFor(async () => (await outbox(t, 'help@example.test'))[0]);
    expect(mail.subject).toBe('Help request from Test User (Helpless Co)');
    expect(mail.text_body).toContain('The sync says 0 customers.');
    expect(mail.text_body).toContain('/settings/integrations');
    expect(mail.text_body).toContain(user.email);
    // Messages that say to contact support name the configured address.
    const connect = await user.client.post('/api/v1/integrations/stripe/connect');
    expect(connect.status).toBe(503);
    expect(connect.body.error.message).toBe('Stripe is not configured on this PulseScore server. Contact support at help@example.test.');
  });

  it('refuses empty messages, pages that are not the app’s, and API keys', async () => {
    const user = await signUp(t);
    expect((await user.client.post('/api/v1/support/messages', { message: '  ', page: '/' })).status).toBe(400);
    expect((await user.client.post('/api/v1/support/messages', { message: 'x', page: 'https://evil.example' })).status).toBe(400);
    const key = (await user.client.post('/api/v1/api-keys', { name: 'k', role: 'member' })).body.key as string;
    const c = t.client();
    c.bearer = key;
    expect((await c.post('/api/v1/support/messages', { message: 'x', page: '/' })).status).toBe(403);
    expect((await t.client().get('/api/v1/support')).status).toBe(401);
  });
});

import { describe, expect, it } from 'vitest';
import { type SignedUpUser, signUp, type TestApp, useTestApp } from '../../test/helpers/app.js';
import { AppError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { createSecretBox } from '../core/secrets.js';
import type { OrgContext } from '../auth/roles.js';
import { createMailer } from '../mail/mail.service.js';
import type { Resolver } from './alerts.http.js';
import { ruleBody } from './alerts.schemas.js';
import { createAlertsService } from './alerts.service.js';

// The app as in production: ALERT_PRIVATE_URLS=false. Only address literals and `localhost` reach it here, which
// are judged without DNS; names are tried against the service with an injected resolver below.
let t: TestApp;
useTestApp((app) => (t = app), { env: { ALERT_PRIVATE_URLS: 'false' } });

const SLACK = 'https://hooks.slack.com/services/T000/B000/XXXX';
const rule = (channels: Record<string, unknown>) => ({ name: 'R', kind: 'payment_failed', channels: { inApp: false, ...channels } });

describe('URLs checked when a rule is saved (production)', () => {
  let owner: SignedUpUser;
  it('refuses special-address literals and loopback names with a 400 naming the field', async () => {
    owner = await signUp(t);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ webhookUrl: 'http://169.254.169.254/latest/meta-data' }, 'webhookUrl', 'link-local'],
      [{ webhookUrl: 'http://[::ffff:a9fe:a9fe]/' }, 'webhookUrl', 'IPv4-mapped'],
      [{ webhookUrl: 'http://[64:ff9b::a00:1]/' }, 'webhookUrl', 'private-use'],
      [{ webhookUrl: 'http://[::127.0.0.1]/' }, 'webhookUrl', 'loopback'],
      [{ webhookUrl: 'http://[fe80::1]/' }, 'webhookUrl', 'link-local'],
      [{ webhookUrl: 'http://198.18.0.1/' }, 'webhookUrl', 'benchmarking'],
      [{ webhookUrl: 'http://0x7f.1/' }, 'webhookUrl', 'loopback'],
      [{ webhookUrl: 'https://api.localhost/hook' }, 'webhookUrl', 'loopback name'],
    ];
    for (const [channels, field, reason] of cases) {
      const res = await owner.client.post('/api/v1/alerts/rules', rule(channels));
      // Forms the URL pattern does not admit (IPv6 and hex literals) are malformed (400); well-formed URLs whose
      // address is special cannot be saved (422). Either way the field is named.
      if (res.body.error?.code === 'validation_failed') {
        expect(res.status, JSON.stringify(channels)).toBe(400);
        expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: `body.channels.${field}` })]));
        continue;
      }
      expect(res.status, JSON.stringify(channels)).toBe(422);
      expect(res.body.error).toMatchObject({
        code: 'url_not_allowed',
        message: expect.stringContaining(`channels.${field}:`),
        details: [{ path: `body.channels.${field}`, message: expect.stringContaining(reason) }],
      });
    }
  });

  it('accepts only Slack’s own webhook URLs for Slack, and http(s) URLs without credentials for webhooks', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ slackWebhookUrl: 'https://example.com/services/T/B/X' }, 'slackWebhookUrl'],
      [{ slackWebhookUrl: 'http://hooks.slack.com/services/T/B/X' }, 'slackWebhookUrl'],
      [{ slackWebhookUrl: 'https://hooks.slack.com:8443/services/T/B/X' }, 'slackWebhookUrl'],
      [{ slackWebhookUrl: 'https://hooks.slack.com.evil.example/services/T/B/X' }, 'slackWebhookUrl'],
      [{ slackWebhookUrl: 'https://user@hooks.slack.com/services/T/B/X' }, 'slackWebhookUrl'],
      [{ slackWebhookUrl: 'https://hooks.slack.com/api/chat.postMessage' }, 'slackWebhookUrl'],
      [{ webhookUrl: 'ftp://example.com/x' }, 'webhookUrl'],
      [{ webhookUrl: 'https://user:secret@example.com/x' }, 'webhookUrl'],
      [{ webhookUrl: 'not a url' }, 'webhookUrl'],
    ];
    for (const [channels, field] of bad) {
      const res = await owner.client.post('/api/v1/alerts/rules', rule(channels));
      expect(res.status, JSON.stringify(channels)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: `body.channels.${field}` })]));
    }
    for (const url of [
      SLACK,
      'https://hooks.slack.com/workflows/T/A/1/x',
      'https://hooks.slack.com/triggers/T/1/x',
      'https://hooks.slack-gov.com/services/T/B/X',
    ])
      expect(ruleBody.safeParse(rule({ slackWebhookUrl: url })).success, url).toBe(true);
  });

  it('checks a URL set by PATCH, and leaves rules whose URLs do not change editable', async () => {
    const created = await owner.client.post('/api/v1/alerts/rules', rule({ inApp: true }));
    expect(created.status).toBe(201);
    const res = await owner.client.patch(`/api/v1/alerts/rules/${created.body.id}`, { channels: { webhookUrl: 'http://10.0.0.7/hook' } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'url_not_allowed', details: [{ path: 'body.channels.webhookUrl' }] });
    // A rule saved before this check (or while ALERT_PRIVATE_URLS was on) can still be disabled.
    await t.runtime.database.db
      .updateTable('alert_rules')
      .set({ webhook_url: 'http://10.0.0.7/hook' })
      .where('id', '=', created.body.id)
      .execute();
    const off = await owner.client.patch(`/api/v1/alerts/rules/${created.body.id}`, { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, channels: { webhookUrl: 'http://10.0.0.7/hook' } });
  });
});

describe('host names resolved when a rule is saved (injected resolver)', () => {
  const answers: Record<string, string[] | string> = {
    'hooks.slack.com': ['34.194.4.1'],
    'api.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
    'intranet.example.com': ['10.1.2.3', 'fd00::5'],
    'metadata.example.com': ['::ffff:169.254.169.254'],
    'mixed.example.com': ['10.0.0.1', '93.184.216.34'],
    'gone.example.com': 'ENOTFOUND',
    'flaky.example.com': 'EAI_AGAIN',
  };
  const lookups: string[] = [];
  const resolve: Resolver = async (host) => {
    lookups.push(host);
    const a = answers[host];
    if (typeof a === 'string') throw Object.assign(new Error(`getaddrinfo ${a} ${host}`), { code: a });
    return a ?? [];
  };
  const service = (allowPrivateUrls: boolean) =>
    createAlertsService({
      db: t.runtime.database.db,
      logger: createLogger('silent'),
      secrets: createSecretBox(Buffer.alloc(32, 7)),
      mailer: createMailer(t.runtime.database.db),
      appUrl: t.url,
      allowPrivateUrls,
      resolve,
    });
  const save = async (allowPrivate: boolean, channels: Record<string, unknown>) => {
    const owner = await signUp(t);
    const ctx: OrgContext = { orgId: owner.orgId, userId: owner.userId, role: 'owner' };
    return service(allowPrivate).createRule(ctx, ruleBody.parse(rule(channels)));
  };
  const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as AppError); // prettier-ignore

  it('accepts names with a public address, refuses names with only special ones, naming the field', async () => {
    await expect(save(false, { slackWebhookUrl: SLACK, webhookUrl: 'https://api.example.com/hook' })).resolves.toMatchObject({
      channels: { slack: true, webhookUrl: 'https://api.example.com/hook' },
    });
    await expect(save(false, { webhookUrl: 'https://mixed.example.com/hook' })).resolves.toBeTruthy();
    for (const host of ['intranet.example.com', 'metadata.example.com']) {
      const err = await refusal(save(false, { webhookUrl: `https://${host}/hook` }));
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ status: 422, code: 'url_not_allowed', details: [{ path: 'body.channels.webhookUrl' }] });
      // The internal addresses themselves are not revealed.
      expect(err!.message).not.toMatch(/10\.1\.2\.3|169\.254/);
    }
  });

  it('refuses a name that does not exist, but does not block saving on a DNS outage', async () => {
    expect(await refusal(save(false, { webhookUrl: 'https://gone.example.com/' }))).toMatchObject({
      status: 422,
      code: 'url_unresolvable',
    });
    await expect(save(false, { webhookUrl: 'https://flaky.example.com/' })).resolves.toBeTruthy();
  });

  it('neither resolves nor refuses anything when private URLs are allowed', async () => {
    lookups.length = 0;
    await expect(save(true, { webhookUrl: 'http://intranet.example.com/hook' })).resolves.toBeTruthy();
    await expect(save(true, { webhookUrl: 'http://127.0.0.1:9/hook' })).resolves.toBeTruthy();
    expect(lookups).toEqual([]);
  });
});

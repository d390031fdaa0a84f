import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedUpUser, signUp, waitFor } from '../../test/helpers/app.js';
import { startSmtp } from '../../test/helpers/smtp.js';
import { ownerWithStripe, startStripeWorld, type StripeWorld, waitForScores } from '../../test/helpers/stripe.js';
import { createSecretBox } from '../core/secrets.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { evaluateAlertsJob } from './alerts.jobs.js';

interface Hit {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local HTTP receiver for Slack and webhook deliveries; `fail` answers that many requests with `status`. */
async function startReceiver() {
  const hits: Hit[] = [];
  const behaviour = { fail: 0, status: 500 };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ headers: req.headers, body });
      if (behaviour.fail > 0) {
        behaviour.fail--;
        res.writeHead(behaviour.status).end('nope');
      } else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    behaviour,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let world: StripeWorld;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let owner: SignedUpUser;
let stripe: Stripe;
const db = () => world.t.runtime.database.db;

beforeAll(async () => {
  smtp = await startSmtp();
  receiver = await startReceiver();
  world = await startStripeWorld({
    emulator: { customers: 12, seed: 41 },
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'PulseScore <alerts@pulsescore.test>' },
  });
  owner = await ownerWithStripe(world);
  await waitForScores(world, owner.orgId);
  stripe = new Stripe(world.emulator.emulator.platform.secretKey, {
    host: '127.0.0.1',
    port: world.emulator.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
}, 120_000);
afterAll(async () => {
  await world?.close();
  await smtp?.close();
  await receiver?.close();
});

const createRule = async (body: Record<string, unknown>, who = owner) => {
  const res = await who.client.post('/api/v1/alerts/rules', { channels: { inApp: true }, cooldownMinutes: 0, ...body });
  if (res.status !== 201) throw new Error(`rule: ${res.status} ${res.text}`);
  return res.body as { id: string; channels: { webhookSecret: string | null } };
};
const alertsOf = (ruleId: string) => db().selectFrom('alerts').selectAll().where('rule_id', '=', ruleId).execute();

/** A customer of the owner's organization, set to a given score, then an event as the scoring engine logs it. */
async function scoreEvent(orgId: string, customerId: string, score: number, level: 'green' | 'yellow' | 'red', type = 'score.changed') {
  const c = await db()
    .updateTable('customers')
    .set({ score, risk_level: level })
    .where('id', '=', customerId)
    .returning('external_id')
    .executeTakeFirstOrThrow();
  await db()
    .insertInto('org_events')
    .values({
      org_id: orgId,
      type,
      customer_external_id: c.external_id,
      payload: JSON.stringify({ score }),
      occurred_at: new Date(),
      dedup_key: `test:${Math.random()}`,
    })
    .execute();
  await enqueue(db(), evaluateAlertsJob, {});
  await waitFor(async () => !(await db().selectFrom('org_events').select('id').where('alerts_at', 'is', null).executeTakeFirst()), 10_000);
}

const someCustomer = async (orgId: string, offset = 0) =>
  (await db()
    .selectFrom('customers')
    .select(['id', 'external_id', 'name'])
    .where('org_id', '=', orgId)
    .orderBy('id')
    .offset(offset)
    .limit(1)
    .executeTakeFirstOrThrow())!;

describe('alerts', () => {
  it('turns a charge.failed webhook into a payment.failed event, one email and one in-app notification, even when delivered twice', async () => {
    const rule = await createRule({ name: 'Payment failed', kind: 'payment_failed', channels: { email: [owner.userId], inApp: true } });
    world.emulator.emulator.webhookOptions.duplicates = true;
    try {
      const account = world.emulator.emulator.connectedAccounts()[0]!.id;
      const customer = (await stripe.customers.list({ limit: 1 }, { stripeAccount: account })).data[0]!;
      await stripe.charges
        .create(
          { amount: 4200, currency: 'usd', customer: customer.id, source: 'tok_chargeDeclinedInsufficientFunds' },
          { stripeAccount: account },
        )
        .catch(() => undefined);
      const mail = await waitFor(
        async () => smtp.received.find((m) => m.to.includes(owner.email) && /payment failed/i.test(m.data)),
        20_000,
      );
      expect(mail.data).toContain('insufficient funds');
      const notifications = await waitFor(async () => {
        const res = await owner.client.get('/api/v1/notifications');
        return res.body.unread >= 1 ? res.body : null;
      });
      expect(notifications.notifications[0].title).toMatch(/payment failed/);
      await waitFor(async () => world.emulator.emulator.dispatcher.stats.pending === 0);
      await new Promise((r) => setTimeout(r, 500));
      expect(await alertsOf(rule.id)).toHaveLength(1);
      expect(smtp.received.filter((m) => m.to.includes(owner.email) && /payment failed/i.test(m.data))).toHaveLength(1);
      const history = await owner.client.get(`/api/v1/alerts/history?ruleId=${rule.id}`);
      expect(history.body.alerts).toHaveLength(1);
      const channels = history.body.alerts[0].deliveries.map((d: { channel: string }) => d.channel).sort();
      expect(channels).toEqual(['email', 'in_app']);
      await waitFor(async () => {
        const h = await owner.client.get(`/api/v1/alerts/history?ruleId=${rule.id}`);
        return h.body.alerts[0].deliveries.find((d: { channel: string; status: string }) => d.channel === 'email' && d.status === 'sent');
      });
      // Every outbox state reads as a history status (without SMTP mail is "logged"; before sending "queued").
      for (const [outbox, shown] of [
        ['queued', 'pending'],
        ['logged', 'sent'],
      ] as const) {
        await db().updateTable('mail_outbox').set({ status: outbox }).where('to_address', '=', owner.email).execute();
        const h = await owner.client.get(`/api/v1/alerts/history?ruleId=${rule.id}`);
        expect(h.status, h.text).toBe(200);
        expect(h.body.alerts[0].deliveries.find((d: { channel: string }) => d.channel === 'email').status).toBe(shown);
      }
      // Read state.
      const id = notifications.notifications[0].id;
      expect((await owner.client.post(`/api/v1/notifications/${id}/read`)).status).toBe(204);
      expect((await owner.client.post('/api/v1/notifications/read-all')).status).toBe(204);
      expect((await owner.client.get('/api/v1/notifications')).body.unread).toBe(0);
    } finally {
      world.emulator.emulator.webhookOptions.duplicates = false;
    }
  }, 60_000);

  it('fires each rule type on the right events only, once per situation', async () => {
    const c = await someCustomer(owner.orgId, 1);
    const below = await createRule({ name: 'Below 40', kind: 'score_below', params: { threshold: 40 } });
    const red = await createRule({ name: 'Red', kind: 'risk_level', params: { level: 'red' } });
    const canceled = await createRule({ name: 'Canceled', kind: 'subscription_canceled' });
    await scoreEvent(owner.orgId, c.id, 30, 'red');
    await scoreEvent(owner.orgId, c.id, 32, 'red');
    await scoreEvent(owner.orgId, c.id, 30, 'red', 'risk_level.changed');
    expect(await alertsOf(below.id)).toHaveLength(1);
    expect(await alertsOf(red.id)).toHaveLength(1);
    expect(await alertsOf(canceled.id)).toHaveLength(0);
    // Recovering clearly, then falling again, is a new situation.
    await scoreEvent(owner.orgId, c.id, 80, 'green');
    await scoreEvent(owner.orgId, c.id, 30, 'red');
    expect(await alertsOf(below.id)).toHaveLength(2);
    // Drops: a score of 90 earlier this week, 60 now.
    const drop = await createRule({ name: 'Drop', kind: 'score_drop', params: { points: 20, days: 7 } });
    const d = await someCustomer(owner.orgId, 2);
    await db()
      .insertInto('score_history')
      .values({
        org_id: owner.orgId,
        customer_id: d.id,
        score: 90,
        risk_level: 'green',
        factors: '{}',
        changed: '[]',
        reason: 'test',
        computed_at: new Date(Date.now() - 86_400_000),
      })
      .execute();
    await scoreEvent(owner.orgId, d.id, 60, 'yellow');
    expect(await alertsOf(drop.id)).toHaveLength(1);
    const events = await db().selectFrom('org_events').select('id').where('alerts_at', 'is', null).execute();
    expect(events).toHaveLength(0);
  }, 60_000);

  it('signs outgoing webhooks as documented, retries a failing endpoint and records the failure', async () => {
    receiver.behaviour.fail = 1;
    receiver.behaviour.status = 503;
    const rule = await createRule({
      name: 'Hook',
      kind: 'score_below',
      params: { threshold: 50 },
      channels: { inApp: false, webhookUrl: `${receiver.url}/hook`, slackWebhookUrl: 'https://hooks.slack.com/services/T0/B0/test' },
    });
    expect(rule.channels.webhookSecret).toMatch(/^whsec_/);
    // Only Slack's own URLs are accepted for Slack; the stored (sealed) URL is pointed at the local receiver here.
    await db()
      .updateTable('alert_rules')
      .set({ slack_url_enc: createSecretBox(Buffer.from('a'.repeat(64), 'hex')).seal(`${receiver.url}/slack`) })
      .where('id', '=', rule.id)
      .execute();
    const c = await someCustomer(owner.orgId, 3);
    await scoreEvent(owner.orgId, c.id, 20, 'red');
    const failed = await waitFor(async () => {
      const h = await owner.client.get(`/api/v1/alerts/history?ruleId=${rule.id}`);
      return h.body.alerts[0]?.deliveries.find((d: { status: string; error: string | null }) => d.error?.includes('503')) ?? null;
    }, 15_000);
    expect(failed.attempts).toBe(1);
    const delivered = await waitFor(async () => {
      const h = await owner.client.get(`/api/v1/alerts/history?ruleId=${rule.id}`);
      const ds = h.body.alerts[0].deliveries as { channel: string; status: string; attempts: number }[];
      return ds.every((d) => d.status === 'sent') ? ds : null;
    }, 20_000);
    expect(delivered.map((d) => d.channel).sort()).toEqual(['slack', 'webhook']);
    expect(Math.max(...delivered.map((d) => d.attempts))).toBe(2);
    const hook = receiver.hits.filter((h) => h.headers['pulsescore-event'] === 'alert.fired').at(-1)!;
    const [t, v1] = String(hook.headers['pulsescore-signature'])
      .split(',')
      .map((p) => p.split('=')[1]);
    expect(createHmac('sha256', rule.channels.webhookSecret!).update(`${t}.${hook.body}`).digest('hex')).toBe(v1);
    expect(JSON.parse(hook.body)).toMatchObject({ type: 'alert.fired', customerId: c.id });
    const slack = receiver.hits.find((h) => h.body.includes('"blocks"'))!;
    expect(JSON.parse(slack.body).blocks[0].text.text).toMatch(/fell below 50/);
    // A permanent refusal (404) is not retried: it shows as failed straight away.
    await owner.client.patch(`/api/v1/alerts/rules/${rule.id}`, { enabled: false });
    receiver.behaviour.fail = 1;
    receiver.behaviour.status = 404;
    const other = await createRule({
      name: 'Hook 404',
      kind: 'score_below',
      params: { threshold: 50 },
      channels: { inApp: false, webhookUrl: `${receiver.url}/gone` },
    });
    const d = await someCustomer(owner.orgId, 4);
    await scoreEvent(owner.orgId, d.id, 20, 'red');
    const gone = await waitFor(async () => {
      const h = await owner.client.get(`/api/v1/alerts/history?ruleId=${other.id}`);
      return h.body.alerts[0]?.deliveries.find((x: { status: string }) => x.status === 'failed') ?? null;
    }, 15_000);
    expect(gone).toMatchObject({ attempts: 1, error: expect.stringContaining('404') });
  }, 60_000);

  it('never lets one organization’s events reach another’s rules, and validates rules', async () => {
    const other = await signUp(world.t, { organizationName: 'Other Org' });
    const theirs = await createRule({ name: 'Theirs', kind: 'score_below', params: { threshold: 90 } }, other);
    const c = await someCustomer(owner.orgId, 5);
    await scoreEvent(owner.orgId, c.id, 10, 'red');
    expect(await alertsOf(theirs.id)).toHaveLength(0);
    expect((await owner.client.get(`/api/v1/alerts/rules/${theirs.id}`)).status).toBe(404);
    expect((await owner.client.patch(`/api/v1/alerts/rules/${theirs.id}`, { enabled: false })).status).toBe(404);
    const bad = [
      [{ name: 'x', kind: 'score_below', channels: { inApp: true } }, /threshold/, 422],
      [{ name: 'x', kind: 'score_drop', params: { points: 10 }, channels: { inApp: true } }, /days/, 422],
      [{ name: 'x', kind: 'risk_level', channels: { inApp: true } }, /level/, 422],
      [{ name: 'x', kind: 'payment_failed', channels: { inApp: false } }, /at least one channel/, 422],
      [{ name: 'x', kind: 'payment_failed', channels: { email: ['not-a-member'] } }, /neither an email address nor a member/, 422],
      [{ name: 'x', kind: 'payment_failed', channels: { webhookUrl: 'ftp://example.com' } }, /http/, 400],
      [
        { name: 'x', kind: 'payment_failed', channels: { slackWebhookUrl: 'https://example.com/services/x' } },
        /slackWebhookUrl.*Slack webhook URL/,
        400,
      ],
      [{ name: 'x', kind: 'nope', channels: {} }, /kind/, 400],
    ] as const;
    // Malformed (the schema says no): 400. Well-formed but not a rule that can be saved: 422.
    for (const [body, message, status] of bad) {
      const res = await owner.client.post('/api/v1/alerts/rules', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(JSON.stringify(res.body.error)).toMatch(message);
    }
    const rule = await createRule({ name: 'Toggle', kind: 'payment_failed' });
    const off = await owner.client.patch(`/api/v1/alerts/rules/${rule.id}`, { enabled: false });
    expect(off.body.enabled).toBe(false);
    expect((await owner.client.delete(`/api/v1/alerts/rules/${rule.id}`)).status).toBe(204);
  });

  it('lets members read rules and history but not change rules; digest opt-in per member', async () => {
    const key = await owner.client.post('/api/v1/api-keys', { name: 'member', role: 'member' });
    const member = world.t.client();
    member.bearer = key.body.key;
    const rules = await member.get('/api/v1/alerts/rules');
    expect(rules.status).toBe(200);
    expect(rules.body.rules.every((r: { channels: { webhookSecret: string | null } }) => r.channels.webhookSecret === null)).toBe(true);
    expect((await member.post('/api/v1/alerts/rules', { name: 'x', kind: 'payment_failed', channels: {} })).status).toBe(403);
    expect((await member.get('/api/v1/alerts/history')).status).toBe(200);
    expect((await owner.client.request('PUT', '/api/v1/alerts/digest', { weeklyDigest: true })).body).toEqual({ weeklyDigest: true });
    expect((await owner.client.get('/api/v1/alerts/digest')).body).toEqual({ weeklyDigest: true });
    const before = smtp.received.length;
    const sent = await sql<{ n: number }>`select count(*)::int as n from digest_subscriptions`.execute(db());
    expect(sent.rows[0]!.n).toBe(1);
    await enqueue(db(), (await import('./alerts.jobs.js')).weeklyDigestJob, {});
    const digest = await waitFor(async () => smtp.received.slice(before).find((m) => /weekly digest/i.test(m.data)), 15_000);
    expect(digest.to).toEqual([owner.email]);
  }, 60_000);
});

import { Analytics } from '@segment/analytics-node';
import { describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, useTestApp, waitFor } from '../../test/helpers/app.js';

/**
 * The acceptance test of Segment-compatible ingestion: identify, group, track and batch sent through the official
 * `@segment/analytics-node` package (only its `host` changed) to a listening PulseScore, counted on the right
 * customers; a replayed messageId counts once; a batch with a malformed message stores the others.
 */

let t: TestApp;
useTestApp(
  (app) => {
    t = app;
  },
  { listen: true },
);

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Math.floor(Date.now() / DAY) * DAY - n * DAY + 12 * 3_600_000);

async function setup() {
  const owner = await signUp(t);
  const key = (await owner.client.post('/api/v1/api-keys', { name: 'segment', role: 'member' })).body.key as string;
  const db = t.runtime.database.db;
  const ids: Record<string, string> = {};
  for (const [ext, email] of [
    ['cus_acme', 'billing@acme.test'],
    ['cus_beta', 'ops@beta.test'],
  ] as const) {
    const row = await db
      .insertInto('customers')
      .values({ org_id: owner.orgId, external_id: ext, email, name: ext, currency: 'usd', first_seen_at: new Date(), metadata: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids[ext] = row.id;
  }
  return { owner, key, ids };
}

async function dailyTotals(customerId: string) {
  const rows = await t.runtime.database.db
    .selectFrom('usage_daily_users')
    .select(['events', 'users'])
    .where('customer_id', '=', customerId)
    .execute();
  return { events: rows.reduce((s, r) => s + r.events, 0), userDays: rows.reduce((s, r) => s + r.users, 0) };
}

async function postBatch(key: string, body: unknown) {
  const res = await fetch(`${t.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('Segment-compatible ingestion through @segment/analytics-node', () => {
  let owner: SignedUpUser;
  let key: string;
  let ids: Record<string, string>;

  it('counts identify/group/track on the right customers, a replayed messageId once', async () => {
    ({ owner, key, ids } = await setup());
    const analytics = new Analytics({ writeKey: key, host: t.url, flushAt: 25, flushInterval: 20, maxRetries: 1 });
    const failures: unknown[] = [];
    analytics.on('error', (err) => failures.push(err));
    analytics.identify({ userId: 'ann', traits: { email: 'ann@acme.test', name: 'Ann' } });
    analytics.group({ userId: 'ann', groupId: 'org-acme', traits: { name: 'Acme', stripe_customer_id: 'cus_acme' } });
    analytics.group({ userId: 'bob', groupId: 'org-beta', traits: { name: 'Beta', stripe_customer_id: 'cus_beta' } });
    // Acme: a busy baseline (two users, 10 events a day for weeks), and a quiet last week.
    for (let d = 8; d < 36; d++) {
      for (let i = 0; i < 10; i++) {
        analytics.track({
          userId: i % 2 ? 'ann' : 'carl',
          event: 'Report Viewed',
          timestamp: daysAgo(d),
          context: { groupId: 'org-acme' },
        });
      }
    }
    for (let d = 1; d < 8; d++)
      analytics.track({ userId: 'ann', event: 'Report Viewed', timestamp: daysAgo(d), context: { groupId: 'org-acme' } });
    // Beta: one user through its group membership only (no context.groupId), and a replayed message.
    for (let i = 0; i < 5; i++) analytics.track({ userId: 'bob', event: 'Login', timestamp: daysAgo(2) });
    analytics.track({ userId: 'bob', event: 'Export', messageId: 'replayed-1', timestamp: daysAgo(2) });
    await analytics.flush();
    analytics.track({ userId: 'bob', event: 'Export', messageId: 'replayed-1', timestamp: daysAgo(2) });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(failures).toEqual([]);

    const acmeEvents = 28 * 10 + 7;
    await waitFor(
      async () => (await dailyTotals(ids.cus_acme!)).events === acmeEvents && (await dailyTotals(ids.cus_beta!)).events === 6,
      20_000,
    );
    const stored = await t.runtime.database.db
      .selectFrom('usage_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('org_id', '=', owner.orgId)
      .where('message_id', '=', 'replayed-1')
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(1);
    expect(await dailyTotals(ids.cus_beta!)).toEqual({ events: 6, userDays: 1 });

    // The rollup re-scores Acme: its usage fell, and the explanation says by how much.
    const expected =
      /Active users 1 a day and 7 events in the last 7 days, against 2 a day and 70 a week over the previous 4 weeks \(users −50%, events −90%\)/;
    // Each drain re-scores what it rolled up: wait for the one after the last batch.
    await waitFor(async () => expected.test(JSON.stringify((await owner.client.get(`/api/v1/customers/${ids.cus_acme}`)).body)), 20_000);
  });

  it('stores the good messages of a batch with a malformed one, and names the bad one', async () => {
    const res = await postBatch(key, {
      batch: [
        { type: 'track', userId: 'bob', event: 'Login', messageId: 'b-1', context: { groupId: 'org-beta' } },
        { type: 'track', userId: 'bob', messageId: 'b-2' },
        { type: 'track', event: 'No one', messageId: 'b-3' },
        { type: 'track', userId: 'bob', event: 'Bad\u0000text', messageId: 'b-4' },
        { type: 'alias', userId: 'bob', previousId: 'x', messageId: 'b-5' },
        { type: 'track', userId: 'bob', event: 'Login', messageId: 'b-6', timestamp: 'yesterday' },
        { type: 'identify', anonymousId: 'anon-1', traits: { email: 'x@beta.test' }, messageId: 'b-7' },
        { type: 'track', userId: 'bob', event: 'Login', messageId: 'b-1' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.stored).toBe(2);
    expect(res.body.duplicates).toBe(1);
    expect(res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code])).toEqual([
      [1, 'invalid_message'],
      [2, 'missing_identifier'],
      [3, 'invalid_text'],
      [4, 'unsupported_type'],
      [5, 'invalid_message'],
    ]);
    await waitFor(async () => (await dailyTotals(ids.cus_beta!)).events === 7, 20_000);
  });

  it('answers Segment-style errors: a bad write key is 401, a bad single message 400, a good one 200', async () => {
    const bad = await fetch(`${t.url}/v1/track`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from('psk_not-a-real-key-at-all-xxxxx:').toString('base64')}`,
      },
      body: JSON.stringify({ userId: 'u', event: 'E' }),
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as any).error.code).toBe('invalid_write_key');
    const post = (path: string, body: unknown) =>
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
        body: JSON.stringify(body),
      });
    const missing = await post('/v1/track', { event: 'E' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.code).toBe('missing_identifier');
    const nul = await post('/v1/identify', { userId: 'u', traits: { name: 'a\u0000b' } });
    expect(nul.status).toBe(400);
    expect(((await nul.json()) as any).error.code).toBe('invalid_text');
    const ok = await post('/v1/page', { anonymousId: 'a', name: 'Pricing', messageId: 'p-1' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ success: true, duplicate: false });
    expect(await (await post('/v1/page', { anonymousId: 'a', name: 'Pricing', messageId: 'p-1' })).json()).toEqual({
      success: true,
      duplicate: true,
    });
    // The write key in the body, as some clients send it.
    const inBody = await fetch(`${t.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ writeKey: key, batch: [{ type: 'track', userId: 'u', event: 'E', messageId: 'wk-1' }] }),
    });
    expect(inBody.status).toBe(200);
  });
});

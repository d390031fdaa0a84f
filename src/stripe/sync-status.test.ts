import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, waitFor } from '../../test/helpers/app.js';
import { ownerWithStripe, startStripeWorld, type StripeWorld, waitForSync } from '../../test/helpers/stripe.js';
import { describeFailure, phaseLabel, type RunForStatus, runDto } from './sync-status.js';
import { initialCursors } from './sync.service.js';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types.js';

function run(over: Partial<RunForStatus> = {}): RunForStatus {
  return {
    id: 'r1',
    kind: 'manual',
    status: 'running',
    phase: 'starting',
    counts: {},
    cursors: initialCursors(1_700_000_000),
    error: null,
    advice: null,
    retry: null,
    dismissed_by: [],
    started_at: new Date('2026-12-01T10:00:00Z'),
    finished_at: null,
    ...over,
  };
}

const doneCursors = (names: string[]) =>
  Object.fromEntries(Object.entries(initialCursors(1_700_000_000)).map(([k, c]) => [k, { ...c, done: names.includes(k.split('#')[0]!) }]));

describe('what a sync looks like', () => {
  it('names the phase in words, against what the last complete sync found', () => {
    expect(runDto(run()).phaseLabel).toBe('Starting — connecting to Stripe');
    expect(runDto(run({ retry: { reason: 'Stripe is rate-limiting requests', attempt: 2, nextAttemptAt: 'x' } })).phaseLabel).toBe(
      'Starting — waiting for Stripe',
    );
    const midway = run({
      phase: 'charges',
      counts: { customers: 120, payments: 541, prices: 3 },
      cursors: doneCursors(['prices', 'products', 'coupons', 'customers']),
    });
    expect(runDto(midway, { previous: { payments: 700, customers: 118 } }).phaseLabel).toBe('Importing payments — 541 of about 700');
    // No previous sync, or more than last time: no guess.
    expect(runDto(midway).phaseLabel).toBe('Importing payments — 541 so far');
    expect(runDto(midway, { previous: { payments: 500 } }).phaseLabel).toBe('Importing payments — 541 so far');
    // The list that moved last has finished: the first one still going.
    const customersDone = run({
      phase: 'customers',
      counts: { customers: 1200 },
      cursors: doneCursors(['prices', 'products', 'coupons', 'customers']),
    });
    expect(runDto(customersDone).phaseLabel).toBe('Importing subscriptions — 0 so far');
    const allDone = run({
      phase: 'disputes',
      counts: { customers: 3 },
      cursors: doneCursors(Object.keys(initialCursors(0)).map((k) => k.split('#')[0]!)),
    });
    expect(phaseLabel(allDone, runDto(allDone).steps)).toBe('Finishing — computing health scores');
  });

  it('lists every step with its progress, and shows a retry only while running', () => {
    const dto = runDto(
      run({
        counts: { customers: 10, payments: 4 },
        cursors: doneCursors(['customers']),
        retry: { reason: 'Stripe answered with a server error (500)', attempt: 3, nextAttemptAt: '2026-12-01T10:00:05Z' },
      }),
      { previous: { customers: 10, payments: 9 } },
    );
    expect(dto.steps.map((s) => s.label)).toEqual([
      'Plans and coupons',
      'Customers',
      'Subscriptions',
      'Payments',
      'Invoices',
      'Refunds',
      'Disputes',
    ]);
    expect(dto.steps[1]).toEqual({ name: 'customers', label: 'Customers', imported: 10, expected: 10, done: true });
    expect(dto.steps[3]).toMatchObject({ imported: 4, expected: 9, done: false });
    expect(dto.retry?.attempt).toBe(3);
    const finished = runDto(run({ status: 'failed', retry: { reason: 'x', attempt: 1, nextAttemptAt: 'y' }, error: 'e', advice: 'a' }));
    expect(finished).toMatchObject({ retry: null, error: 'e', advice: 'a', phaseLabel: 'Failed' });
  });

  it('says what to do about a failure, with the configured support address', () => {
    const err = new Stripe.errors.StripeAPIError({ message: 'boom', type: 'api_error' } as never);
    Object.assign(err, { statusCode: 503 });
    expect(describeFailure(err, 'help@example.com')).toEqual({
      error: 'Stripe kept answering with server errors (503).',
      advice: 'Click Retry sync to start a fresh import. If it fails again, note this message and contact support at help@example.com.',
    });
    const denied = new Stripe.errors.StripePermissionError({ message: 'no', type: 'invalid_request_error' } as never);
    expect(describeFailure(denied, 'x@example.com').advice).toMatch(/Reconnect Stripe/);
  });
});

describe('the sync status against Stripe', () => {
  let w: StripeWorld;
  let owner: SignedUpUser;
  beforeAll(async () => {
    w = await startStripeWorld({ emulator: { customers: 40, seed: 61 } });
    owner = await ownerWithStripe(w);
  }, 90_000);
  // Closing lets running jobs finish; under a full suite on two cores that has taken longer than the default.
  afterAll(async () => w?.close(), 120_000);

  it('shows retries with their reason while Stripe fails, then a clear error with advice, and Retry works', async () => {
    w.emulator.emulator.realism.errorRate = 1;
    try {
      expect((await owner.client.post('/api/v1/integrations/stripe/sync')).status).toBe(202);
      const retrying = await waitFor(async () => {
        const sync = (await owner.client.get('/api/v1/integrations/stripe/sync')).body.sync;
        return sync.retry ? sync : null;
      }, 20_000);
      expect(retrying.status).toBe('running');
      expect(retrying.retry.reason).toMatch(/server error \(5\d\d\)/);
      expect(retrying.retry.attempt).toBeGreaterThanOrEqual(1);
      expect(Date.parse(retrying.retry.nextAttemptAt)).toBeGreaterThan(Date.now() - 30_000);
      expect(retrying.phaseLabel).toBe('Starting — waiting for Stripe');
      // The tile reads the same object.
      const tile = (await owner.client.get('/api/v1/integrations/stripe')).body.lastSync;
      expect(tile.id).toBe(retrying.id);
      const failed = await waitForSync(owner.client, 90_000);
      expect(failed).toMatchObject({ status: 'failed', retry: null, phaseLabel: 'Failed' });
      expect(failed.error).toMatch(/server errors/);
      expect(failed.advice).toMatch(/Click Retry sync.*support@pulsescore\.app/);
      expect(failed.message).not.toContain(failed.advice);
    } finally {
      w.emulator.emulator.realism.errorRate = 0;
    }
    const retried = await owner.client.post('/api/v1/integrations/stripe/sync');
    expect(retried.status).toBe(202);
    expect(retried.body.started).toBe(true);
    const done = await waitForSync(owner.client, 60_000);
    expect(done.status).toBe('succeeded');
    // The last complete sync is what the next one expects.
    expect(done.steps.every((s: { done: boolean }) => s.done)).toBe(true);
  }, 150_000);

  it('lets each user dismiss a finished sync for themselves only', async () => {
    const sync = (await owner.client.get('/api/v1/integrations/stripe/sync')).body.sync;
    expect(sync.dismissed).toBe(false);
    const teammate = await signUp(w.t);
    const inv = await owner.client.post('/api/v1/invitations', { email: teammate.email, role: 'member' });
    expect(
      (await teammate.client.post('/api/v1/invitations/accept', { token: new URL(inv.body.url).pathname.split('/').pop() })).status,
    ).toBe(200);
    await teammate.client.post('/api/v1/me/active-organization', { organizationId: owner.orgId });
    const dismissed = await teammate.client.post(`/api/v1/integrations/stripe/sync/${sync.id}/dismiss`);
    expect(dismissed.status, dismissed.text).toBe(200);
    expect(dismissed.body.sync.dismissed).toBe(true);
    expect((await teammate.client.get('/api/v1/integrations/stripe')).body.lastSync.dismissed).toBe(true);
    expect((await owner.client.get('/api/v1/integrations/stripe/sync')).body.sync.dismissed).toBe(false);
    // Twice is once.
    expect((await teammate.client.post(`/api/v1/integrations/stripe/sync/${sync.id}/dismiss`)).body.sync.dismissed).toBe(true);
    // An API key has no banner; an unknown run is not found.
    const key = await owner.client.post('/api/v1/api-keys', { name: 'ci', role: 'admin' });
    const keyClient = w.t.client();
    keyClient.bearer = key.body.key;
    expect((await keyClient.post(`/api/v1/integrations/stripe/sync/${sync.id}/dismiss`)).status).toBe(403);
    expect((await owner.client.post(`/api/v1/integrations/stripe/sync/${crypto.randomUUID()}/dismiss`)).status).toBe(404);
    expect((await owner.client.post('/api/v1/integrations/stripe/sync/not-a-uuid/dismiss')).status).toBe(400);
  });

  it('tells which webhook URL is for what, the event types to select, and the last event received', async () => {
    const before = (await owner.client.get('/api/v1/integrations/stripe')).body.webhook;
    expect(before.eventTypes).toEqual([...WEBHOOK_EVENT_TYPES]);
    // The guide's table, every row.
    for (const type of [
      'customer.created',
      'customer.updated',
      'customer.subscription.created',
      'customer.subscription.updated',
      'customer.subscription.deleted',
      'charge.succeeded',
      'charge.failed',
      'invoice.payment_succeeded',
      'invoice.payment_failed',
    ])
      expect(before.eventTypes).toContain(type);
    expect(before.urls).toHaveLength(2);
    expect(before.urls[0]).toMatchObject({ url: before.url, purpose: expect.stringMatching(/Connect/) });
    expect(before.urls[1]).toMatchObject({ url: before.accountEndpointUrl, purpose: expect.stringMatching(/signing secret/) });
    const stripe = new Stripe(w.emulator.emulator.platform.secretKey, { host: '127.0.0.1', port: w.emulator.port, protocol: 'http' });
    const account = w.emulator.emulator.connectedAccounts()[0]!.id;
    await stripe.customers.create({ name: 'Fresh Event' }, { stripeAccount: account });
    const after = await waitFor(async () => {
      const webhook = (await owner.client.get('/api/v1/integrations/stripe')).body.webhook;
      return webhook.lastEventType === 'customer.created' ? webhook : null;
    });
    expect(Date.parse(after.lastEventAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('says who disconnected and when, and a finished sync no longer shows', async () => {
    const disconnected = await owner.client.delete('/api/v1/integrations/stripe');
    expect(disconnected.status).toBe(200);
    expect(disconnected.body).toMatchObject({
      status: 'disconnected',
      connected: false,
      disconnectedBy: { name: 'Test User' },
      disconnectReason: 'Disconnected in PulseScore by Test User.',
    });
    expect(Date.parse(disconnected.body.disconnectedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(disconnected.body.lastSync.dismissed).toBe(true);
    expect((await owner.client.get('/api/v1/integrations/stripe/sync')).body.sync.dismissed).toBe(true);
  });
});

import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, useTestApp, waitFor } from '../../test/helpers/app.js';

/** CSM sentiment (admins and the customer's owner, expiring) and support tickets (API and Segment convention) in the score. */

let t: TestApp;
useTestApp((app) => {
  t = app;
});

const DAY = 86_400_000;

async function world() {
  const owner = await signUp(t);
  const csm = await signUp(t);
  const other = await signUp(t);
  for (const m of [csm, other]) {
    const inv = await owner.client.post('/api/v1/invitations', { email: m.email, role: 'member' });
    await m.client.post('/api/v1/invitations/accept', { token: new URL(inv.body.url).pathname.split('/').pop() });
  }
  const { db } = t.runtime.database;
  const customer = await db
    .insertInto('customers')
    .values({
      org_id: owner.orgId,
      external_id: 'cus_sent',
      email: 'a@sent.test',
      name: 'Sent',
      currency: 'usd',
      first_seen_at: new Date(),
      metadata: '{}',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('payments')
    .values({
      org_id: owner.orgId,
      stripe_payment_id: 'ch_sent_1',
      stripe_customer_id: 'cus_sent',
      amount_cents: 5000,
      currency: 'usd',
      status: 'succeeded',
      paid_at: new Date(Date.now() - 3 * DAY),
    } as never)
    .execute();
  return { owner, csm, other, customerId: customer.id };
}

const factors = async (customerId: string) =>
  (await t.runtime.database.db.selectFrom('customer_scores').select('factors').where('customer_id', '=', customerId).executeTakeFirst())
    ?.factors as Record<string, { value?: number; explanation?: string; reason?: string }> | undefined;

describe('CSM sentiment', () => {
  let w: { owner: SignedUpUser; csm: SignedUpUser; other: SignedUpUser; customerId: string };

  it('is recorded by admins and the customer’s owner only, and counts in the score', async () => {
    w = await world();
    const url = `/api/v1/customers/${w.customerId}/sentiment`;
    expect((await w.csm.client.post(url, { rating: 4, note: 'Happy' })).status).toBe(403);
    expect((await w.csm.client.request('PUT', `/api/v1/customers/${w.customerId}/owner`, { userId: w.csm.userId })).status).toBe(403);
    const assigned = await w.owner.client.request('PUT', `/api/v1/customers/${w.customerId}/owner`, { userId: w.csm.userId });
    expect(assigned.status).toBe(200);
    expect(assigned.body.owner).toMatchObject({ userId: w.csm.userId });
    expect((await w.owner.client.request('PUT', `/api/v1/customers/${w.customerId}/owner`, { userId: 'not-a-member' })).status).toBe(404);

    expect((await w.other.client.get(url)).body.canRecord).toBe(false);
    expect((await w.csm.client.get(url)).body.canRecord).toBe(true);
    expect((await w.other.client.post(url, { rating: 2 })).status).toBe(403);
    const recorded = await w.csm.client.post(url, { rating: 2, note: 'Champion left', expiresInDays: 10 });
    expect(recorded.status).toBe(201);
    expect(recorded.body.current).toMatchObject({ rating: 2, note: 'Champion left', expired: false });
    expect(Date.parse(recorded.body.current.expiresAt) - Date.parse(recorded.body.current.createdAt)).toBeCloseTo(10 * DAY, -4);
    const f = await waitFor(async () => (await factors(w.customerId))?.sentiment?.value !== undefined && factors(w.customerId));
    expect(f!.sentiment!.value).toBe(0.25);
    expect(f!.sentiment!.explanation).toMatch(/^CSM sentiment 2\/5 from Test User \{\{days_since:\d+\}\} ago: “Champion left”/);
    // Its expiry is scheduled: the customer is re-scored the moment it stops counting.
    const job = await sql<{
      run_at: Date;
    }>`select run_at from graphile_worker.jobs where key = ${`sentiment.expired:${w.customerId}`}`.execute(t.runtime.database.db);
    expect(job.rows[0]!.run_at.getTime()).toBeGreaterThan(Date.now() + 9 * DAY);
    expect((await w.owner.client.post(url, { rating: 6 })).status).toBe(400);
    expect((await w.owner.client.post(url, { rating: 3, note: 'a\u0000b' })).body.error.code).toBe('invalid_text');
  });

  it('visibly stops counting once it expires', async () => {
    const { db } = t.runtime.database;
    await db
      .updateTable('csm_sentiments')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('customer_id', '=', w.customerId)
      .execute();
    const { createScoringService } = await import('../scoring/scoring.service.js');
    const { createLogger } = await import('../core/logger.js');
    await createScoringService({ db, logger: createLogger('silent') }).rescoreCustomer(w.owner.orgId, w.customerId, 'usage');
    const f = await factors(w.customerId);
    expect(f!.sentiment!.reason).toMatch(
      /^the CSM sentiment of [A-Z][a-z]{2} \d{1,2}, \d{4} \(2\/5\) expired on [A-Z][a-z]{2} \d{1,2}, \d{4}$/,
    );
    expect((await w.owner.client.get(`/api/v1/customers/${w.customerId}/sentiment`)).body.current.expired).toBe(true);
  });

  it('answers 404 for another organization’s customer', async () => {
    const b = await signUp(t);
    expect((await b.client.get(`/api/v1/customers/${w.customerId}/sentiment`)).status).toBe(404);
    expect((await b.client.post(`/api/v1/customers/${w.customerId}/sentiment`, { rating: 5 })).status).toBe(404);
    expect((await b.client.get(`/api/v1/customers/${w.customerId}/tickets`)).status).toBe(404);
    expect((await b.client.post('/api/v1/support/tickets', { ticketId: 'x', customer: 'cus_sent' })).status).toBe(404);
  });
});

describe('support tickets', () => {
  it('come through the API and the Segment convention, and feed the support factor', async () => {
    const { owner, customerId } = await world();
    const created = await owner.client.post('/api/v1/support/tickets', {
      ticketId: 'Z-1',
      customer: 'cus_sent',
      priority: 'urgent',
      subject: 'Down',
    });
    expect(created.status).toBe(201);
    expect(created.body.ticket).toMatchObject({ ticketId: 'Z-1', status: 'open', priority: 'urgent', source: 'api' });
    const f = await waitFor(async () => (await factors(customerId))?.support?.value !== undefined && factors(customerId));
    expect(f!.support!.explanation).toBe('1 open ticket (1 urgent or high); 1 opened in the last 30 days.');
    const wrong = await owner.client.post('/api/v1/support/tickets', {
      ticketId: 'Z-2',
      customer: 'cus_sent',
      status: 'solved',
      openedAt: '2025-01-02T00:00:00Z',
      solvedAt: '2025-01-01T00:00:00Z',
    });
    expect(wrong.status).toBe(422);

    const key = (await owner.client.post('/api/v1/api-keys', { name: 'w', role: 'member' })).body.key as string;
    const res = await t.client().request(
      'POST',
      '/v1/batch',
      {
        batch: [
          { type: 'group', userId: 'help', groupId: 'g-sent', traits: { stripe_customer_id: 'cus_sent' }, messageId: 's1' },
          {
            type: 'track',
            userId: 'help',
            event: 'Ticket Solved',
            properties: { ticket_id: 'Z-1', satisfaction: 'good' },
            messageId: 's2',
          },
          { type: 'track', userId: 'help', event: 'Ticket Opened', properties: { ticket_id: 'Z-3', priority: 'low' }, messageId: 's3' },
        ],
      },
      { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
    );
    expect(res.body.stored).toBe(3);
    const tickets = await waitFor(async () => {
      const list = (await owner.client.get(`/api/v1/customers/${customerId}/tickets`)).body.tickets as {
        ticketId: string;
        status: string;
      }[];
      return list.length === 2 && list.find((x) => x.ticketId === 'Z-1')?.status === 'solved' && list;
    });
    expect(tickets.map((x) => x.ticketId).sort()).toEqual(['Z-1', 'Z-3']);
    const after = await waitFor(async () => {
      const s = (await factors(customerId))?.support;
      return s?.explanation?.includes('satisfaction') && s;
    });
    expect(after.explanation).toBe('1 open ticket; 2 opened in the last 30 days; satisfaction 100% on 1 rated ticket.');
  });
});

import { describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, useTestApp, waitFor } from '../../test/helpers/app.js';

/** Settings → Data sources: matching rules, unmatched identities and manual mapping, CSV imports, retention. */

let t: TestApp;
useTestApp((app) => {
  t = app;
});

async function customer(orgId: string, ext: string, email: string, metadata: Record<string, string> = {}) {
  return (
    await t.runtime.database.db
      .insertInto('customers')
      .values({
        org_id: orgId,
        external_id: ext,
        email,
        name: ext,
        currency: 'usd',
        first_seen_at: new Date(),
        metadata: JSON.stringify(metadata),
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

async function org() {
  const owner = await signUp(t);
  const key = (await owner.client.post('/api/v1/api-keys', { name: 'w', role: 'member' })).body.key as string;
  const member = await signUp(t);
  const inv = await owner.client.post('/api/v1/invitations', { email: member.email, role: 'member' });
  await member.client.post('/api/v1/invitations/accept', { token: new URL(inv.body.url).pathname.split('/').pop() });
  return { owner, member, key };
}

const send = (key: string, batch: unknown[]) =>
  t.client().request('POST', '/v1/batch', { batch }, { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

const rolled = (orgId: string) => async () => {
  const row = await t.runtime.database.db
    .selectFrom('usage_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .where('state', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n) === 0;
};

const eventsOf = async (customerId: string) =>
  (await t.runtime.database.db.selectFrom('usage_daily_users').select('events').where('customer_id', '=', customerId).execute()).reduce(
    (s, r) => s + r.events,
    0,
  );

describe('matching groups and users to customers', () => {
  let a: { owner: SignedUpUser; member: SignedUpUser; key: string };

  it('lists unmatched groups and users, and maps them by hand (admins); their waiting events follow', async () => {
    a = await org();
    const acme = await customer(a.owner.orgId, 'cus_m1', 'ap@acme.test', { account: 'acc-42' });
    await send(a.key, [
      { type: 'group', userId: 'u1', groupId: 'g-unknown', traits: { name: 'Mystery Inc' }, messageId: 'm1' },
      { type: 'track', userId: 'u1', event: 'Login', messageId: 'm2' },
      { type: 'track', userId: 'u1', event: 'Login', messageId: 'm3', context: { groupId: 'g-unknown' } },
    ]);
    await waitFor(rolled(a.owner.orgId));
    const unmatched = await a.owner.client.get('/api/v1/data-sources/unmatched');
    expect(unmatched.status).toBe(200);
    expect(unmatched.body.groups).toMatchObject([{ groupId: 'g-unknown', name: 'Mystery Inc', events: 1 }]);
    expect(unmatched.body.users).toMatchObject([{ userKey: 'u1', events: 1 }]);
    expect(unmatched.body.users).toMatchObject([{ userKey: 'u1', groupId: 'g-unknown' }]);
    const overview = await a.member.client.get('/api/v1/data-sources');
    expect(overview.body.status).toMatchObject({ waitingForMatch: 2, unmatchedGroups: 1 });
    expect(overview.body.endpoint.paths).toContain('/v1/batch');

    const denied = await a.member.client.request('PUT', '/api/v1/data-sources/groups/g-unknown/customer', { customerId: acme });
    expect(denied.status).toBe(403);
    const mapped = await a.owner.client.request('PUT', '/api/v1/data-sources/groups/g-unknown/customer', { customerId: acme });
    expect(mapped.status).toBe(200);
    await waitFor(async () => (await eventsOf(acme)) === 2);
    expect((await a.owner.client.get('/api/v1/data-sources/unmatched')).body).toEqual({ groups: [], users: [] });
    expect((await a.owner.client.request('PUT', '/api/v1/data-sources/groups/nope/customer', { customerId: acme })).status).toBe(404);
  });

  it('matches by a chosen Stripe metadata key, or by email domain', async () => {
    const acme = await customer(a.owner.orgId, 'cus_m2', 'billing@globex.test', { account: 'acc-7' });
    const bad = await a.owner.client.request('PUT', '/api/v1/data-sources/settings', { matchBy: 'metadata' });
    expect(bad.status).toBe(422);
    const put = await a.owner.client.request('PUT', '/api/v1/data-sources/settings', {
      matchBy: 'metadata',
      metadataKey: 'account',
      rawRetentionDays: 14,
    });
    expect(put.status).toBe(200);
    expect(put.body.settings).toEqual({ matchBy: 'metadata', metadataKey: 'account', rawRetentionDays: 14, sentimentDays: 30 });
    await send(a.key, [
      { type: 'group', userId: 'u7', groupId: 'acc-7', messageId: 'k1' },
      { type: 'track', userId: 'u7', event: 'Login', messageId: 'k2' },
    ]);
    await waitFor(async () => (await eventsOf(acme)) === 1);

    await a.owner.client.request('PUT', '/api/v1/data-sources/settings', { matchBy: 'email_domain' });
    const initech = await customer(a.owner.orgId, 'cus_m3', 'finance@initech.test');
    await send(a.key, [
      { type: 'identify', userId: 'peter', traits: { email: 'peter@initech.test' }, messageId: 'e1' },
      { type: 'track', userId: 'peter', event: 'TPS Report', messageId: 'e2' },
      { type: 'identify', userId: 'joe', traits: { email: 'joe@gmail.com' }, messageId: 'e3' },
      { type: 'track', userId: 'joe', event: 'Login', messageId: 'e4' },
    ]);
    await waitFor(async () => (await eventsOf(initech)) === 1);
    // Free mail says nothing about the company.
    expect((await a.owner.client.get('/api/v1/data-sources/unmatched')).body.users.map((u: { userKey: string }) => u.userKey)).toEqual([
      'joe',
    ]);
  });

  it('gives a user identified before its first grouped event that group, and its customer', async () => {
    const c = await org();
    const acme = await customer(c.owner.orgId, 'cus_u1', 'ap@acme-u.test');
    await send(c.key, [
      { type: 'group', userId: 'boss', groupId: 'g-acme', traits: { stripe_customer_id: 'cus_u1' }, messageId: 'u1' },
      { type: 'identify', userId: 'late', traits: { email: 'late@gmail.com' }, messageId: 'u2' },
    ]);
    await waitFor(rolled(c.owner.orgId));
    expect((await c.owner.client.get('/api/v1/data-sources/unmatched')).body.users).toMatchObject([{ userKey: 'late', groupId: null }]);
    // Its first track in the group's context arrives in a later chunk: the user joins the group and its customer.
    await send(c.key, [{ type: 'track', userId: 'late', event: 'Login', messageId: 'u3', context: { groupId: 'g-acme' } }]);
    await waitFor(async () => (await eventsOf(acme)) === 1);
    await waitFor(rolled(c.owner.orgId));
    expect((await c.owner.client.get('/api/v1/data-sources/unmatched')).body).toEqual({ groups: [], users: [] });
  });

  it('keeps organizations apart: another organization maps nothing of this one', async () => {
    const b = await org();
    const theirs = await customer(b.owner.orgId, 'cus_b1', 'x@b.test');
    const res = await a.owner.client.request('PUT', '/api/v1/data-sources/users/joe/customer', { customerId: theirs });
    expect(res.status).toBe(404);
    expect((await b.owner.client.request('PUT', '/api/v1/data-sources/users/joe/customer', { customerId: theirs })).status).toBe(404);
  });
});

describe('support tickets reaching every score they change', () => {
  const supportOf = async (owner: SignedUpUser, id: string) => {
    const body = (await owner.client.get(`/api/v1/customers/${id}`)).body;
    const f = body.score?.factors?.find((x: { name: string }) => x.name === 'support')?.explanation as string | undefined;
    return f ?? (body.score?.absent?.find((x: { name: string }) => x.name === 'support')?.reason as string | undefined) ?? null;
  };

  it('re-scores every customer on the organization’s first ticket: support is connected for all of them', async () => {
    const { owner } = await org();
    const first = await customer(owner.orgId, 'cus_t1', 'a@one.test');
    const other = await customer(owner.orgId, 'cus_t2', 'b@two.test');
    expect((await owner.client.post('/api/v1/scoring/recalculate', {})).status).toBeLessThan(300);
    await waitFor(async () => (await supportOf(owner, other)) === 'no support data source connected');
    const sent = await owner.client.post('/api/v1/support/tickets', { ticketId: 'T-1', customer: 'cus_t1', status: 'open' });
    expect(sent.status).toBe(201);
    await waitFor(async () => /^1 open ticket/.test((await supportOf(owner, first)) ?? ''));
    await waitFor(async () => /^No open tickets/.test((await supportOf(owner, other)) ?? ''));
  });

  it('attaches the tickets of a group mapped by hand, and re-scores the customer, when its only events are tickets', async () => {
    const { owner, key } = await org();
    const acme = await customer(owner.orgId, 'cus_t3', 'a@three.test');
    // The organization already has support data: only the mapped customer's score should change.
    await owner.client.post('/api/v1/support/tickets', { ticketId: 'T-0', customer: 'cus_t3', status: 'solved' });
    await send(key, [
      {
        type: 'track',
        userId: 'x1',
        event: 'Ticket Opened',
        messageId: 'tk1',
        context: { groupId: 'g-tickets' },
        properties: { ticket_id: 'T-9', priority: 'urgent' },
      },
    ]);
    await waitFor(rolled(owner.orgId));
    await waitFor(async () => /^No open tickets/.test((await supportOf(owner, acme)) ?? ''));
    expect((await owner.client.get('/api/v1/data-sources/unmatched')).body.groups).toMatchObject([{ groupId: 'g-tickets' }]);
    const mapped = await owner.client.request('PUT', '/api/v1/data-sources/groups/g-tickets/customer', { customerId: acme });
    expect(mapped.status).toBe(200);
    const tickets = (await owner.client.get(`/api/v1/customers/${acme}/tickets`)).body;
    expect(JSON.stringify(tickets)).toContain('T-9');
    await waitFor(async () => /urgent/.test((await supportOf(owner, acme)) ?? ''));
  });
});

describe('CSV imports', () => {
  it('imports usage and tickets all or nothing, with a downloadable error report', async () => {
    const { owner, member } = await org();
    const id = await customer(owner.orgId, 'cus_csv', 'a@csv.test');
    const bad = await owner.client.post('/api/v1/data-sources/imports/usage', {
      csv: 'date,customer,event,events,active_users\n2025-01-01,cus_csv,Login,10,2\n2025-13-01,cus_csv,Login,5,1\n2025-01-02,cus_nobody,Login,x,1\n',
      filename: 'usage.csv',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('import_rejected');
    expect(bad.body.error.details.errorCount).toBe(3);
    // Rows, not errors: one row has two problems.
    expect(bad.body.error.message).toBe('2 rows have errors (3 problems); nothing was imported. Fix them and import the file again.');
    expect(await eventsOf(id)).toBe(0);
    const report = await owner.client.get(bad.body.error.details.errorReportUrl);
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toMatch(/text\/csv/);
    expect(report.text.split('\r\n')).toEqual([
      'row,column,value,error',
      '3,date,2025-13-01,must be a date (YYYY-MM-DD)',
      '4,customer,cus_nobody,"matches no customer (Stripe id, email, or a matched Segment group)"',
      '4,events,x,must be a whole number from 0',
      '',
    ]);
    expect((await member.client.get(bad.body.error.details.errorReportUrl)).status).toBe(200);
    expect((await member.client.post('/api/v1/data-sources/imports/usage', { csv: 'date,customer,events\n' })).status).toBe(403);
    expect((await owner.client.post('/api/v1/data-sources/imports/usage', { csv: 'day,who\n1,2\n' })).body.error.code).toBe('invalid_csv');

    const good = await owner.client.post('/api/v1/data-sources/imports/usage', {
      csv: 'date,customer,event,events,active_users\n2025-01-01,cus_csv,Login,10,2\n2025-01-01,a@csv.test,Export,5,1\n"2025-01-02",cus_csv,Login,7,3\n',
    });
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({ status: 'imported', rows: 3, customers: 1 });
    expect(await eventsOf(id)).toBe(22);
    // Importing the same file again replaces, never doubles.
    await owner.client.post('/api/v1/data-sources/imports/usage', { csv: 'date,customer,event,events\n2025-01-01,cus_csv,Login,10\n' });
    expect(await eventsOf(id)).toBe(22);

    const tickets = await owner.client.post('/api/v1/data-sources/imports/tickets', {
      csv: 'ticket_id,customer,opened_at,status,priority,solved_at,satisfaction,subject\nT-1,cus_csv,2025-01-01T10:00:00Z,solved,urgent,2025-01-02T10:00:00Z,good,Cannot log in\nT-2,cus_csv,2025-01-03,open,,,,\n',
    });
    expect(tickets.status).toBe(201);
    const list = await owner.client.get(`/api/v1/customers/${id}/tickets`);
    expect(
      list.body.tickets.map((x: { ticketId: string; status: string; satisfaction: number | null }) => [
        x.ticketId,
        x.status,
        x.satisfaction,
      ]),
    ).toEqual([
      ['T-2', 'open', null],
      ['T-1', 'solved', 1],
    ]);
    const badTickets = await owner.client.post('/api/v1/data-sources/imports/tickets', {
      csv: 'ticket_id,customer,opened_at,status,priority\nT-3,cus_csv,2025-01-01,solved,meh\n',
    });
    expect(badTickets.body.error.details.errors.map((e: { column: string }) => e.column)).toEqual(['solved_at', 'priority']);
    const imports = await owner.client.get('/api/v1/data-sources/imports');
    expect(imports.body.imports.map((i: { status: string }) => i.status)).toEqual([
      'rejected',
      'imported',
      'imported',
      'imported',
      'rejected',
    ]);
  });
});

describe('raw-event retention', () => {
  it('deletes rolled-up raw events past the retention period and keeps the rollups', async () => {
    const { owner, key } = await org();
    const id = await customer(owner.orgId, 'cus_ret', 'r@ret.test');
    await send(key, [
      { type: 'group', userId: 'r', groupId: 'g-ret', traits: { stripe_customer_id: 'cus_ret' }, messageId: 'r1' },
      { type: 'track', userId: 'r', event: 'Login', messageId: 'r2' },
    ]);
    await waitFor(async () => (await eventsOf(id)) === 1);
    const { db } = t.runtime.database;
    await db
      .updateTable('usage_events')
      .set({ received_at: new Date(Date.now() - 31 * 86_400_000) } as never)
      .where('org_id', '=', owner.orgId)
      .execute();
    const { createRollupService } = await import('./rollup.service.js');
    const { createLogger } = await import('../core/logger.js');
    await createRollupService({ db, logger: createLogger('silent') }).purge();
    const left = await db.selectFrom('usage_events').select('id').where('org_id', '=', owner.orgId).execute();
    expect(left).toEqual([]);
    expect(await eventsOf(id)).toBe(1);
  });
});

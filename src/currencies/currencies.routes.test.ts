import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestApp, type TestClient, useTestApp } from '../../test/helpers/app.js';
import { dayOf } from '../revenue/exchange-rates.js';
import { toMajor } from '../revenue/currencies.js';

let t: TestApp;
useTestApp((app) => {
  t = app;
});
const db = () => t.runtime.database.db;
const DAY = 86_400_000;
const daysAgo = (n: number) => dayOf(Date.now() - n * DAY);

/**
 * A hand-built customer: its list columns and its MRR history (one open segment per currency since 100 days
 * ago), written as scoring writes them. Nothing marks it for a re-score, so the worker leaves it as it is.
 */
async function customer(orgId: string, name: string, byCurrency: Record<string, number>) {
  const entries = Object.entries(byCurrency);
  const [main, amount] = entries.sort((a, b) => b[1] - a[1])[0] ?? [null, 0];
  const row = await db()
    .insertInto('customers')
    .values({
      org_id: orgId,
      external_id: `cus_${name}`,
      name,
      email: `${name}@example.com`,
      first_seen_at: new Date(Date.now() - 120 * DAY),
      metadata: '{}',
      mrr: String(amount),
      mrr_currency: main,
      mrr_major: String(main ? toMajor(amount, main) : 0),
      mrr_by_currency: JSON.stringify(byCurrency),
      lifecycle_state: entries.length > 0 ? 'active' : 'no_billing',
    } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [currency, mrr] of entries) {
    await db()
      .insertInto('mrr_history')
      .values({
        org_id: orgId,
        customer_id: row.id,
        currency,
        valid_from: new Date(Date.now() - 100 * DAY),
        valid_to: null,
        mrr,
        movement: 'new',
        delta: mrr,
      })
      .execute();
  }
  return row.id;
}

async function joinAsMember(owner: SignedUpUser, role: 'member' | 'admin' = 'member'): Promise<TestClient> {
  const user = await signUp(t);
  const inv = await owner.client.post('/api/v1/invitations', { email: user.email, role });
  await user.client.post('/api/v1/invitations/accept', { token: new URL(inv.body.url).pathname.split('/').pop() });
  return user.client;
}

type Row = { name: string; mrr: { currency: string | null; amount: number; inReporting: any } };

async function mrrOrder(client: TestClient, order = 'desc'): Promise<Row[]> {
  const rows: Row[] = [];
  for (let page = 1; ; page++) {
    const res = await client.get(`/api/v1/customers?sort=mrr&order=${order}&pageSize=4&page=${page}`);
    expect(res.status, res.text).toBe(200);
    rows.push(...res.body.customers);
    if (page >= res.body.pages) return rows;
  }
}
const names = (rows: Row[]) => rows.map((r) => r.name);

/** The default list (who needs attention first), every page. */
async function attentionOrder(client: TestClient): Promise<string[]> {
  const rows: Row[] = [];
  for (let page = 1; ; page++) {
    const res = await client.get(`/api/v1/customers?pageSize=4&page=${page}`);
    expect(res.status, res.text).toBe(200);
    rows.push(...res.body.customers);
    if (page >= res.body.pages) return names(rows);
  }
}

describe('a multi-currency business (USD, EUR, JPY)', () => {
  let owner: SignedUpUser;
  let member: TestClient;

  beforeAll(async () => {
    owner = await signUp(t, { organizationName: 'Multi' });
    member = await joinAsMember(owner);
    const org = owner.orgId;
    await customer(org, 'u1', { usd: 50_000 }); // $500.00
    await customer(org, 'u2', { usd: 12_000 }); // $120.00
    await customer(org, 'u3', { usd: 142_500 }); // $1,425.00
    await customer(org, 'e1', { eur: 100_000 }); // €1,000.00
    await customer(org, 'e2', { eur: 10_000 }); // €100.00
    await customer(org, 'j1', { jpy: 12_000 }); // ¥12,000
    await customer(org, 'j2', { jpy: 60_000 }); // ¥60,000
    await customer(org, 'm1', { usd: 20_000, eur: 5_000 }); // $200.00 and €50.00
    await customer(org, 'z', {}); // no billing
  });

  it('without rates: the headline is USD only (most paying customers), EUR and JPY are left out by name and reason', async () => {
    const s = (await member.get('/api/v1/dashboard/summary')).body;
    expect(s.reportingCurrency).toMatchObject({ currency: 'usd', source: 'default' });
    expect(s.headline).toMatchObject({ currency: 'usd', amount: 224_500, display: 2_245, complete: false });
    expect(s.headline.parts.map((p: any) => [p.currency, p.status, p.amount])).toEqual([
      ['usd', 'reporting', 224_500],
      ['eur', 'no_rate', 115_000],
      ['jpy', 'no_rate', 72_000],
    ]);
    expect(s.headline.leftOut.map((p: any) => p.reason)).toEqual(['no EUR→USD rate', 'no JPY→USD rate']);
    expect(s.headline.leftOut.every((p: any) => p.converted === null)).toBe(true);
    expect(s.headline.leftOutCustomers.total).toBe(5);
    expect(s.headline.leftOutCustomers.customers.map((c: any) => [c.name, c.currency, c.display, c.reason])).toEqual([
      ['e1', 'eur', 1_000, 'no EUR→USD rate'],
      ['e2', 'eur', 100, 'no EUR→USD rate'],
      ['m1', 'eur', 50, 'no EUR→USD rate'],
      ['j2', 'jpy', 60_000, 'no JPY→USD rate'],
      ['j1', 'jpy', 12_000, 'no JPY→USD rate'],
    ]);
    // Per currency as before, the reporting currency first; yen are yen.
    expect(s.mrr.map((m: any) => [m.currency, m.display])).toEqual([
      ['usd', 2_245],
      ['eur', 1_150],
      ['jpy', 72_000],
    ]);
    expect((await member.get('/api/v1/dashboard/mrr-trend?months=3')).body.reportingCurrency).toBe('usd');
  });

  it('without rates: the MRR sort orders USD amounts, then the rows with no rate by currency, each saying so', async () => {
    const rows = await mrrOrder(member);
    expect(names(rows)).toEqual(['u3', 'u1', 'u2', 'z', 'e1', 'e2', 'j2', 'j1', 'm1']);
    const j1 = rows.find((r) => r.name === 'j1')!;
    expect(j1.mrr.inReporting).toMatchObject({ currency: 'usd', amount: null, status: 'no_rate' });
    expect(j1.mrr.inReporting.leftOut).toEqual([{ currency: 'jpy', amount: 12_000, display: 12_000, reason: 'no JPY→USD rate' }]);
    // A customer billed in two currencies is not converted by half.
    const m1 = rows.find((r) => r.name === 'm1')!;
    expect(m1.mrr.inReporting).toMatchObject({
      amount: null,
      status: 'no_rate',
      leftOut: [{ currency: 'eur', reason: 'no EUR→USD rate' }],
    });
    expect(rows.find((r) => r.name === 'u1')!.mrr.inReporting).toMatchObject({
      amount: 50_000,
      display: 500,
      status: 'reporting',
      rates: [],
    });
  });

  it('without rates: the default order ranks revenue within a rank in USD, never yen against dollars', async () => {
    // None is scored yet (one rank), the customer without billing after them; raw amounts would put ¥60,000 first.
    expect(await attentionOrder(member)).toEqual(['u3', 'u1', 'u2', 'e1', 'e2', 'j2', 'j1', 'm1', 'z']);
  });

  it('with an EUR rate: EUR converted at the rate in force today, labelled with its date; JPY still left out', async () => {
    const older = await owner.client.post('/api/v1/currencies/rates', { base: 'EUR', rate: '1.05', effectiveFrom: daysAgo(200) });
    expect(older.status, older.text).toBe(201);
    expect(older.body).toMatchObject({ base: 'eur', quote: 'usd', rate: '1.05', effectiveFrom: daysAgo(200), inUse: true });
    const current = await owner.client.post('/api/v1/currencies/rates', {
      base: 'eur',
      quote: 'usd',
      rate: '1.10',
      effectiveFrom: daysAgo(30),
    });
    expect(current.body).toMatchObject({ rate: '1.1', inUse: true });
    // A rate dated later is kept, and not used before its day.
    expect((await owner.client.post('/api/v1/currencies/rates', { base: 'eur', rate: '2', effectiveFrom: daysAgo(-5) })).status).toBe(201);

    const s = (await member.get('/api/v1/dashboard/summary')).body;
    expect(s.headline).toMatchObject({ currency: 'usd', amount: 224_500 + 126_500, complete: false });
    const eur = s.headline.parts.find((p: any) => p.currency === 'eur');
    expect(eur).toMatchObject({ amount: 115_000, display: 1_150, status: 'converted', converted: { amount: 126_500, display: 1_265 } });
    expect(eur.rate).toMatchObject({
      rate: '1.1',
      effectiveFrom: daysAgo(30),
      inverted: false,
      label: `1 EUR = 1.1 USD, rate of ${daysAgo(30)}`,
    });
    expect(s.headline.leftOut.map((p: any) => p.currency)).toEqual(['jpy']);
    // Nothing unconverted is summed: the headline is exactly USD plus converted EUR.
    const sum = s.headline.parts.filter((p: any) => p.status !== 'no_rate').reduce((n: number, p: any) => n + p.converted.amount, 0);
    expect(s.headline.amount).toBe(sum);

    const rows = await mrrOrder(member);
    expect(names(rows)).toEqual(['u3', 'e1', 'u1', 'm1', 'u2', 'e2', 'z', 'j2', 'j1']);
    expect(rows.find((r) => r.name === 'm1')!.mrr.inReporting).toMatchObject({ amount: 25_500, status: 'converted' });
    expect(rows.find((r) => r.name === 'e1')!.mrr.inReporting.rates[0].label).toBe(`1 EUR = 1.1 USD, rate of ${daysAgo(30)}`);
    expect(names(await mrrOrder(member, 'asc'))).toEqual(['z', 'e2', 'u2', 'm1', 'u1', 'e1', 'u3', 'j1', 'j2']);
    expect(await attentionOrder(member)).toEqual(['u3', 'e1', 'u1', 'm1', 'u2', 'e2', 'j2', 'j1', 'z']);
  });

  it('with a USD→JPY rate too: JPY converted by its inverse, exactly, and the headline is complete', async () => {
    const res = await owner.client.post('/api/v1/currencies/rates', { base: 'usd', quote: 'jpy', rate: '150', effectiveFrom: daysAgo(10) });
    expect(res.status, res.text).toBe(201);
    const s = (await member.get('/api/v1/dashboard/summary')).body;
    expect(s.headline).toMatchObject({ amount: 224_500 + 126_500 + 48_000, display: 3_990, complete: true, leftOut: [] });
    expect(s.headline.leftOutCustomers).toEqual({ total: 0, customers: [] });
    const jpy = s.headline.parts.find((p: any) => p.currency === 'jpy');
    expect(jpy).toMatchObject({ amount: 72_000, display: 72_000, converted: { amount: 48_000, display: 480 }, rate: { inverted: true } });
    expect(jpy.rate.label).toContain('inverse of the USD→JPY rate 150');

    const rows = await mrrOrder(member);
    expect(names(rows)).toEqual(['u3', 'e1', 'u1', 'j2', 'm1', 'u2', 'e2', 'j1', 'z']);
    expect(rows.map((r) => r.mrr.inReporting.amount)).toEqual([142_500, 110_000, 50_000, 40_000, 25_500, 12_000, 11_000, 8_000, 0]);
    // The export follows the same order.
    const csv = (await member.get('/api/v1/customers/export.csv?sort=mrr')).text.trim().split('\n').slice(1);
    expect(csv.map((line) => line.split(',')[2])).toEqual(names(rows));
  });

  it('the MRR trend converts each month with the rates in force on its day', async () => {
    const trend = (await member.get('/api/v1/dashboard/mrr-trend?months=12')).body;
    for (const p of trend.points) {
      const day = p.at.slice(0, 10);
      const eurRate = day >= daysAgo(30) ? 1.1 : day >= daysAgo(200) ? 1.05 : null;
      const usd = p.byCurrency.usd ?? 0;
      const eur = p.byCurrency.eur ?? 0;
      const jpy = p.byCurrency.jpy ?? 0;
      const expected = usd + (eurRate ? Math.round(eur * eurRate) : 0) + (day >= daysAgo(10) ? Math.round(jpy / 1.5) : 0);
      expect(p.inReporting.amount, day).toBe(expected);
      if (jpy > 0 && day < daysAgo(10)) {
        expect(p.inReporting.leftOut).toEqual([{ currency: 'jpy', amount: jpy, reason: `JPY→USD rate only from ${daysAgo(10)}` }]);
      }
    }
    expect(trend.points.at(-1).inReporting).toMatchObject({ amount: 399_000, complete: true });
  });

  it('an admin changes the reporting currency; USD is then converted by the inverse of EUR→USD and JPY is left out', async () => {
    expect((await member.request('PUT', '/api/v1/currencies/reporting', { currency: 'eur' })).status).toBe(403);
    const res = await owner.client.request('PUT', '/api/v1/currencies/reporting', { currency: 'EUR' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.reportingCurrency).toMatchObject({ currency: 'eur', source: 'set' });
    const s = (await member.get('/api/v1/dashboard/summary')).body;
    const usdInEur = Math.round(224_500 / 1.1); // 204,090.909… → 204,091
    expect(s.headline).toMatchObject({ currency: 'eur', amount: 115_000 + usdInEur, complete: false });
    expect(s.headline.leftOut).toMatchObject([{ currency: 'jpy', reason: 'no JPY→EUR rate' }]);
    expect(s.mrr[0].currency).toBe('eur');
    expect((await member.get('/api/v1/dashboard/mrr-trend')).body.reportingCurrency).toBe('eur');
    const rows = await mrrOrder(member);
    expect(names(rows)).toEqual(['u3', 'e1', 'u1', 'm1', 'u2', 'e2', 'z', 'j2', 'j1']);
    expect(rows[0]!.mrr.inReporting).toMatchObject({ currency: 'eur', amount: Math.round(142_500 / 1.1), status: 'converted' });

    // Back to the default rule.
    const back = await owner.client.request('PUT', '/api/v1/currencies/reporting', { currency: null });
    expect(back.body.reportingCurrency).toMatchObject({ currency: 'usd', source: 'default' });
  });

  it('lists the currencies with today’s rate and every rate set; members read, only admins write', async () => {
    const res = await member.get('/api/v1/currencies');
    expect(res.status).toBe(200);
    expect(res.body.currencies.map((c: any) => [c.currency, c.payingCustomers, c.status])).toEqual([
      ['eur', 3, 'converted'],
      ['jpy', 2, 'converted'],
      ['usd', 4, 'reporting'],
    ]);
    expect(res.body.rates.map((r: any) => [r.base, r.quote, r.rate, r.effectiveFrom, r.inUse])).toEqual([
      ['eur', 'usd', '2', daysAgo(-5), false],
      ['eur', 'usd', '1.1', daysAgo(30), true],
      ['eur', 'usd', '1.05', daysAgo(200), false],
      ['usd', 'jpy', '150', daysAgo(10), true],
    ]);
    const rate = { base: 'gbp', rate: '1.27', effectiveFrom: daysAgo(1) };
    expect((await member.post('/api/v1/currencies/rates', rate)).status).toBe(403);
    const id = res.body.rates[0].id;
    expect((await member.delete(`/api/v1/currencies/rates/${id}`)).status).toBe(403);
    const admin = await joinAsMember(owner, 'admin');
    expect((await admin.delete(`/api/v1/currencies/rates/${id}`)).status).toBe(204);
    expect((await admin.delete(`/api/v1/currencies/rates/${id}`)).status).toBe(404);
    expect((await member.get('/api/v1/currencies')).body.rates).toHaveLength(3);
  });

  it('refuses bad input with a readable 400, impossible values with 422, a second rate for a day with 409', async () => {
    const post = (body: unknown) => owner.client.post('/api/v1/currencies/rates', body);
    const ok = { base: 'chf', rate: '1.13', effectiveFrom: '2025-01-01' };
    for (const [body, field] of [
      [{ ...ok, base: 'US' }, 'base'],
      [{ ...ok, base: 'us$' }, 'base'],
      [{ ...ok, rate: '-1' }, 'rate'],
      [{ ...ok, rate: '1,13' }, 'rate'],
      [{ ...ok, rate: 1.13 }, 'rate'],
      [{ ...ok, effectiveFrom: '01/01/2025' }, 'effectiveFrom'],
      [{ ...ok, effectiveFrom: '1969-12-31' }, 'effectiveFrom'],
      [{ ...ok, extra: true }, ''],
      [{ base: 'chf', rate: '1.13' }, 'effectiveFrom'],
    ] as const) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.message).toContain(field);
    }
    const nul = await post({ ...ok, base: 'ch\u0000' });
    expect(nul.status).toBe(400);
    expect(nul.body.error.code).toBe('invalid_text');
    for (const [body, code] of [
      [{ ...ok, rate: '0.000' }, 'invalid_rate'],
      [{ ...ok, effectiveFrom: '2025-02-29' }, 'invalid_date'],
      [{ ...ok, base: 'usd' }, 'same_currency'],
    ] as const) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe(code);
    }
    expect((await post({ ...ok, effectiveFrom: '2024-02-29' })).status).toBe(201);
    const again = await post({ ...ok, effectiveFrom: '2024-02-29', rate: '1.2' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe('There is already a CHF→USD rate for 2024-02-29. Delete it first to replace it.');
    expect((await owner.client.request('PUT', '/api/v1/currencies/reporting', { currency: 'dollars' })).status).toBe(400);
    expect((await owner.client.delete('/api/v1/currencies/rates/not-a-uuid')).status).toBe(400);
  });

  it('the dashboard’s most at risk: equal scores ordered by revenue in the reporting currency', async () => {
    await db().updateTable('customers').set({ score: 30, risk_level: 'red' }).where('org_id', '=', owner.orgId).execute();
    const s = (await member.get('/api/v1/dashboard/summary')).body;
    // Every rate is set by now (EUR→USD 1.1, USD→JPY 150): j2's ¥60,000 is $400, below e1's $1,100.
    expect(s.mostAtRisk.map((c: any) => c.name)).toEqual(['u3', 'e1', 'u1', 'j2', 'm1', 'u2', 'e2', 'j1', 'z']);
    expect(await attentionOrder(member)).toEqual(['u3', 'e1', 'u1', 'j2', 'm1', 'u2', 'e2', 'j1', 'z']);
  });

  it('keeps organizations apart: another organization neither sees these rates nor can delete them', async () => {
    const other = await signUp(t, { organizationName: 'Other' });
    const mine = (await owner.client.get('/api/v1/currencies')).body.rates;
    const theirs = await other.client.get('/api/v1/currencies');
    expect(theirs.body).toMatchObject({ reportingCurrency: { currency: null, source: 'default' }, currencies: [], rates: [] });
    for (const r of mine) expect((await other.client.delete(`/api/v1/currencies/rates/${r.id}`)).status).toBe(404);
    expect((await owner.client.get('/api/v1/currencies')).body.rates).toHaveLength(mine.length);
    // With no reporting currency, a rate needs its quote.
    const res = await other.client.post('/api/v1/currencies/rates', { base: 'eur', rate: '1.1', effectiveFrom: '2025-01-01' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('no_reporting_currency');
    const count = await sql<{ n: string }>`select count(*) as n from exchange_rates where org_id = ${other.orgId}`.execute(db());
    expect(Number(count.rows[0]!.n)).toBe(0);
    expect((await other.client.get('/api/v1/dashboard/summary')).body.headline).toBeNull();
  });
});

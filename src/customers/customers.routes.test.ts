import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type SignedUpUser, type TestClient, waitFor } from '../../test/helpers/app.js';
import { startScoredWorld, type StripeWorld } from '../../test/helpers/stripe.js';
import { csvCell } from './customers.export.js';
import { ATTENTION_RANK } from './customers.repo.js';

let world: StripeWorld;
let owner: SignedUpUser;
let member: TestClient;
const db = () => world.t.runtime.database.db;

beforeAll(async () => {
  ({ world, owner, member } = await startScoredWorld({ customers: 60, seed: 5 }));
  // The sync also asks for the score history to be reconstructed; it is waited for, so that what the score
  // history shows does not depend on whether that job has run yet.
  await waitFor(
    async () =>
      (await db().selectFrom('reconstruction_runs').select('status').where('org_id', '=', owner.orgId).executeTakeFirst())?.status ===
      'done',
    60_000,
    50,
  );
}, 120_000);

type HistoryEntry = {
  at: string;
  reason: string;
  previousScore: number | null;
  score: number | null;
  level: string | null;
  changed: { name: string }[];
};
/** The scores computed, without the points reconstructed before the first of them. */
const computedHistory = (history: HistoryEntry[]) => history.filter((h) => h.reason !== 'reconstructed');
afterAll(async () => world?.close());

type Row = {
  id: string;
  name: string | null;
  email: string | null;
  score: number | null;
  riskLevel: string | null;
  mrr: { display: number; inReporting: { amount: number | null } | null };
};

async function all(client: TestClient, query: string): Promise<Row[]> {
  const out: Row[] = [];
  for (let page = 1; ; page++) {
    const res = await client.get(`/api/v1/customers?${query}&pageSize=7&page=${page}`);
    expect(res.status).toBe(200);
    out.push(...res.body.customers);
    if (page >= res.body.pages) return out;
  }
}

const sqlCount = async (where: ReturnType<typeof sql>) =>
  Number(
    (
      await sql<{
        n: string;
      }>`select count(*) as n from customers where org_id = ${owner.orgId} and deleted_at is null and ${where}`.execute(db())
    ).rows[0]!.n,
  );

describe('GET /customers', () => {
  it('pages through every customer once, with totals', async () => {
    const first = await member.get('/api/v1/customers?pageSize=7');
    expect(first.body.total).toBe(await sqlCount(sql`true`));
    expect(first.body.pages).toBe(Math.ceil(first.body.total / 7));
    const rows = await all(member, 'sort=score');
    expect(new Set(rows.map((r) => r.id)).size).toBe(first.body.total);
  });

  it('sorts by score (no score last), name, MRR and last payment, both ways', async () => {
    const byScore = await all(member, 'sort=score');
    const scores = byScore.map((r) => r.score);
    const firstNull = scores.indexOf(null);
    expect(firstNull).toBeGreaterThan(0);
    expect(scores.slice(firstNull).every((s) => s === null)).toBe(true);
    const present = scores.slice(0, firstNull) as number[];
    expect(present).toEqual([...present].sort((a, b) => a - b));
    const desc = (await all(member, 'sort=score&order=desc')).map((r) => r.score).filter((s) => s !== null) as number[];
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    // MRR in the reporting currency; customers whose MRR has no rate into it come after all the others.
    const mrr = (await all(member, 'sort=mrr')).map((r) => r.mrr.inReporting?.amount ?? null);
    const firstUnconverted = mrr.indexOf(null);
    const converted = (firstUnconverted < 0 ? mrr : mrr.slice(0, firstUnconverted)) as number[];
    expect(converted.length).toBeGreaterThan(0);
    expect(converted).toEqual([...converted].sort((a, b) => b - a));
    if (firstUnconverted >= 0) expect(mrr.slice(firstUnconverted).every((m) => m === null)).toBe(true);
    const names = (await all(member, 'sort=name&order=asc')).map((r) => (r.name ?? r.email ?? '').toLowerCase());
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('filters by risk level, including customers without a score, and counts match SQL', async () => {
    for (const level of ['green', 'yellow', 'red'] as const) {
      const rows = await all(member, `risk=${level}`);
      expect(rows.every((r) => r.riskLevel === level)).toBe(true);
      expect(rows.length).toBe(await sqlCount(sql`risk_level = ${level}`));
    }
    const none = await all(member, 'risk=none');
    expect(none.length).toBeGreaterThan(0);
    expect(none.every((r) => r.score === null)).toBe(true);
    const both = await member.get('/api/v1/customers?risk=red,none');
    expect(both.body.total).toBe(await sqlCount(sql`(risk_level = 'red' or risk_level is null)`));
  });

  it('searches names and emails, case-insensitively, treating % and _ literally', async () => {
    const sample = (await db()
      .selectFrom('customers')
      .select(['name', 'email'])
      .where('org_id', '=', owner.orgId)
      .limit(1)
      .executeTakeFirstOrThrow())!;
    const byName = await member.get(`/api/v1/customers?q=${encodeURIComponent(sample.name!.slice(0, 5).toUpperCase())}`);
    expect(byName.body.customers.some((c: Row) => c.name === sample.name)).toBe(true);
    const byEmail = await member.get(`/api/v1/customers?q=${encodeURIComponent(sample.email!)}`);
    expect(byEmail.body.customers.map((c: Row) => c.email)).toContain(sample.email);
    expect((await member.get('/api/v1/customers?q=%25')).body.total).toBe(0);
    expect((await member.get('/api/v1/customers?q=_')).body.total).toBe(
      await sqlCount(sql`(coalesce(name,'') || coalesce(email,'')) like '%\\_%'`),
    );
  });

  it('finds a customer by its Stripe id, exactly', async () => {
    const sample = await db()
      .selectFrom('customers')
      .select(['id', 'external_id'])
      .where('org_id', '=', owner.orgId)
      .limit(1)
      .executeTakeFirstOrThrow();
    const byId = await member.get(`/api/v1/customers?q=${encodeURIComponent(` ${sample.external_id} `)}`);
    expect(byId.body.customers.map((c: Row) => c.id)).toEqual([sample.id]);
    // Part of an id is no match (ids are not words), nor another organization's id.
    expect((await member.get(`/api/v1/customers?q=${encodeURIComponent(sample.external_id.slice(0, -2))}x`)).body.total).toBe(0);
  });

  it('answers bad parameters with a clear 400', async () => {
    for (const query of ['pageSize=0', 'pageSize=1000', 'page=-1', 'risk=purple', 'sort=age', 'order=sideways', 'unknown=1']) {
      const res = await member.get(`/api/v1/customers?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message.length).toBeGreaterThan(5);
    }
    expect((await member.get('/api/v1/customers?risk=purple')).body.error.message).toMatch(/purple/);
  });
});

describe('a customer', () => {
  const failing = () =>
    db()
      .selectFrom('customers')
      .select(['id', 'external_id', 'name'])
      .where('org_id', '=', owner.orgId)
      .where('risk_level', '=', 'red')
      .where('score', 'is not', null)
      .orderBy('score')
      .limit(1)
      .executeTakeFirstOrThrow();

  it('shows the score with every factor’s points and sentence, subscriptions, payments and MRR history', async () => {
    const c = await failing();
    const res = await member.get(`/api/v1/customers/${c.id}`);
    expect(res.status).toBe(200);
    const { score, subscriptions, payments, customer } = res.body;
    expect(customer.externalId).toBe(c.external_id);
    expect(score.level).toBe('red');
    expect(score.factors.length).toBeGreaterThan(0);
    const points = score.factors.reduce((s: number, f: { points: number }) => s + f.points, 0);
    expect(Math.round(points)).toBe(score.score);
    for (const f of score.factors) expect(f.explanation).toMatch(/\.$/);
    expect(score.absent.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['usage', 'support']));
    expect(subscriptions.length + payments.length).toBeGreaterThan(0);
  });

  it('has a timeline, newest first, and a score history', async () => {
    const c = await failing();
    const { events } = (await member.get(`/api/v1/customers/${c.id}/timeline`)).body;
    expect(events.length).toBeGreaterThan(0);
    const times = events.map((e: { at: string }) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(events.some((e: { type: string }) => e.type.startsWith('payment.') || e.type.startsWith('subscription.'))).toBe(true);
    const { history } = (await member.get(`/api/v1/customers/${c.id}/score-history`)).body as { history: HistoryEntry[] };
    const computed = computedHistory(history);
    expect(computed).toHaveLength(1);
    expect(computed[0]).toMatchObject({ level: 'red', reason: 'sync' });
    // Before it, the score reconstructed from the synced billing history: oldest first, all before the first
    // computed score, so the history is useful from the first sync; the first computed score follows the last.
    const rebuilt = history.filter((h) => h.reason === 'reconstructed');
    expect(rebuilt.length).toBeGreaterThan(0);
    expect(computed[0]!.previousScore).toBe(rebuilt.at(-1)!.score);
    expect(history.slice(0, rebuilt.length)).toEqual(rebuilt);
    const moments = history.map((h) => Date.parse(h.at));
    expect(moments).toEqual([...moments].sort((a, b) => a - b));
    expect(Date.parse(rebuilt.at(-1)!.at)).toBeLessThan(Date.parse(computed[0]!.at));
  });

  it('re-scores on demand: a new failure lowers the score, writes history and raises change events once', async () => {
    const c = await db()
      .selectFrom('customers')
      .select(['id', 'external_id', 'score', 'risk_level'])
      .where('org_id', '=', owner.orgId)
      .where('risk_level', '=', 'green')
      .orderBy('score', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const again = await member.post(`/api/v1/customers/${c.id}/recalculate`);
    expect(again.body.score.score).toBe(c.score);
    expect(computedHistory((await member.get(`/api/v1/customers/${c.id}/score-history`)).body.history)).toHaveLength(1);
    const now = new Date();
    for (let i = 0; i < 3; i++) {
      await db()
        .insertInto('payments')
        .values({
          org_id: owner.orgId,
          stripe_payment_id: `ch_test_fail_${i}_${c.id}`,
          stripe_customer_id: c.external_id,
          amount_cents: 5000,
          currency: 'usd',
          status: 'failed',
          failure_code: 'stolen_card',
          failure_message: 'Your card was reported stolen.',
          paid_at: new Date(now.getTime() - (3 - i) * 3600_000),
        })
        .execute();
    }
    const res = await member.post(`/api/v1/customers/${c.id}/recalculate`);
    expect(res.status).toBe(200);
    expect(res.body.score.score).toBeLessThan(c.score!);
    const failures = res.body.score.factors.find((f: { name: string }) => f.name === 'failed_payments');
    expect(failures.explanation).toMatch(/3 failed payments.*stolen card.*3 in a row/);
    const history = computedHistory((await member.get(`/api/v1/customers/${c.id}/score-history`)).body.history);
    expect(history).toHaveLength(2);
    expect(history[1]).toMatchObject({ previousScore: c.score, score: res.body.score.score, reason: 'manual' });
    expect(history[1]!.changed.map((x) => x.name)).toContain('failed_payments');
    await member.post(`/api/v1/customers/${c.id}/recalculate`);
    const events = await db()
      .selectFrom('org_events')
      .select(['type', 'payload'])
      .where('org_id', '=', owner.orgId)
      .where('customer_external_id', '=', c.external_id)
      .where('type', 'in', ['score.changed', 'risk_level.changed'])
      .execute();
    const levelChanged = res.body.score.level !== 'green';
    expect(events.map((e) => e.type).sort()).toEqual(levelChanged ? ['risk_level.changed', 'score.changed'] : ['score.changed']);
    expect(events[0]!.payload).toMatchObject({ previousScore: c.score, score: res.body.score.score });
  });

  it('is not found from another organization, or with a malformed id', async () => {
    const c = await failing();
    const stranger = await signUp(world.t, { organizationName: 'Other' });
    for (const path of ['', '/timeline', '/score-history', '/version']) {
      expect((await stranger.client.get(`/api/v1/customers/${c.id}${path}`)).status).toBe(404);
    }
    expect((await stranger.client.post(`/api/v1/customers/${c.id}/recalculate`)).status).toBe(404);
    expect((await stranger.client.get('/api/v1/customers')).body.total).toBe(0);
    expect((await member.get('/api/v1/customers/not-a-uuid')).status).toBe(404);
    expect((await member.get(`/api/v1/customers/${'x'.repeat(500)}`)).status).toBe(400);
  });
});

describe('customer states in the list and on the page', () => {
  it('filters and sorts by state, each customer saying where it stands', async () => {
    const trials = await member.get('/api/v1/customers?state=trialing&pageSize=200');
    expect(trials.status).toBe(200);
    expect(trials.body.total).toBe(await sqlCount(sql`lifecycle_state = 'trialing'`));
    expect(trials.body.total).toBeGreaterThan(0);
    for (const c of trials.body.customers) {
      expect(c.state.value).toBe('trialing');
      expect(c.state.label).toMatch(/^Trial — ends in \d+ days?$/);
      expect(c.score).toBeNull();
      expect(c.scoreReason).toMatch(/^Trial/);
    }
    const attention = await member.get('/api/v1/customers?sort=state&pageSize=5');
    expect(attention.body.customers[0].state.value).toBe('past_due');
    expect((await member.get('/api/v1/customers?state=asleep')).status).toBe(400);
  });

  it('shows what each subscription bills and what to do about a failed payment', async () => {
    const id = (await member.get('/api/v1/customers?state=past_due&pageSize=1')).body.customers[0].id;
    const detail = await member.get(`/api/v1/customers/${id}`);
    expect(detail.status).toBe(200);
    for (const sub of detail.body.subscriptions) expect(sub.billing).toMatch(/ × .* every /);
    expect(detail.body.customer.currency).toEqual(expect.any(String));
    const failed = detail.body.payments.find((p: { status: string }) => p.status === 'failed');
    expect(failed.failure).toMatchObject({
      class: expect.stringMatching(/will_retry|customer_action|terminal/),
      advice: expect.any(String),
    });
    expect(detail.body.score.coverage).toMatchObject({ of: 6, provisional: expect.any(Boolean) });
  });
});

describe('the list opens on who needs attention', () => {
  const RANK: Record<string, number> = { red: 1, yellow: 2, green: 3 };
  const rank = (c: { riskLevel: string | null; state: { value: string | null } }) =>
    c.state.value === 'churned' || c.state.value === 'no_billing' ? 5 : (RANK[c.riskLevel ?? ''] ?? 4);

  it('by default: at risk, watch, healthy, not scored, then those who left; by MRR within each', async () => {
    const rows = (await all(member, 'q=')) as unknown as (Row & { state: { value: string | null } })[];
    expect(rows.length).toBe(await sqlCount(sql`true`));
    // The demo bills in several currencies: MRR within a rank is compared in the reporting currency, and amounts
    // without a rate come after the others (never compared with them).
    expect(rows.some((r) => r.mrr.inReporting?.amount === null)).toBe(true);
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1]!, rows[i]!];
      expect(rank(a), `${a.name} before ${b.name}`).toBeLessThanOrEqual(rank(b));
      if (rank(a) !== rank(b)) continue;
      const [x, y] = [a.mrr.inReporting?.amount ?? null, b.mrr.inReporting?.amount ?? null];
      if (x === null) expect(y, `${a.name} (no rate) before ${b.name}`).toBeNull();
      else if (y !== null) expect(x, `${a.name} before ${b.name}`).toBeGreaterThanOrEqual(y);
    }
    expect(rank(rows[0]!)).toBe(1);
    const explicit = await member.get('/api/v1/customers?sort=attention&pageSize=5');
    expect(explicit.body.customers.map((c: Row) => c.id)).toEqual(rows.slice(0, 5).map((r) => r.id));
  });

  it('reads the first page of a large organization from its index, not a sort', async () => {
    // Too few rows here for the planner to prefer the index by cost: sorting is disabled to show the index can serve
    // the order by itself (the expression must match the index's, character for character).
    await sql`set enable_sort = off`.execute(db());
    try {
      const plan = await sql<{ 'QUERY PLAN': string }>`explain select id from customers
        where org_id = ${owner.orgId} and deleted_at is null
        order by ${ATTENTION_RANK} asc, mrr_major desc nulls last, id asc limit 25`.execute(db());
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toMatch(/customers_attention_idx/);
      expect(text).not.toMatch(/Sort/);
    } finally {
      await sql`reset enable_sort`.execute(db());
    }
  });
});

describe('payment evidence', () => {
  it('takes a paid invoice for a payment, but not once its charge is disputed or refunded', async () => {
    const c = await db()
      .selectFrom('customers')
      .innerJoin('subscriptions', (j) =>
        j.onRef('subscriptions.stripe_customer_id', '=', 'customers.external_id').on('subscriptions.status', '=', 'active'),
      )
      .select(['customers.id', 'customers.external_id', 'subscriptions.currency'])
      .where('customers.org_id', '=', owner.orgId)
      .where('subscriptions.org_id', '=', owner.orgId)
      .limit(1)
      .executeTakeFirstOrThrow();
    const lastPayment = async () =>
      (await member.post(`/api/v1/customers/${c.id}/recalculate`)).body.customer?.lastPaymentAt ??
      (await member.get(`/api/v1/customers/${c.id}`)).body.customer.lastPaymentAt;
    const before = await lastPayment();
    const paidAt = new Date(Date.now() - 3600_000);
    await db()
      .insertInto('invoices')
      .values({
        org_id: owner.orgId,
        stripe_invoice_id: `in_evidence_${c.id}`,
        stripe_customer_id: c.external_id,
        status: 'paid',
        currency: c.currency,
        subtotal_cents: 77_700,
        total_cents: 77_700,
        amount_due_cents: 77_700,
        amount_paid_cents: 77_700,
        issued_at: paidAt,
        paid_at: paidAt,
        lines: JSON.stringify([]) as never,
      })
      .execute();
    expect(await lastPayment()).toBe(paidAt.toISOString());
    // The invoice's charge (same amount and currency, paid the same moment) is disputed: no longer a payment.
    await db()
      .insertInto('payments')
      .values({
        org_id: owner.orgId,
        stripe_payment_id: `ch_evidence_${c.id}`,
        stripe_customer_id: c.external_id,
        amount_cents: 77_700,
        currency: c.currency,
        status: 'succeeded',
        disputed: true,
        failure_code: null,
        failure_message: null,
        paid_at: new Date(paidAt.getTime() + 2000),
      })
      .execute();
    expect(await lastPayment()).toBe(before);
    // Nor once refunded in full.
    await db()
      .updateTable('payments')
      .set({ disputed: false, status: 'refunded' })
      .where('stripe_payment_id', '=', `ch_evidence_${c.id}`)
      .execute();
    expect(await lastPayment()).toBe(before);
    await db().updateTable('payments').set({ status: 'succeeded' }).where('stripe_payment_id', '=', `ch_evidence_${c.id}`).execute();
    expect(await lastPayment()).toBe(new Date(paidAt.getTime() + 2000).toISOString());
  });
});

describe('GET /customers/:id/version', () => {
  it('changes when the customer’s page would, and only then', async () => {
    const c = await db()
      .selectFrom('customers')
      .select(['id', 'external_id'])
      .where('org_id', '=', owner.orgId)
      .limit(1)
      .executeTakeFirstOrThrow();
    const first = await member.get(`/api/v1/customers/${c.id}/version`);
    expect(first.status).toBe(200);
    expect(first.body.version).toMatch(/^\d+$/);
    expect((await member.get(`/api/v1/customers/${c.id}/version`)).body.version).toBe(first.body.version);
    await db()
      .insertInto('payments')
      .values({
        org_id: owner.orgId,
        stripe_payment_id: `ch_version_${c.id}`,
        stripe_customer_id: c.external_id,
        amount_cents: 1200,
        currency: 'usd',
        status: 'succeeded',
        paid_at: new Date(),
      })
      .execute();
    const second = (await member.get(`/api/v1/customers/${c.id}/version`)).body.version;
    expect(second).not.toBe(first.body.version);
    await db()
      .updateTable('customers')
      .set({ name: 'Renamed', updated_at: sql`now()` })
      .where('id', '=', c.id)
      .execute();
    expect((await member.get(`/api/v1/customers/${c.id}/version`)).body.version).not.toBe(second);
    const stranger = await signUp(world.t, { organizationName: 'Elsewhere' });
    expect((await stranger.client.get(`/api/v1/customers/${c.id}/version`)).status).toBe(404);
    expect((await member.get('/api/v1/customers/nope/version')).status).toBe(404);
  });
});

describe('CSV export', () => {
  it('streams the filtered list with a header row', async () => {
    const res = await member.get('/api/v1/customers/export.csv?risk=red&sort=score');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="pulsescore-customers-\d{4}-\d\d-\d\d\.csv"/);
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,stripe_id,name,email,state,risk_level,score,mrr,currency,last_payment_at,customer_since');
    expect(lines.length - 1).toBe(await sqlCount(sql`risk_level = 'red'`));
    expect(lines.slice(1).every((l) => l.split(',')[5] === 'red')).toBe(true);
    expect((await member.get('/api/v1/customers/export.csv?risk=blue')).status).toBe(400);
  });

  it('quotes cells and defuses spreadsheet formulas', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('Smith, Jane')).toBe('"Smith, Jane"');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });
});

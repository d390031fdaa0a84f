import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { connectDatabase, type DatabaseHandle } from '../db/database.js';
import { historySince, type InvoiceLineRow, invoiceLines, openInvoiceSweep, sweepPays } from './invoice-lines.repo.js';

const ORG = 'org_sweep';
const OTHER = 'org_other';
const NOW = new Date('2026-12-01T00:00:00Z');
const since = historySince(NOW);
// Ids that sort differently by byte and by a linguistic collation (case, punctuation, digits).
const CUSTOMERS = ['cus_a1', 'cus_B2', 'cus_b3', 'cus_Z', 'cus__x', 'cus_-y', 'cus_1', 'cus_10', 'cus_9', 'cus_é'];
const DIRTY = new Set(['cus_B2', 'cus__x', 'cus_9']);

let database: TestDatabase;
let handle: DatabaseHandle;
const db = () => handle.db;

const line = (n: number) => ({ id: `il_${n}`, amount: 1000 + n, subscription_item: n % 2 ? 'si_1' : null, period_start: 1, period_end: 2 });

async function invoice(org: string, customer: string, n: number, issuedDaysAgo: number, lines: object[]) {
  await db()
    .insertInto('invoices')
    .values({
      org_id: org,
      stripe_invoice_id: `in_${org}_${customer}_${n}`,
      stripe_customer_id: customer,
      status: 'paid',
      currency: 'usd',
      subtotal_cents: 1000,
      total_cents: 1000,
      amount_due_cents: 1000,
      amount_paid_cents: 1000,
      issued_at: new Date(NOW.getTime() - issuedDaysAgo * 86_400_000),
      paid_at: new Date(NOW.getTime() - issuedDaysAgo * 86_400_000),
      lines: JSON.stringify(lines),
    })
    .execute();
}

beforeAll(async () => {
  database = await createTestDatabase();
  handle = connectDatabase(database.url);
  // A database whose text sorts linguistically (as many do), unlike this one's "C": the sweep must not depend on it.
  await sql`
    alter table customers alter column external_id type text collate "und-x-icu";
    alter table invoices alter column stripe_customer_id type text collate "und-x-icu"`.execute(db());
  await db()
    .insertInto('organizations')
    .values([
      { id: ORG, name: 'Sweep', slug: ORG },
      { id: OTHER, name: 'Other', slug: OTHER },
    ])
    .execute();
  for (const [i, external] of CUSTOMERS.entries()) {
    await db()
      .insertInto('customers')
      .values({ org_id: ORG, external_id: external, metadata: '{}', first_seen_at: NOW, score_dirty_at: DIRTY.has(external) ? NOW : null })
      .execute();
    // Two recent invoices (one with two lines, one with none), and one too old for the history.
    await invoice(ORG, external, 1, 10 + i, [line(i * 10), line(i * 10 + 1)]);
    await invoice(ORG, external, 2, 40 + i, []);
    await invoice(ORG, external, 3, 500, [line(i * 10 + 2)]);
    // The same customer id in another organization is not this one's.
    await invoice(OTHER, external, 1, 5, [line(999)]);
  }
  // Invoices of customers that have no customer row, sorting among and after the others.
  await invoice(ORG, 'cus_a0_ghost', 1, 3, [line(7)]);
  await invoice(ORG, 'cus_zz_ghost', 1, 3, [line(8)]);
  await invoice(ORG, 'cus_\u00ff', 1, 3, [line(9)]);
}, 60_000);

afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

const key = (r: InvoiceLineRow) => `${r.invoice}:${r.amount}`;

async function sweepAll(limit: number, onlyDirty: boolean) {
  return db()
    .transaction()
    .execute(async (trx) => {
      const sweep = await openInvoiceSweep(trx, ORG, since, onlyDirty);
      const batches: { externals: string[]; lines: InvoiceLineRow[] }[] = [];
      for (;;) {
        const { customers, lines } = await sweep.next(limit);
        if (customers.length === 0) break;
        batches.push({ externals: customers.map((c) => c.external_id), lines });
      }
      return batches;
    });
}

describe('invoice sweep', () => {
  it('is tested where the database orders these ids otherwise than by byte', async () => {
    const linguistic = await sql<{
      id: string;
    }>`select external_id as id from customers where org_id = ${ORG} order by external_id`.execute(db());
    const bytes = [...CUSTOMERS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(linguistic.rows.map((r) => r.id)).not.toEqual(bytes);
  });

  it.each([1, 3, 4, 100])('gives each batch of %i customers exactly the lines a look-up of its customers gives', async (limit) => {
    const batches = await sweepAll(limit, false);
    const seen = batches.flatMap((b) => b.externals);
    expect([...seen].sort()).toEqual([...CUSTOMERS].sort());
    expect(new Set(seen).size).toBe(CUSTOMERS.length);
    for (const b of batches) {
      expect(b.externals.length).toBeLessThanOrEqual(limit);
      const looked = await invoiceLines(db(), ORG, since, b.externals);
      expect(b.lines.map(key).sort()).toEqual(looked.map(key).sort());
    }
    // Every customer's two recent invoices: two lines, and one row for the invoice without lines.
    expect(batches.flatMap((b) => b.lines)).toHaveLength(CUSTOMERS.length * 3);
  });

  it('takes only the customers flagged as changed when asked to', async () => {
    const batches = await sweepAll(2, true);
    expect(batches.flatMap((b) => b.externals).sort()).toEqual([...DIRTY].sort());
    for (const b of batches) {
      const looked = await invoiceLines(db(), ORG, since, b.externals);
      expect(b.lines.map(key).sort()).toEqual(looked.map(key).sort());
    }
  });

  it('is chosen when most customers need their invoices read, not when most have kept invoice points', async () => {
    expect(await sweepPays(db(), ORG, false)).toBe(true);
    // Only 3 of 10 are flagged as changed.
    expect(await sweepPays(db(), ORG, true)).toBe(false);
    await sql`
      insert into customer_scores (customer_id, org_id, factors, scored_at, invoice_points, invoice_points_at)
      select id, org_id, '{}'::jsonb, now(), '{"points":[],"currencies":[]}'::jsonb, now() from customers where org_id = ${ORG}`.execute(
      db(),
    );
    expect(await sweepPays(db(), ORG, false)).toBe(false);
    expect(await sweepPays(db(), OTHER, false)).toBe(false);
  });
});

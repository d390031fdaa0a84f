import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/** How far back invoices feed the MRR history (the sync imports 12 months). */
export const HISTORY_DAYS = 400;

/** One invoice line with its invoice's columns, as plain numbers. */
export interface InvoiceLineRow {
  invoice: string;
  customer: string;
  subscription: string | null;
  status: string;
  currency: string;
  subtotal: number;
  total: number;
  amount: number | null;
  recurring: boolean | null;
  period_start: number | null;
  period_end: number | null;
  /** Unix seconds (as a number: a Date per invoice line costs more to parse than the rest of the row). */
  paid_at: number | null;
  amount_paid: number;
}

// One row per invoice line, as plain numbers: parsing every invoice's JSON in Node is the costliest part of a re-score.
const LINE_COLUMNS = sql`
  i.stripe_invoice_id as invoice, i.stripe_customer_id as customer, i.stripe_subscription_id as subscription,
  i.status, i.currency, i.subtotal_cents::float8 as subtotal, i.total_cents::float8 as total,
  (l ->> 'amount')::float8 as amount, (l ->> 'subscription_item') is not null as recurring,
  (l ->> 'period_start')::float8 as period_start, (l ->> 'period_end')::float8 as period_end,
  case when i.status = 'paid' and i.amount_paid_cents > 0 then extract(epoch from i.paid_at)::float8 end as paid_at,
  i.amount_paid_cents::float8 as amount_paid`;

export const historySince = (now: Date) => new Date(now.getTime() - HISTORY_DAYS * 86_400_000);

/** The invoice lines of some customers (by Stripe id) issued since `since`. */
export async function invoiceLines(db: Kysely<Database>, orgId: string, since: Date, externals: string[]): Promise<InvoiceLineRow[]> {
  if (externals.length === 0) return [];
  const result = await sql<InvoiceLineRow>`
    select ${LINE_COLUMNS}
    from invoices i left join lateral jsonb_array_elements(i.lines) l on true
    where i.org_id = ${orgId} and i.issued_at >= ${since} and i.stripe_customer_id = any(${externals})`.execute(db);
  return result.rows;
}

/** Fewer customers to re-score than this are looked up directly. */
const SWEEP_MIN = 100;

/** Whether reading all of an organization's invoices in one sweep beats looking them up batch by batch. */
export async function sweepPays(db: Kysely<Database>, orgId: string, onlyDirty: boolean): Promise<boolean> {
  // A webhook's re-score of a customer or two must not count the organization's customers first: a look at the
  // re-score flags' index says whether there are enough to consider.
  if (onlyDirty) {
    const few = await sql<{ n: number }>`
      select count(*)::int as n from (
        select 1 from customers where org_id = ${orgId} and score_dirty_at is not null limit ${SWEEP_MIN}) x`.execute(db);
    if (few.rows[0]!.n < SWEEP_MIN) return false;
  }
  // Customers scored with kept invoice points, and not changed since, do not read their invoices.
  const row = await sql<{ total: number; need: number }>`
    select count(*)::int as total,
      count(*) filter (where c.score_dirty_at is not null or (not ${onlyDirty}::boolean and s.invoice_points is null))::int as need
    from customers c left join customer_scores s on s.customer_id = c.id
    where c.org_id = ${orgId}`.execute(db);
  const { total, need } = row.rows[0]!;
  return need > 0 && need * 2 > total;
}

/** Byte order of UTF-8 text (PostgreSQL's "C" collation): negative when a sorts first. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Every customer of an organization with its invoice lines, read in one pass over the invoices instead of one
 * look-up per batch of customers. An account's invoices lie in the order the sync wrote them (by date, customers
 * interleaved), so a batch of 1000 customers' invoices sit on ~12,000 different pages: scoring 100k customers
 * that way read 1.2M pages one at a time (18 s of database time, most of the first scores after a sync). Here the
 * database reads the table once and sorts it by customer; customers are taken in the same order, a batch at a
 * time, and each batch gets the lines of its customers as the sorted rows reach them.
 *
 * Runs in `trx` (cursors live in a transaction), which sees the invoices as they were when it began: the caller
 * keeps the re-score flags of customers changed since. Worth it when most customers need their invoices read
 * (`sweepPays`): the first scores after a sync, a re-score after the kept invoice points were dropped.
 */
export async function openInvoiceSweep(trx: Kysely<Database>, orgId: string, since: Date, onlyDirty: boolean) {
  const FETCH = 5000;
  // Plan for reading every row (not for the first ones quickly, a cursor's default), with room to sort in memory.
  await sql`set local cursor_tuple_fraction = 1`.execute(trx);
  await sql`set local work_mem = '64MB'`.execute(trx);
  // Both in byte order ("C"), so that the order here and the comparisons below agree whatever the database's collation.
  await sql`
    declare sweep_customers no scroll cursor for
    select id, external_id from customers
    where org_id = ${orgId} and (not ${onlyDirty}::boolean or score_dirty_at is not null)
    order by external_id collate "C"`.execute(trx);
  await sql`
    declare sweep_lines no scroll cursor for
    select ${LINE_COLUMNS}
    from invoices i left join lateral jsonb_array_elements(i.lines) l on true
    where i.org_id = ${orgId} and i.issued_at >= ${since}
    order by i.stripe_customer_id collate "C"`.execute(trx);
  let pending: InvoiceLineRow[] = [];
  let at = 0;
  let linesDone = false;
  const nextLine = async (): Promise<InvoiceLineRow | null> => {
    if (at === pending.length) {
      if (linesDone) return null;
      pending = (await sql<InvoiceLineRow>`fetch forward ${sql.lit(FETCH)} from sweep_lines`.execute(trx)).rows;
      at = 0;
      if (pending.length < FETCH) linesDone = true;
      if (pending.length === 0) return null;
    }
    return pending[at]!;
  };
  return {
    /** The next customers in order, with the lines of their invoices; an empty list when all were read. */
    async next(limit: number): Promise<{ customers: { id: string; external_id: string }[]; lines: InvoiceLineRow[] }> {
      const customers = (await sql<{ id: string; external_id: string }>`fetch forward ${sql.lit(limit)} from sweep_customers`.execute(trx))
        .rows;
      const lines: InvoiceLineRow[] = [];
      if (customers.length === 0) return { customers, lines };
      const members = new Set(customers.map((c) => c.external_id));
      const last = customers.at(-1)!.external_id;
      for (let row = await nextLine(); row !== null; row = await nextLine()) {
        if (members.has(row.customer)) lines.push(row);
        // A customer past this batch's last starts the next batch; one before it has no customer row (skipped).
        else if (byteOrder(row.customer, last) > 0) break;
        at++;
      }
      return { customers, lines };
    },
  };
}

export type InvoiceSweep = Awaited<ReturnType<typeof openInvoiceSweep>>;

import { type Kysely, sql } from 'kysely';
import { AppError } from '../core/errors.js';
import type { Database } from '../db/schema.js';
import { priorityOf, satisfactionOf, type TicketPatch } from '../tickets/ticket-convention.js';
import { createTicketsRepo } from '../tickets/tickets.repo.js';
import { type CsvError, CsvSyntaxError, parseCsv } from './csv.js';

/**
 * Backfill from CSV: usage (`date, customer, event, events, active_users`) or tickets (`ticket_id, customer,
 * opened_at, status, priority, solved_at, satisfaction, subject`). Every row is checked first; one bad row
 * rejects the file (nothing is imported) and the errors are kept for a downloadable report. `customer` is a
 * Stripe customer id, a PulseScore customer id, a customer's email, or a Segment group already matched.
 */

export const MAX_IMPORT_ROWS = 100_000;
const MAX_KEPT_ERRORS = 10_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Well-formed requests whose file cannot be imported: 422, like every rule a schema cannot state. */
const invalidCsv = (message: string) => new AppError(422, 'invalid_csv', message);

export type ImportKind = 'usage' | 'tickets';

export const USAGE_COLUMNS = { required: ['date', 'customer', 'events'], optional: ['event', 'active_users'] };
export const TICKET_COLUMNS = {
  required: ['ticket_id', 'customer', 'opened_at'],
  optional: ['status', 'priority', 'solved_at', 'satisfaction', 'subject'],
};

const int = (v: string, max: number) => (/^\d+$/.test(v) && Number(v) <= max ? Number(v) : null);
const time = (v: string) => (v !== '' && Number.isFinite(Date.parse(v)) ? new Date(Date.parse(v)) : null);

async function customerRefs(db: Kysely<Database>, orgId: string, refs: string[]): Promise<Map<string, string>> {
  const found = await createTicketsRepo(db).customersByReference(orgId, refs);
  const groups = await db
    .selectFrom('usage_groups')
    .select(['group_id', 'customer_id'])
    .where('org_id', '=', orgId)
    .where('group_id', 'in', refs.length > 0 ? refs : [''])
    .where('customer_id', 'is not', null)
    .execute();
  for (const g of groups) if (!found.has(g.group_id)) found.set(g.group_id, g.customer_id!);
  return found;
}

export interface ImportResult {
  id: string;
  kind: ImportKind;
  status: 'imported' | 'rejected';
  rows: number;
  errorCount: number;
  errors: CsvError[];
  customers: string[];
  /** The import brought the organization its first tickets. */
  supportConnected: boolean;
}

export async function importCsv(
  db: Kysely<Database>,
  orgId: string,
  userId: string | null,
  kind: ImportKind,
  input: { csv: string; filename?: string | undefined },
  now: Date,
): Promise<ImportResult> {
  let parsed: ReturnType<typeof parseCsv>;
  try {
    parsed = parseCsv(input.csv, MAX_IMPORT_ROWS);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw invalidCsv(`The CSV cannot be read: ${err.message}.`);
    throw err;
  }
  const columns = kind === 'usage' ? USAGE_COLUMNS : TICKET_COLUMNS;
  const missing = columns.required.filter((c) => !parsed.header.includes(c));
  if (missing.length > 0) {
    throw invalidCsv(
      `The header row needs the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (columns: ${[...columns.required, ...columns.optional].join(', ')}).`,
    );
  }
  if (parsed.rows.length === 0) throw invalidCsv('The file has a header row but no rows.');
  const refs = await customerRefs(db, orgId, [...new Set(parsed.rows.map((r) => r.cells.customer!).filter((c) => c !== ''))]);
  const errors: CsvError[] = [];
  const fail = (row: number, column: string, value: string, message: string) => {
    if (errors.length < MAX_KEPT_ERRORS) errors.push({ row, column, value: value.slice(0, 200), message });
  };
  const customer = (line: number, v: string) => {
    const id = refs.get(v) ?? refs.get(v.toLowerCase());
    if (!id) fail(line, 'customer', v, v === '' ? 'is required' : 'matches no customer (Stripe id, email, or a matched Segment group)');
    return id ?? null;
  };
  const usage: { customer_id: string; day: string; event: string; events: number; users: number | null }[] = [];
  const tickets: TicketPatch[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of parsed.rows) {
    const c = customer(line, cells.customer!);
    if (kind === 'usage') {
      const day = cells.date!;
      const valid = DAY.test(day) && time(`${day}T00:00:00Z`) !== null && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);
      if (!valid) fail(line, 'date', day, 'must be a date (YYYY-MM-DD)');
      else if (Date.parse(`${day}T00:00:00Z`) > now.getTime()) fail(line, 'date', day, 'is in the future');
      const events = int(cells.events!, 1e9);
      if (events === null) fail(line, 'events', cells.events!, 'must be a whole number from 0');
      const usersText = cells.active_users ?? '';
      const users = usersText === '' ? null : int(usersText, 1e7);
      if (usersText !== '' && users === null) fail(line, 'active_users', usersText, 'must be a whole number from 0');
      const event = (cells.event ?? '').slice(0, 200) || 'imported';
      const key = `${c}|${day}|${event}`;
      if (c && valid && seen.has(key)) fail(line, 'date', day, `repeats line ${seen.get(key)} (same customer, date and event)`);
      seen.set(key, line);
      if (c && valid && events !== null) usage.push({ customer_id: c, day, event, events, users });
    } else {
      const id = cells.ticket_id!;
      if (id === '' || id.length > 200) fail(line, 'ticket_id', id, 'is required (at most 200 characters)');
      else if (seen.has(id)) fail(line, 'ticket_id', id, `repeats line ${seen.get(id)}`);
      seen.set(id, line);
      const opened = time(cells.opened_at!);
      if (!opened) fail(line, 'opened_at', cells.opened_at!, 'must be a date or time (ISO 8601)');
      const status = (cells.status ?? '').toLowerCase() || 'open';
      if (status !== 'open' && status !== 'solved') fail(line, 'status', cells.status!, 'must be open or solved');
      const solvedText = cells.solved_at ?? '';
      const solved = solvedText === '' ? null : time(solvedText);
      if (solvedText !== '' && !solved) fail(line, 'solved_at', solvedText, 'must be a date or time (ISO 8601)');
      if (status === 'solved' && solvedText === '') fail(line, 'solved_at', '', 'is required when status is solved');
      if (opened && solved && solved < opened) fail(line, 'solved_at', solvedText, 'is before opened_at');
      const priority = cells.priority ?? '';
      if (priority !== '' && !priorityOf(priority))
        fail(line, 'priority', priority, 'must be low, normal (or medium), high or urgent (or critical, p1)');
      const satText = cells.satisfaction ?? '';
      const satisfaction = satText === '' ? null : satisfactionOf(satText);
      if (satText !== '' && satisfaction === null) fail(line, 'satisfaction', satText, 'must be good, bad, 0–1 or a 1–5 rating');
      if (c && opened && id !== '') {
        tickets.push({
          externalId: id,
          subject: (cells.subject ?? '').slice(0, 300) || null,
          priority: priorityOf(priority),
          openedAt: opened.toISOString(),
          solvedAt: status === 'solved' && solved ? solved.toISOString() : null,
          satisfaction,
          customerId: c,
          groupId: null,
          userKey: null,
        });
      }
    }
  }
  const status = errors.length > 0 ? 'rejected' : 'imported';
  const record = (trx: Kysely<Database>) =>
    trx
      .insertInto('data_imports')
      .values({
        org_id: orgId,
        kind,
        filename: input.filename?.slice(0, 200) ?? null,
        status,
        rows: parsed.rows.length,
        errors: JSON.stringify(errors),
        created_by: userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  const customers = [...new Set([...usage.map((u) => u.customer_id), ...tickets.map((t) => t.customerId!)])];
  if (status === 'rejected') {
    const { id } = await record(db);
    return { id, kind, status, rows: parsed.rows.length, errorCount: errors.length, errors, customers: [], supportConnected: false };
  }
  // All or nothing: the rows and the record of the import in one transaction.
  const { id, supportConnected } = await db.transaction().execute(async (trx) => {
    let first = false;
    if (kind === 'usage') await writeUsage(trx, orgId, usage);
    else first = (await createTicketsRepo(trx).upsert(orgId, tickets, 'csv')).firstOfOrganization;
    return { id: (await record(trx)).id, supportConnected: first };
  });
  return { id, kind, status, rows: parsed.rows.length, errorCount: 0, errors: [], customers, supportConnected };
}

/** A usage row is the day's total for that customer and event: it replaces what was there. */
async function writeUsage(
  trx: Kysely<Database>,
  orgId: string,
  rows: { customer_id: string; day: string; event: string; events: number; users: number | null }[],
) {
  for (let i = 0; i < rows.length; i += 10_000) {
    const chunk = JSON.stringify(rows.slice(i, i + 10_000));
    await sql`
      with x as (select * from jsonb_to_recordset(${chunk}::jsonb) as x(customer_id uuid, day date, event text, events int, users int)),
      d as (
        insert into usage_daily (org_id, customer_id, day, event, events)
        select ${orgId}, customer_id, day, event, events from x
        on conflict (customer_id, day, event) do update set events = excluded.events
        returning customer_id, day
      )
      insert into usage_daily_users (org_id, customer_id, day, users, events)
      select ${orgId}, x.customer_id, x.day, coalesce(max(x.users), 0), 0 from x group by x.customer_id, x.day
      on conflict (customer_id, day) do update set users = greatest(usage_daily_users.users, excluded.users)`.execute(trx);
    // The day's event total, from its per-event rows.
    await sql`
      update usage_daily_users t set events = s.events
      from (select d.customer_id, d.day, sum(d.events)::int as events from usage_daily d
            join (select distinct customer_id, day from jsonb_to_recordset(${chunk}::jsonb) as x(customer_id uuid, day date)) k
              on k.customer_id = d.customer_id and k.day = d.day
            group by 1, 2) s
      where t.customer_id = s.customer_id and t.day = s.day`.execute(trx);
  }
}

/** The rows with an error, and the errors when a row has several: "2 rows have errors (3 problems)". */
function rejectedRows(r: ImportResult): string {
  const rows = new Set(r.errors.map((e) => e.row)).size;
  const problems = rows === r.errorCount ? '' : ` (${r.errorCount} problems)`;
  return `${rows} ${rows === 1 ? 'row has an error' : 'rows have errors'}${problems}`;
}

export const importRejected = (r: ImportResult) =>
  new AppError(422, 'import_rejected', `${rejectedRows(r)}; nothing was imported. Fix them and import the file again.`, {
    importId: r.id,
    errorCount: r.errorCount,
    errors: r.errors.slice(0, 50),
    errorReportUrl: `/api/v1/data-sources/imports/${r.id}/errors.csv`,
  });

import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { TicketPatch } from './ticket-convention.js';

export type TicketSource = 'segment' | 'api' | 'csv';

/**
 * Writes what events, the API or an import say about tickets: a ticket is one row per organization and ticket id.
 * A solved time wins over an older opening (events may arrive out of order); a later opening reopens it.
 */
export async function upsertTickets(
  db: Kysely<Database>,
  orgId: string,
  patches: TicketPatch[],
  source: TicketSource,
): Promise<{ written: number; firstOfOrganization: boolean }> {
  if (patches.length === 0) return { written: 0, firstOfOrganization: false };
  // An organization's first ticket connects support for all its customers ("no open tickets" where it said "no
  // support data source connected"): the caller re-scores the whole organization then.
  const before = await db.selectFrom('support_tickets').select('id').where('org_id', '=', orgId).limit(1).executeTakeFirst();
  // One patch per ticket: the statement below may touch a row once.
  const merged = new Map<string, TicketPatch>();
  for (const p of [...patches].sort((a, b) => Date.parse(a.solvedAt ?? a.openedAt) - Date.parse(b.solvedAt ?? b.openedAt))) {
    const prev = merged.get(p.externalId);
    merged.set(
      p.externalId,
      prev
        ? {
            ...p,
            openedAt: prev.openedAt < p.openedAt ? prev.openedAt : p.openedAt,
            solvedAt: p.solvedAt ?? (prev.solvedAt && prev.solvedAt >= p.openedAt ? prev.solvedAt : null),
            subject: p.subject ?? prev.subject,
            priority: p.priority ?? prev.priority,
            satisfaction: p.satisfaction ?? prev.satisfaction,
            customerId: p.customerId ?? prev.customerId,
          }
        : p,
    );
  }
  const rows = [...merged.values()].map((p) => ({
    external_id: p.externalId,
    subject: p.subject,
    priority: p.priority,
    opened_at: p.openedAt,
    solved_at: p.solvedAt,
    satisfaction: p.satisfaction,
    customer_id: p.customerId,
    group_id: p.groupId,
    user_key: p.userKey,
  }));
  const result = await sql<{ n: number }>`
    with x as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(
        external_id text, subject text, priority text, opened_at timestamptz, solved_at timestamptz, satisfaction real,
        customer_id uuid, group_id text, user_key text)
    ),
    up as (
      update support_tickets t set
        opened_at = least(t.opened_at, x.opened_at),
        solved_at = case when x.solved_at is not null then greatest(x.solved_at, coalesce(t.solved_at, x.solved_at))
                         when t.solved_at >= x.opened_at then t.solved_at end,
        status = case when x.solved_at is not null or t.solved_at >= x.opened_at then 'solved' else 'open' end,
        priority = coalesce(x.priority, t.priority),
        satisfaction = coalesce(x.satisfaction, t.satisfaction),
        subject = coalesce(x.subject, t.subject),
        customer_id = coalesce(x.customer_id, t.customer_id),
        group_id = coalesce(x.group_id, t.group_id),
        user_key = coalesce(x.user_key, t.user_key),
        updated_at = now()
      from x where t.org_id = ${orgId} and t.external_id = x.external_id
      returning t.external_id
    ),
    ins as (
      insert into support_tickets (org_id, external_id, customer_id, group_id, user_key, subject, priority, status, opened_at, solved_at, satisfaction, source)
      select ${orgId}, x.external_id, x.customer_id, x.group_id, x.user_key, x.subject, coalesce(x.priority, 'normal'),
        case when x.solved_at is not null then 'solved' else 'open' end, least(x.opened_at, coalesce(x.solved_at, x.opened_at)),
        x.solved_at, x.satisfaction, ${source}
      from x where x.external_id not in (select external_id from up)
      on conflict (org_id, external_id) do nothing
      returning 1
    )
    select (select count(*) from up)::int + (select count(*) from ins)::int as n`.execute(db);
  const written = result.rows[0]?.n ?? 0;
  return { written, firstOfOrganization: before === undefined && written > 0 };
}

export function createTicketsRepo(db: Kysely<Database>) {
  return {
    upsert: (orgId: string, patches: TicketPatch[], source: TicketSource) => upsertTickets(db, orgId, patches, source),

    /** The customers (of this organization) with these ids, Stripe ids or emails. */
    async customersByReference(orgId: string, refs: string[]): Promise<Map<string, string>> {
      if (refs.length === 0) return new Map();
      const uuids = refs.filter((r) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(r));
      const rows = await sql<{ id: string; external_id: string; email: string | null }>`
        select id, external_id, lower(email) as email from customers
        where org_id = ${orgId} and deleted_at is null
          and (id = any(${uuids}::uuid[]) or external_id = any(${refs}) or lower(email) = any(${refs.map((r) => r.toLowerCase())}))`.execute(
        db,
      );
      const out = new Map<string, string>();
      for (const r of rows.rows) {
        out.set(r.id, r.id);
        out.set(r.external_id, r.id);
        if (r.email) out.set(r.email, r.id);
      }
      return out;
    },

    list(orgId: string, customerId: string, limit = 50) {
      return db
        .selectFrom('support_tickets')
        .select(['id', 'external_id', 'subject', 'priority', 'status', 'opened_at', 'solved_at', 'satisfaction', 'source'])
        .where('org_id', '=', orgId)
        .where('customer_id', '=', customerId)
        .orderBy('opened_at', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

import { type Kysely, type SqlBool, sql } from 'kysely';
import type { Database, TicketPriority } from '../db/schema.js';
import { BASELINE_DAYS, type CustomerSignals, RECENT_DAYS, SUPPORT_DAYS } from './usage-factors.js';

const DAY_MS = 86_400_000;

/** Whether an organization has support tickets and CSM sentiments at all. */
export interface SignalSources {
  support: boolean;
  sentiment: boolean;
}

/** Asked once per re-score of an organization, so that its batches skip the look-ups that cannot find anything. */
export async function signalSources(db: Kysely<Database>, orgId: string): Promise<SignalSources> {
  const result = await sql<SignalSources>`
    select exists (select 1 from support_tickets where org_id = ${orgId}) as support,
           exists (select 1 from csm_sentiments where org_id = ${orgId}) as sentiment`.execute(db);
  return result.rows[0]!;
}

/**
 * What the usage, support and sentiment factors of some customers are computed from: sums of the daily usage
 * rollups over the recent week and the baseline before it (never raw events), the open and recent tickets, and
 * the latest sentiment. Up to three queries per batch of customers, side by side (none for a
 * source the organization does not have).
 */
export async function loadSignals(
  db: Kysely<Database>,
  orgId: string,
  ids: string[],
  now: Date,
  sources?: SignalSources,
): Promise<Map<string, CustomerSignals>> {
  const out = new Map<string, CustomerSignals>();
  if (ids.length === 0) return out;
  const today = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  const recentFrom = new Date(today.getTime() - RECENT_DAYS * DAY_MS);
  const windowFrom = new Date(recentFrom.getTime() - BASELINE_DAYS * DAY_MS);
  const supportSince = new Date(now.getTime() - SUPPORT_DAYS * DAY_MS);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const [usage, tickets, connected, sentiments] = await Promise.all([
    sql<{ id: string; ru: number; re: number; bu: number; be: number; first: string }>`
      select u.customer_id as id,
        coalesce(sum(u.users) filter (where u.day >= ${day(recentFrom)}::date), 0)::float8 as ru,
        coalesce(sum(u.events) filter (where u.day >= ${day(recentFrom)}::date), 0)::float8 as re,
        coalesce(sum(u.users) filter (where u.day < ${day(recentFrom)}::date), 0)::float8 as bu,
        coalesce(sum(u.events) filter (where u.day < ${day(recentFrom)}::date), 0)::float8 as be,
        (select min(f.day) from usage_daily_users f where f.customer_id = u.customer_id)::text as first
      from usage_daily_users u
      where u.org_id = ${orgId} and u.customer_id = any(${ids}::uuid[])
        and u.day >= ${day(windowFrom)}::date and u.day < ${day(today)}::date
      group by u.customer_id`.execute(db),
    sources?.support === false
      ? []
      : db
          .selectFrom('support_tickets')
          .select(['customer_id', 'priority', 'status', 'opened_at', 'solved_at', 'satisfaction'])
          .where('org_id', '=', orgId)
          .where(sql<SqlBool>`customer_id = any(${ids}::uuid[])`)
          .where((eb) => eb.or([eb('status', '=', 'open'), eb('opened_at', '>=', supportSince), eb('solved_at', '>=', supportSince)]))
          .execute(),
    sources ? sources.support : db.selectFrom('support_tickets').select('id').where('org_id', '=', orgId).limit(1).executeTakeFirst(),
    sources?.sentiment === false
      ? { rows: [] }
      : sql<{ customer_id: string; rating: number; note: string; created_at: Date; expires_at: Date; by: string | null }>`
      select distinct on (s.customer_id) s.customer_id, s.rating, s.note, s.created_at, s.expires_at, u.name as by
      from csm_sentiments s left join users u on u.id = s.created_by
      where s.org_id = ${orgId} and s.customer_id = any(${ids}::uuid[])
      order by s.customer_id, s.created_at desc`.execute(db),
  ]);
  const of = (id: string) => {
    let s = out.get(id);
    if (!s) out.set(id, (s = {}));
    return s;
  };
  for (const r of usage.rows) {
    const first = Date.parse(`${r.first}T00:00:00Z`);
    const days = Math.max(0, Math.min(BASELINE_DAYS, Math.round((recentFrom.getTime() - Math.max(first, windowFrom.getTime())) / DAY_MS)));
    of(r.id).usage = { recent: { userDays: r.ru, events: r.re }, baseline: { userDays: r.bu, events: r.be, days } };
  }
  if (connected) {
    for (const id of ids) of(id).support = { connected: true, tickets: [] };
    for (const t of tickets) {
      of(t.customer_id!).support!.tickets.push({
        priority: t.priority as TicketPriority,
        status: t.status,
        openedAt: t.opened_at.getTime() / 1000,
        solvedAt: t.solved_at ? t.solved_at.getTime() / 1000 : null,
        satisfaction: t.satisfaction,
      });
    }
  }
  for (const s of sentiments.rows) {
    of(s.customer_id).sentiment = {
      rating: s.rating,
      note: s.note,
      by: s.by,
      at: Math.floor(s.created_at.getTime() / 1000),
      expiresAt: Math.floor(s.expires_at.getTime() / 1000),
    };
  }
  return out;
}

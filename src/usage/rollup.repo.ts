import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { TICKET_OPENED, TICKET_SOLVED } from '../tickets/ticket-convention.js';

const TICKET_EVENTS = [TICKET_OPENED, TICKET_SOLVED];

/** A pending event as the rollup claims it: what the identity step and the ticket convention read, nothing more. */
export interface ClaimedEvent {
  id: number;
  org_id: string;
  type: string;
  event: string | null;
  user_key: string | null;
  group_id: string | null;
  occurred_at: Date;
  /** Only for identify and group calls (the only ones whose traits are read). */
  traits: Record<string, unknown> | null;
  /** Only for ticket events. */
  properties: Record<string, unknown> | null;
  message_id: string | null;
}

/**
 * Claims up to `limit` pending events, oldest first, locking them (another drain skips them). Only the parts of the
 * payload something reads are fetched: the traits of identify and group calls and the properties of ticket events
 * (most events are tracks, whose payload the rollup never needs).
 *
 * The plan is pinned to the ordered walk of the pending index, which stops after `limit` entries: when the table's
 * statistics are stale (a burst of events since the last ANALYZE) the planner otherwise picks a bitmap scan of
 * every pending event and an on-disk sort of all of them, for every chunk: draining a backlog became quadratic.
 */
export async function claimPending(trx: Kysely<Database>, limit: number): Promise<ClaimedEvent[]> {
  await sql`select set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)`.execute(trx);
  const rows = await sql<ClaimedEvent>`
    select id, org_id, type, event, coalesce(user_id, anonymous_id) as user_key, group_id, occurred_at,
      case when type in ('identify', 'group') then payload -> 'traits' end as traits,
      case when type = 'track' and event = any(${TICKET_EVENTS}::text[]) then payload -> 'properties' end as properties,
      case when type = 'track' and event = any(${TICKET_EVENTS}::text[]) then message_id end as message_id
    from usage_events where state = 0 order by id limit ${limit} for update skip locked`.execute(trx);
  // Back to the session's own settings for the rest of the transaction.
  await sql`select set_config(name, reset_val, true) from pg_settings where name in ('enable_bitmapscan', 'enable_seqscan')`.execute(trx);
  return rows.rows;
}

/** The customer of some events of an organization: their group's, else their user's (after the identity step). */
export async function customersOfEvents(trx: Kysely<Database>, orgId: string, ids: number[]): Promise<Map<number, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await sql<{ id: number; customer_id: string | null }>`
    select e.id, coalesce(g.customer_id, u.customer_id) as customer_id
    from unnest(${ids}::bigint[]) as c(id)
      join usage_events e on e.id = c.id
      left join usage_groups g on g.org_id = ${orgId} and g.group_id = e.group_id
      left join usage_users u on u.org_id = ${orgId} and u.user_key = coalesce(e.user_id, e.anonymous_id)`.execute(trx);
  return new Map(rows.rows.map((r) => [r.id, r.customer_id]));
}

/**
 * Rolls claimed events of one organization up, in one statement: each event gets its customer (its group's, else
 * its user's) and its state (1 rolled up; 2 a usage event of no customer yet, waiting for a mapping); usage events
 * of a customer are added to the daily rollups (events per event name; events and distinct users per day, a user
 * counted once a day through `usage_user_days`). Done in SQL so that a chunk of ten thousand events is neither
 * shipped back and forth as JSON nor walked on the event loop that also answers the intake.
 *
 * The events are looked up by id from the list (never "the organization's events, then those ids"): with stale
 * statistics the planner would read every event of the organization for each chunk.
 *
 * Returns the customers whose scores the chunk changes: usage factors read complete days only, so today's events
 * change a score tomorrow (the daily re-score); backfilled days and tickets change it now.
 */
export async function rollUpEvents(trx: Kysely<Database>, orgId: string, ids: number[], today: Date): Promise<string[]> {
  if (ids.length === 0) return [];
  const result = await sql<{ customer_id: string }>`
    with ev as materialized (
      select e.id, e.type, e.event, e.occurred_at, coalesce(e.user_id, e.anonymous_id) as user_key,
        coalesce(g.customer_id, u.customer_id) as customer_id,
        (e.type in ('page', 'screen') or (e.type = 'track' and coalesce(e.event <> all(${TICKET_EVENTS}::text[]), true))) as usage
      from unnest(${ids}::bigint[]) as c(id)
        join usage_events e on e.id = c.id
        left join usage_groups g on g.org_id = ${orgId} and g.group_id = e.group_id
        left join usage_users u on u.org_id = ${orgId} and u.user_key = coalesce(e.user_id, e.anonymous_id)
    ),
    marked as (
      update usage_events e set customer_id = ev.customer_id,
        state = case when ev.usage and ev.customer_id is null then 2 else 1 end
      from ev where e.id = ev.id
    ),
    used as (
      select customer_id, (occurred_at at time zone 'UTC')::date as day, coalesce(event, type) as event, user_key
      from ev where usage and customer_id is not null
    ),
    daily as (
      insert into usage_daily (org_id, customer_id, day, event, events)
      select ${orgId}, customer_id, day, event, count(*)::int from used group by customer_id, day, event
      on conflict (customer_id, day, event) do update set events = usage_daily.events + excluded.events
    ),
    new_users as (
      insert into usage_user_days (customer_id, day, user_key)
      select distinct customer_id, day, user_key from used where user_key is not null
      on conflict do nothing
      returning customer_id, day
    ),
    counted as (select customer_id, day, count(*)::int as n from new_users group by customer_id, day),
    totals as (
      insert into usage_daily_users (org_id, customer_id, day, users, events)
      select ${orgId}, t.customer_id, t.day, coalesce(c.n, 0), t.events
      from (select customer_id, day, count(*)::int as events from used group by customer_id, day) t
        left join counted c on c.customer_id = t.customer_id and c.day = t.day
      on conflict (customer_id, day) do update set users = usage_daily_users.users + excluded.users,
        events = usage_daily_users.events + excluded.events
    )
    select distinct customer_id from ev
    where customer_id is not null
      and ((usage and occurred_at < ${today}::timestamptz) or event = any(${TICKET_EVENTS}::text[]))`.execute(trx);
  return result.rows.map((r) => r.customer_id);
}

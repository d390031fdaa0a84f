import { type Kysely, sql } from 'kysely';
import type { AppLogger } from '../core/logger.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { isTicketEvent, type TicketPatch, ticketFromEvent } from '../tickets/ticket-convention.js';
import { upsertTickets } from '../tickets/tickets.repo.js';
import { type GroupIdentity, matchIdentities, type UserIdentity } from './matching.js';
import { rollupJob } from './usage.jobs.js';
import { createUsageRepo } from './usage.repo.js';

/** Events claimed per transaction. */
const CHUNK = 10_000;
/** Who was active on a day is kept this long, to count distinct users as late events arrive. */
const USER_DAYS_KEPT = 14;

interface RawEvent {
  id: string;
  org_id: string;
  message_id: string;
  type: string;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  group_id: string | null;
  occurred_at: Date;
  payload: { traits?: Record<string, unknown> | null; properties?: Record<string, unknown> | null };
}

const userKey = (e: RawEvent) => e.user_id ?? e.anonymous_id;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const isUsage = (e: RawEvent) => e.type === 'page' || e.type === 'screen' || (e.type === 'track' && !isTicketEvent(e.event));

export interface RollupDeps {
  db: Kysely<Database>;
  logger: AppLogger;
  /** Called once a drain is done, with the customers whose rollups or tickets changed (to re-score them). */
  onRolledUp?: (orgId: string, customerIds: string[]) => Promise<void>;
}

export function createRollupService(deps: RollupDeps) {
  const { db, logger } = deps;

  /**
   * Identities seen in a chunk. Those that identify or group calls describe are upserted with their traits merged;
   * those only seen in tracks are added when new (a busy account's every track must not rewrite its row). New and
   * described ones are then matched under the organization's rule.
   */
  async function identities(trx: Kysely<Database>, orgId: string, events: RawEvent[]) {
    interface Seen {
      traits: Record<string, unknown>;
      described: boolean;
      group: string | null;
      email: string | null;
      last: Date;
    }
    const groups = new Map<string, Seen>();
    const users = new Map<string, Seen>();
    const seen = (map: Map<string, Seen>, key: string, e: RawEvent) => {
      let x = map.get(key);
      if (!x) map.set(key, (x = { traits: {}, described: false, group: null, email: null, last: e.occurred_at }));
      if (e.occurred_at > x.last) x.last = e.occurred_at;
      return x;
    };
    for (const e of events) {
      const traits = e.payload.traits ?? {};
      if (e.group_id) {
        const g = seen(groups, e.group_id, e);
        if (e.type === 'group') {
          Object.assign(g.traits, traits);
          g.described = true;
        }
      }
      const key = userKey(e);
      if (key) {
        const u = seen(users, key, e);
        if (e.group_id) u.group = e.group_id;
        if (e.type === 'identify' || e.type === 'group') u.described = true;
        if (e.type === 'identify') {
          Object.assign(u.traits, traits);
          if (typeof traits.email === 'string') u.email = traits.email.slice(0, 320);
        }
      }
    }
    const rows = (map: Map<string, Seen>, described: boolean) =>
      [...map]
        .filter(([, x]) => x.described === described)
        .map(([key, x]) => ({ key, traits: x.traits, group_id: x.group, email: x.email, last: x.last.toISOString() }));
    const recordset = (r: unknown[]) =>
      sql`jsonb_to_recordset(${JSON.stringify(r)}::jsonb) as x(key text, traits jsonb, group_id text, email text, last timestamptz)`;
    const described = { groups: rows(groups, true), users: rows(users, true) };
    const onlySeen = { groups: rows(groups, false), users: rows(users, false) };
    const none = { rows: [] as never[] };
    const [g1, g2, u1, u2] = await Promise.all([
      described.groups.length === 0
        ? none
        : sql<GroupIdentity>`
            insert into usage_groups (org_id, group_id, traits, last_seen_at)
            select ${orgId}, x.key, x.traits, x.last from ${recordset(described.groups)}
            on conflict (org_id, group_id) do update set traits = usage_groups.traits || excluded.traits,
              last_seen_at = greatest(usage_groups.last_seen_at, excluded.last_seen_at)
            returning group_id, customer_id, matched_by, traits`.execute(trx),
      onlySeen.groups.length === 0
        ? none
        : sql<GroupIdentity>`
            insert into usage_groups (org_id, group_id, traits, last_seen_at)
            select ${orgId}, x.key, x.traits, x.last from ${recordset(onlySeen.groups)}
            on conflict (org_id, group_id) do nothing
            returning group_id, customer_id, matched_by, traits`.execute(trx),
      described.users.length === 0
        ? none
        : sql<UserIdentity>`
            insert into usage_users (org_id, user_key, traits, group_id, email, last_seen_at)
            select ${orgId}, x.key, x.traits, x.group_id, x.email, x.last from ${recordset(described.users)}
            on conflict (org_id, user_key) do update set traits = usage_users.traits || excluded.traits,
              group_id = coalesce(excluded.group_id, usage_users.group_id), email = coalesce(excluded.email, usage_users.email),
              last_seen_at = greatest(usage_users.last_seen_at, excluded.last_seen_at)
            returning user_key, group_id, email, customer_id, matched_by, traits`.execute(trx),
      onlySeen.users.length === 0
        ? none
        : sql<UserIdentity>`
            insert into usage_users (org_id, user_key, traits, group_id, email, last_seen_at)
            select ${orgId}, x.key, x.traits, x.group_id, x.email, x.last from ${recordset(onlySeen.users)}
            on conflict (org_id, user_key) do nothing
            returning user_key, group_id, email, customer_id, matched_by, traits`.execute(trx),
    ]);
    const newOrDescribed = { groups: [...g1.rows, ...g2.rows], users: [...u1.rows, ...u2.rows] };
    if (newOrDescribed.groups.length + newOrDescribed.users.length > 0) {
      const settings = await createUsageRepo(trx).settings(orgId);
      await matchIdentities(trx, orgId, settings, newOrDescribed.groups, newOrDescribed.users);
    }
    // Read back after matching: the customer of every group and user of the chunk.
    const [gm, um] = await Promise.all([
      groups.size === 0
        ? []
        : trx
            .selectFrom('usage_groups')
            .select(['group_id', 'customer_id'])
            .where('org_id', '=', orgId)
            .where('group_id', 'in', [...groups.keys()])
            .execute(),
      users.size === 0
        ? []
        : trx
            .selectFrom('usage_users')
            .select(['user_key', 'customer_id'])
            .where('org_id', '=', orgId)
            .where('user_key', 'in', [...users.keys()])
            .execute(),
    ]);
    return { groups: new Map(gm.map((r) => [r.group_id, r.customer_id])), users: new Map(um.map((r) => [r.user_key, r.customer_id])) };
  }

  /** Adds matched usage events to the daily rollups (events per event name; distinct users and events per day). */
  async function aggregate(
    trx: Kysely<Database>,
    orgId: string,
    events: { customer: string; day: string; event: string; user: string | null }[],
  ) {
    if (events.length === 0) return;
    const daily = new Map<string, { customer_id: string; day: string; event: string; events: number }>();
    const totals = new Map<string, { customer_id: string; day: string; events: number }>();
    const userDays = new Map<string, { customer_id: string; day: string; user_key: string }>();
    for (const e of events) {
      const k = `${e.customer}|${e.day}|${e.event}`;
      const d = daily.get(k) ?? { customer_id: e.customer, day: e.day, event: e.event, events: 0 };
      d.events++;
      daily.set(k, d);
      const t = totals.get(`${e.customer}|${e.day}`) ?? { customer_id: e.customer, day: e.day, events: 0 };
      t.events++;
      totals.set(`${e.customer}|${e.day}`, t);
      if (e.user) userDays.set(`${k}|${e.user}`, { customer_id: e.customer, day: e.day, user_key: e.user });
    }
    await sql`
      with d as (
        insert into usage_daily (org_id, customer_id, day, event, events)
        select ${orgId}, x.customer_id, x.day, x.event, x.events
        from jsonb_to_recordset(${JSON.stringify([...daily.values()])}::jsonb) as x(customer_id uuid, day date, event text, events int)
        on conflict (customer_id, day, event) do update set events = usage_daily.events + excluded.events
        returning 1
      ),
      nu as (
        insert into usage_user_days (customer_id, day, user_key)
        select distinct x.customer_id, x.day, x.user_key
        from jsonb_to_recordset(${JSON.stringify([...userDays.values()])}::jsonb) as x(customer_id uuid, day date, user_key text)
        on conflict do nothing
        returning customer_id, day
      ),
      counted as (select customer_id, day, count(*)::int as n from nu group by 1, 2)
      insert into usage_daily_users (org_id, customer_id, day, users, events)
      select ${orgId}, x.customer_id, x.day, coalesce(c.n, 0), x.events
      from jsonb_to_recordset(${JSON.stringify([...totals.values()])}::jsonb) as x(customer_id uuid, day date, events int)
        left join counted c on c.customer_id = x.customer_id and c.day = x.day
      on conflict (customer_id, day) do update set users = usage_daily_users.users + excluded.users,
        events = usage_daily_users.events + excluded.events`.execute(trx);
  }

  /** One chunk of pending events, in one transaction; returns how many were claimed. */
  async function rollupChunk(touched: Map<string, Set<string>>): Promise<number> {
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    return db.transaction().execute(async (trx) => {
      const events = (
        await sql<RawEvent>`
          select id, org_id, message_id, type, event, user_id, anonymous_id, group_id, occurred_at, payload
          from usage_events where state = 0 order by id limit ${CHUNK} for update skip locked`.execute(trx)
      ).rows;
      const byOrg = new Map<string, RawEvent[]>();
      for (const e of events) {
        const list = byOrg.get(e.org_id);
        if (list) list.push(e);
        else byOrg.set(e.org_id, [e]);
      }
      for (const [orgId, list] of byOrg) {
        const who = await identities(trx, orgId, list);
        const changed = touched.get(orgId) ?? new Set<string>();
        touched.set(orgId, changed);
        const marks: { id: string; customer_id: string | null; state: number }[] = [];
        const usage: { customer: string; day: string; event: string; user: string | null }[] = [];
        const tickets: TicketPatch[] = [];
        for (const e of list) {
          const key = userKey(e);
          const customer = (e.group_id ? who.groups.get(e.group_id) : null) ?? (key ? who.users.get(key) : null) ?? null;
          if (e.type === 'track' && isTicketEvent(e.event)) {
            const t = ticketFromEvent({
              event: e.event,
              messageId: e.message_id,
              properties: e.payload.properties ?? null,
              occurredAt: e.occurred_at.toISOString(),
              customerId: customer,
              groupId: e.group_id,
              userKey: key,
            });
            if (t) tickets.push(t);
            marks.push({ id: e.id, customer_id: customer, state: 1 });
          } else if (!isUsage(e)) {
            marks.push({ id: e.id, customer_id: customer, state: 1 });
          } else if (customer) {
            usage.push({ customer, day: dayOf(e.occurred_at), event: e.event ?? e.type, user: key });
            marks.push({ id: e.id, customer_id: customer, state: 1 });
          } else {
            marks.push({ id: e.id, customer_id: null, state: 2 });
          }
          // Usage factors read complete days only: today's events change a score tomorrow (the daily re-score),
          // backfilled days and tickets change it now.
          if (customer && ((isUsage(e) && e.occurred_at < today) || isTicketEvent(e.event))) changed.add(customer);
        }
        await aggregate(trx, orgId, usage);
        await upsertTickets(trx, orgId, tickets, 'segment');
        await sql`
          update usage_events u set customer_id = x.customer_id, state = x.state
          from jsonb_to_recordset(${JSON.stringify(marks)}::jsonb) as x(id bigint, customer_id uuid, state smallint)
          where u.id = x.id`.execute(trx);
      }
      return events.length;
    });
  }

  return {
    /** Rolls up every pending event, then has the customers whose rollups changed re-scored. */
    async drain(signal?: AbortSignal): Promise<number> {
      const touched = new Map<string, Set<string>>();
      let total = 0;
      for (;;) {
        const n = await rollupChunk(touched);
        total += n;
        if (n < CHUNK || signal?.aborted) break;
      }
      if (signal?.aborted) await enqueue(db, rollupJob, {});
      for (const [orgId, ids] of touched) if (ids.size > 0) await deps.onRolledUp?.(orgId, [...ids]);
      if (total > 0) logger.debug({ events: total }, 'usage events rolled up');
      return total;
    },

    /** Safety net: events stored but never rolled up (the job was lost) get a rollup job. */
    async recover(): Promise<void> {
      const row = await sql<{ id: string }>`
        select id from usage_events where state = 0 and received_at < now() - interval '5 seconds' limit 1`.execute(db);
      if (row.rows.length > 0) await enqueue(db, rollupJob, {});
    },

    /** Deletes raw events past each organization's retention period, and day-user sets past their use. */
    async purge(now = new Date()): Promise<{ events: number }> {
      const events = await sql`
        delete from usage_events e using (
          select o.id as org_id, coalesce(s.raw_retention_days, 30) as days
          from organizations o left join usage_settings s on s.org_id = o.id
        ) r
        where e.org_id = r.org_id and e.received_at < ${now}::timestamptz - make_interval(days => r.days) and e.state <> 0`.execute(db);
      await sql`delete from usage_user_days where day < (${now}::timestamptz - make_interval(days => ${USER_DAYS_KEPT}))::date`.execute(db);
      const deleted = Number(events.numAffectedRows ?? 0);
      logger.info({ events: deleted }, 'raw usage events past retention deleted');
      return { events: deleted };
    },
  };
}

export type RollupService = ReturnType<typeof createRollupService>;

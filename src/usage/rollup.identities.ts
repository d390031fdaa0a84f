import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { type GroupIdentity, matchIdentities, type UserIdentity } from './matching.js';
import { createUsageRepo } from './usage.repo.js';

/** What the identity step needs of a claimed event (traits only for identify and group calls). */
export interface IdentityEvent {
  type: string;
  user_key: string | null;
  group_id: string | null;
  occurred_at: Date;
  traits: Record<string, unknown> | null;
}

interface Seen {
  traits: Record<string, unknown>;
  described: boolean;
  group: string | null;
  email: string | null;
  last: Date;
}

const recordset = (r: unknown[]) =>
  sql`jsonb_to_recordset(${JSON.stringify(r)}::jsonb) as x(key text, traits jsonb, group_id text, email text, last timestamptz)`;

/**
 * Identities seen in a chunk of events. Those that identify or group calls describe are upserted with their traits
 * merged (in event order); those only seen in tracks are added when new (a busy account's every track must not
 * rewrite its row), except that a user first seen without a group takes the group of its first grouped track (an
 * `identify` often comes before any `context.groupId`, and may be rolled up in an earlier chunk). New and described ones are then matched under the organization's rule. Which customer each
 * event belongs to is read afterwards, in SQL, by the statement that rolls the chunk up (rollup.repo.ts). Returns
 * the customers whose tickets a new match moved.
 */
export async function upsertIdentities(trx: Kysely<Database>, orgId: string, events: IdentityEvent[]): Promise<string[]> {
  const groups = new Map<string, Seen>();
  const users = new Map<string, Seen>();
  const seen = (map: Map<string, Seen>, key: string, e: IdentityEvent) => {
    let x = map.get(key);
    if (!x) map.set(key, (x = { traits: {}, described: false, group: null, email: null, last: e.occurred_at }));
    if (e.occurred_at > x.last) x.last = e.occurred_at;
    return x;
  };
  for (const e of events) {
    const traits = e.traits ?? {};
    if (e.group_id) {
      const g = seen(groups, e.group_id, e);
      if (e.type === 'group') {
        Object.assign(g.traits, traits);
        g.described = true;
      }
    }
    if (e.user_key) {
      const u = seen(users, e.user_key, e);
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
          on conflict (org_id, user_key) do update set group_id = excluded.group_id
            where usage_users.group_id is null and excluded.group_id is not null
          returning user_key, group_id, email, customer_id, matched_by, traits`.execute(trx),
  ]);
  const newOrDescribed = { groups: [...g1.rows, ...g2.rows], users: [...u1.rows, ...u2.rows] };
  if (newOrDescribed.groups.length + newOrDescribed.users.length === 0) return [];
  const settings = await createUsageRepo(trx).settings(orgId);
  return (await matchIdentities(trx, orgId, settings, newOrDescribed.groups, newOrDescribed.users)).ticketCustomers;
}

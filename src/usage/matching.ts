import { type Kysely, sql } from 'kysely';
import type { Database, MatchBy, MatchedBy } from '../db/schema.js';

/**
 * Which customer a Segment group or user is: by the group's trait `stripe_customer_id` (the default), by a Stripe
 * metadata key the organization chooses (the customer's `metadata[key]` holds the group id), or by email domain
 * (the group's `email`/`website`/`domain` trait, or a user's email, against customers' email domains; a domain
 * several customers share, or a free-mail domain, matches none). A user belongs to its group's customer first.
 * Manual mappings are never overwritten.
 */

export interface MatchSettings {
  matchBy: MatchBy;
  metadataKey: string | null;
}

export interface GroupIdentity {
  group_id: string;
  customer_id: string | null;
  matched_by: MatchedBy | null;
  traits: Record<string, unknown>;
}

export interface UserIdentity {
  user_key: string;
  group_id: string | null;
  email: string | null;
  customer_id: string | null;
  matched_by: MatchedBy | null;
  traits: Record<string, unknown>;
}

const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'yandex.ru',
  'mail.ru',
  'qq.com',
  '163.com',
]);

/** The domain of an email address or a website (`https://www.acme.com/x` → `acme.com`); null for free mail. */
export function domainOf(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  let v = value.trim().toLowerCase();
  if (v.includes('@')) v = v.slice(v.lastIndexOf('@') + 1);
  v = v
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[/?#:].*$/, '')
    .replace(/^www\./, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v) || FREE_MAIL.has(v)) return null;
  return v;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null);
export const stripeIdTrait = (traits: Record<string, unknown>) => text(traits.stripe_customer_id) ?? text(traits.stripeCustomerId);
const groupDomain = (traits: Record<string, unknown>) => domainOf(traits.email) ?? domainOf(traits.website) ?? domainOf(traits.domain);

interface Resolved {
  customerId: string;
  by: MatchBy;
}

/** Looks up, in three queries at most, the customers the rule points at. */
async function lookups(
  db: Kysely<Database>,
  orgId: string,
  settings: MatchSettings,
  stripeIds: string[],
  groupIds: string[],
  domains: string[],
) {
  const [byStripe, byMeta, byDomain] = await Promise.all([
    stripeIds.length === 0
      ? []
      : db
          .selectFrom('customers')
          .select(['id', 'external_id'])
          .where('org_id', '=', orgId)
          .where('external_id', 'in', stripeIds)
          .where('deleted_at', 'is', null)
          .execute(),
    settings.matchBy !== 'metadata' || !settings.metadataKey || groupIds.length === 0
      ? []
      : sql<{ id: string; v: string }>`
          select id, metadata ->> ${settings.metadataKey} as v from customers
          where org_id = ${orgId} and deleted_at is null and metadata ->> ${settings.metadataKey} = any(${groupIds})`
          .execute(db)
          .then((r) => r.rows),
    domains.length === 0
      ? []
      : sql<{ d: string; ids: string[] }>`
          select split_part(lower(email), '@', 2) as d, array_agg(id::text) as ids from customers
          where org_id = ${orgId} and deleted_at is null and split_part(lower(email), '@', 2) = any(${domains})
          group by 1`
          .execute(db)
          .then((r) => r.rows),
  ]);
  return {
    stripe: new Map(byStripe.map((c) => [c.external_id, c.id])),
    meta: new Map(byMeta.map((c) => [c.v, c.id])),
    // A domain shared by several customers says nothing about which one.
    domain: new Map(byDomain.filter((d) => d.ids.length === 1).map((d) => [d.d, d.ids[0]!])),
  };
}

/**
 * Matches groups and users under the organization's rule and writes what changed. Returns the group ids and user
 * keys whose customer changed (their waiting events are reopened) and the customers whose tickets moved.
 */
export async function matchIdentities(
  db: Kysely<Database>,
  orgId: string,
  settings: MatchSettings,
  groups: GroupIdentity[],
  users: UserIdentity[],
): Promise<{ groups: string[]; users: string[]; ticketCustomers: string[] }> {
  const autoGroups = groups.filter((g) => g.matched_by !== 'manual');
  const autoUsers = users.filter((u) => u.matched_by !== 'manual');
  const stripeIds = new Set<string>();
  const domains = new Set<string>();
  for (const g of autoGroups) {
    const s = stripeIdTrait(g.traits);
    if (s && settings.matchBy === 'trait') stripeIds.add(s);
    const d = groupDomain(g.traits);
    if (d && settings.matchBy === 'email_domain') domains.add(d);
  }
  for (const u of autoUsers) {
    const s = stripeIdTrait(u.traits);
    if (s && settings.matchBy === 'trait') stripeIds.add(s);
    const d = domainOf(u.email);
    if (d && settings.matchBy === 'email_domain') domains.add(d);
  }
  const found = await lookups(
    db,
    orgId,
    settings,
    [...stripeIds],
    autoGroups.map((g) => g.group_id),
    [...domains],
  );
  const resolveGroup = (g: GroupIdentity): Resolved | null => {
    if (settings.matchBy === 'trait') {
      const id = found.stripe.get(stripeIdTrait(g.traits) ?? '');
      return id ? { customerId: id, by: 'trait' } : null;
    }
    if (settings.matchBy === 'metadata') {
      const id = found.meta.get(g.group_id);
      return id ? { customerId: id, by: 'metadata' } : null;
    }
    const id = found.domain.get(groupDomain(g.traits) ?? '');
    return id ? { customerId: id, by: 'email_domain' } : null;
  };
  const changedGroups: { group_id: string; customer_id: string; matched_by: string }[] = [];
  const groupCustomer = new Map(groups.map((g) => [g.group_id, g.customer_id]));
  for (const g of autoGroups) {
    const r = resolveGroup(g);
    if (r && (r.customerId !== g.customer_id || r.by !== g.matched_by)) {
      changedGroups.push({ group_id: g.group_id, customer_id: r.customerId, matched_by: r.by });
      groupCustomer.set(g.group_id, r.customerId);
    }
  }
  // A user's group decides first; its own traits or email only when it has no matched group.
  const userGroups = [...new Set(autoUsers.map((u) => u.group_id).filter((g): g is string => g !== null && !groupCustomer.has(g)))];
  if (userGroups.length > 0) {
    const rows = await db
      .selectFrom('usage_groups')
      .select(['group_id', 'customer_id'])
      .where('org_id', '=', orgId)
      .where('group_id', 'in', userGroups)
      .execute();
    for (const r of rows) groupCustomer.set(r.group_id, r.customer_id);
  }
  const changedUsers: { user_key: string; customer_id: string; matched_by: string }[] = [];
  for (const u of autoUsers) {
    const viaGroup = u.group_id ? groupCustomer.get(u.group_id) : null;
    let r: { customerId: string; by: MatchedBy } | null = viaGroup ? { customerId: viaGroup, by: 'group' } : null;
    if (!r && settings.matchBy === 'trait') {
      const id = found.stripe.get(stripeIdTrait(u.traits) ?? '');
      if (id) r = { customerId: id, by: 'trait' };
    }
    if (!r && settings.matchBy === 'email_domain') {
      const id = found.domain.get(domainOf(u.email) ?? '');
      if (id) r = { customerId: id, by: 'email_domain' };
    }
    if (r && (r.customerId !== u.customer_id || r.by !== u.matched_by)) {
      changedUsers.push({ user_key: u.user_key, customer_id: r.customerId, matched_by: r.by });
    }
  }
  if (changedGroups.length > 0) {
    await sql`
      update usage_groups g set customer_id = x.customer_id, matched_by = x.matched_by
      from jsonb_to_recordset(${JSON.stringify(changedGroups)}::jsonb) as x(group_id text, customer_id uuid, matched_by text)
      where g.org_id = ${orgId} and g.group_id = x.group_id`.execute(db);
  }
  if (changedUsers.length > 0) {
    await sql`
      update usage_users u set customer_id = x.customer_id, matched_by = x.matched_by
      from jsonb_to_recordset(${JSON.stringify(changedUsers)}::jsonb) as x(user_key text, customer_id uuid, matched_by text)
      where u.org_id = ${orgId} and u.user_key = x.user_key`.execute(db);
  }
  const result = { groups: changedGroups.map((g) => g.group_id), users: changedUsers.map((u) => u.user_key) };
  if (result.groups.length > 0) {
    // The other users of a group that changed customer follow it (unless mapped by hand).
    const followers = await sql<{ user_key: string }>`
      update usage_users u set customer_id = g.customer_id, matched_by = 'group'
      from usage_groups g
      where u.org_id = ${orgId} and g.org_id = ${orgId} and u.group_id = g.group_id and g.group_id = any(${result.groups})
        and u.matched_by is distinct from 'manual' and u.customer_id is distinct from g.customer_id
      returning u.user_key`.execute(db);
    result.users.push(...followers.rows.map((r) => r.user_key));
  }
  return { ...result, ticketCustomers: await reopenWaiting(db, orgId, result) };
}

/**
 * Events that were waiting for a match of these groups or users go back to the rollup (which attributes them), and
 * their tickets follow the identity's customer. Returns the customers whose tickets changed (the old and the new
 * one): ticket events are not waiting events, so the rollup would not re-score them.
 */
export async function reopenWaiting(
  db: Kysely<Database>,
  orgId: string,
  changed: { groups: string[]; users: string[] },
): Promise<string[]> {
  const { groups, users } = changed;
  if (groups.length === 0 && users.length === 0) return [];
  await sql`
    update usage_events set state = 0
    where org_id = ${orgId} and state = 2
      and (group_id = any(${groups}) or coalesce(user_id, anonymous_id) = any(${users}))`.execute(db);
  const moved = await sql<{ before: string | null; after: string }>`
    update support_tickets t set customer_id = coalesce(g.customer_id, u.customer_id), updated_at = now()
    from support_tickets s
      left join usage_groups g on g.org_id = s.org_id and g.group_id = s.group_id
      left join usage_users u on u.org_id = s.org_id and u.user_key = s.user_key
    where t.id = s.id and s.org_id = ${orgId}
      and (s.group_id = any(${groups}) or s.user_key = any(${users}))
      and coalesce(g.customer_id, u.customer_id) is not null
      and s.customer_id is distinct from coalesce(g.customer_id, u.customer_id)
    returning s.customer_id as before, t.customer_id as after`.execute(db);
  return [...new Set(moved.rows.flatMap((r) => (r.before ? [r.before, r.after] : [r.after])))];
}

import { type Kysely, sql } from 'kysely';
import type { Database, MatchBy } from '../db/schema.js';

export interface UsageSettings {
  matchBy: MatchBy;
  metadataKey: string | null;
  rawRetentionDays: number;
  sentimentDays: number;
}

export const DEFAULT_USAGE_SETTINGS: UsageSettings = { matchBy: 'trait', metadataKey: null, rawRetentionDays: 30, sentimentDays: 30 };

export function createUsageRepo(db: Kysely<Database>) {
  return {
    async settings(orgId: string): Promise<UsageSettings> {
      const row = await db.selectFrom('usage_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
      if (!row) return DEFAULT_USAGE_SETTINGS;
      return {
        matchBy: row.match_by,
        metadataKey: row.metadata_key,
        rawRetentionDays: row.raw_retention_days,
        sentimentDays: row.sentiment_days,
      };
    },

    async saveSettings(orgId: string, s: UsageSettings, userId: string | null): Promise<void> {
      const values = {
        match_by: s.matchBy,
        metadata_key: s.metadataKey,
        raw_retention_days: s.rawRetentionDays,
        sentiment_days: s.sentimentDays,
        updated_by: userId,
        updated_at: new Date(),
      };
      await db
        .insertInto('usage_settings')
        .values({ org_id: orgId, ...values })
        .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
        .execute();
    },

    /** What has arrived: events kept raw, waiting for a match, rolled up; matched and unmatched identities. */
    async status(orgId: string) {
      const row = await sql<{
        raw: number;
        waiting: number;
        pending: number;
        last: Date | null;
        groups: number;
        unmatched_groups: number;
        users: number;
        unmatched_users: number;
        customers: number;
        tickets: number;
      }>`
        select
          (select count(*) from usage_events where org_id = ${orgId})::int as raw,
          (select count(*) from usage_events where org_id = ${orgId} and state = 2)::int as waiting,
          (select count(*) from usage_events where org_id = ${orgId} and state = 0)::int as pending,
          (select max(received_at) from usage_events where org_id = ${orgId}) as last,
          (select count(*) from usage_groups where org_id = ${orgId})::int as groups,
          (select count(*) from usage_groups where org_id = ${orgId} and customer_id is null)::int as unmatched_groups,
          (select count(*) from usage_users where org_id = ${orgId})::int as users,
          (select count(*) from usage_users where org_id = ${orgId} and customer_id is null)::int as unmatched_users,
          (select count(distinct customer_id) from usage_daily_users where org_id = ${orgId})::int as customers,
          (select count(*) from support_tickets where org_id = ${orgId})::int as tickets`.execute(db);
      return row.rows[0]!;
    },

    /** Groups matching no customer, with the events waiting for them. */
    async unmatchedGroups(orgId: string, limit: number) {
      const rows = await sql<{
        group_id: string;
        traits: Record<string, unknown>;
        events: number;
        first_seen_at: Date;
        last_seen_at: Date;
      }>`
        select g.group_id, g.traits, g.first_seen_at, g.last_seen_at,
          (select count(*) from usage_events e where e.org_id = g.org_id and e.state = 2 and e.group_id = g.group_id)::int as events
        from usage_groups g where g.org_id = ${orgId} and g.customer_id is null
        order by g.last_seen_at desc limit ${limit}`.execute(db);
      return rows.rows;
    },

    async unmatchedUsers(orgId: string, limit: number) {
      const rows = await sql<{
        user_key: string;
        group_id: string | null;
        email: string | null;
        traits: Record<string, unknown>;
        events: number;
        first_seen_at: Date;
        last_seen_at: Date;
      }>`
        select u.user_key, u.group_id, u.email, u.traits, u.first_seen_at, u.last_seen_at,
          (select count(*) from usage_events e where e.org_id = u.org_id and e.state = 2 and e.group_id is null
             and coalesce(e.user_id, e.anonymous_id) = u.user_key)::int as events
        from usage_users u where u.org_id = ${orgId} and u.customer_id is null
        order by u.last_seen_at desc limit ${limit}`.execute(db);
      return rows.rows;
    },

    async customerExists(orgId: string, customerId: string): Promise<boolean> {
      const row = await db.selectFrom('customers').select('id').where('org_id', '=', orgId).where('id', '=', customerId).executeTakeFirst();
      return row !== undefined;
    },

    /** Maps a group (or user) by hand; null un-maps it. False when it was never seen. */
    async mapGroup(orgId: string, groupId: string, customerId: string | null): Promise<boolean> {
      const res = await db
        .updateTable('usage_groups')
        .set({ customer_id: customerId, matched_by: customerId ? 'manual' : null })
        .where('org_id', '=', orgId)
        .where('group_id', '=', groupId)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async mapUser(orgId: string, userKey: string, customerId: string | null): Promise<boolean> {
      const res = await db
        .updateTable('usage_users')
        .set({ customer_id: customerId, matched_by: customerId ? 'manual' : null })
        .where('org_id', '=', orgId)
        .where('user_key', '=', userKey)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    /** Every group and user matched automatically (or not at all), for a re-match under a new rule. */
    async autoIdentities(orgId: string) {
      const [groups, users] = await Promise.all([
        db
          .selectFrom('usage_groups')
          .select(['group_id', 'customer_id', 'matched_by', 'traits'])
          .where('org_id', '=', orgId)
          .where((eb) => eb.or([eb('matched_by', 'is', null), eb('matched_by', '!=', 'manual')]))
          .execute(),
        db
          .selectFrom('usage_users')
          .select(['user_key', 'group_id', 'email', 'customer_id', 'matched_by', 'traits'])
          .where('org_id', '=', orgId)
          .where((eb) => eb.or([eb('matched_by', 'is', null), eb('matched_by', '!=', 'manual')]))
          .execute(),
      ]);
      return { groups, users };
    },
  };
}

export type UsageRepo = ReturnType<typeof createUsageRepo>;

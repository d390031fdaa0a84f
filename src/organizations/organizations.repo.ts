import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.js';

export function createOrganizationsRepo(db: Kysely<Database>) {
  return {
    findById(orgId: string) {
      return db.selectFrom('organizations').select(['id', 'name', 'slug', 'created_at']).where('id', '=', orgId).executeTakeFirst();
    },
    async rename(orgId: string, name: string) {
      return db
        .updateTable('organizations')
        .set({ name })
        .where('id', '=', orgId)
        .returning(['id', 'name', 'slug', 'created_at'])
        .executeTakeFirst();
    },
    membershipsOf(userId: string) {
      return db
        .selectFrom('members')
        .innerJoin('organizations', 'organizations.id', 'members.org_id')
        .select(['organizations.id', 'organizations.name', 'organizations.slug', 'members.role', 'members.created_at as joined_at'])
        .where('members.user_id', '=', userId)
        .orderBy('members.created_at', 'asc')
        .execute();
    },
    async roleOf(userId: string, orgId: string): Promise<Role | null> {
      const row = await db
        .selectFrom('members')
        .select('role')
        .where('user_id', '=', userId)
        .where('org_id', '=', orgId)
        .executeTakeFirst();
      return row?.role ?? null;
    },
    async firstOrganizationOf(userId: string): Promise<string | null> {
      const row = await db
        .selectFrom('members')
        .select('org_id')
        .where('user_id', '=', userId)
        .orderBy('created_at', 'asc')
        .limit(1)
        .executeTakeFirst();
      return row?.org_id ?? null;
    },
    async setActiveOrganization(sessionId: string, orgId: string | null): Promise<void> {
      await db.updateTable('sessions').set({ active_organization_id: orgId }).where('id', '=', sessionId).execute();
    },
  };
}

export type OrganizationsRepo = ReturnType<typeof createOrganizationsRepo>;

import type { Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.js';

export function createMembersRepo(db: Kysely<Database>) {
  return {
    list(orgId: string) {
      return db
        .selectFrom('members')
        .innerJoin('users', 'users.id', 'members.user_id')
        .select(['members.id', 'members.user_id', 'members.role', 'members.created_at', 'users.name', 'users.email'])
        .where('members.org_id', '=', orgId)
        .orderBy('members.created_at', 'asc')
        .execute();
    },
    /** Locks the organization's member rows so owner counts cannot race. */
    lockAll(orgId: string) {
      return db.selectFrom('members').select(['id', 'user_id', 'role']).where('org_id', '=', orgId).forUpdate().execute();
    },
    findOne(orgId: string, memberId: string) {
      return db
        .selectFrom('members')
        .innerJoin('users', 'users.id', 'members.user_id')
        .select(['members.id', 'members.user_id', 'members.role', 'members.created_at', 'users.name', 'users.email'])
        .where('members.org_id', '=', orgId)
        .where('members.id', '=', memberId)
        .executeTakeFirst();
    },
    async setRole(orgId: string, memberId: string, role: Role): Promise<void> {
      await db.updateTable('members').set({ role }).where('org_id', '=', orgId).where('id', '=', memberId).execute();
    },
    async remove(orgId: string, memberId: string): Promise<void> {
      await db.deleteFrom('members').where('org_id', '=', orgId).where('id', '=', memberId).execute();
    },
    async insert(input: { id: string; orgId: string; userId: string; role: Role }): Promise<void> {
      await db
        .insertInto('members')
        .values({ id: input.id, org_id: input.orgId, user_id: input.userId, role: input.role })
        .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
        .execute();
    },
    async isMemberByEmail(orgId: string, email: string): Promise<boolean> {
      const row = await db
        .selectFrom('members')
        .innerJoin('users', 'users.id', 'members.user_id')
        .select('members.id')
        .where('members.org_id', '=', orgId)
        .where((eb) => eb(eb.fn('lower', ['users.email']), '=', email.toLowerCase()))
        .executeTakeFirst();
      return row !== undefined;
    },
    /** Sessions that were acting in an organization the user has left fall back to no organization. */
    async detachSessions(orgId: string, userId: string): Promise<void> {
      await db
        .updateTable('sessions')
        .set({ active_organization_id: null })
        .where('user_id', '=', userId)
        .where('active_organization_id', '=', orgId)
        .execute();
    },
  };
}

import type { Kysely } from 'kysely';
import type { ApiKeysTable, Database } from '../db/schema.js';
import type { Insertable } from 'kysely';

const PUBLIC_COLUMNS = ['id', 'name', 'role', 'prefix', 'created_at', 'last_used_at'] as const;

export function createApiKeysRepo(db: Kysely<Database>) {
  return {
    listActive(orgId: string) {
      return db
        .selectFrom('api_keys')
        .select(PUBLIC_COLUMNS)
        .where('org_id', '=', orgId)
        .where('revoked_at', 'is', null)
        .orderBy('created_at', 'desc')
        .execute();
    },
    insert(row: Insertable<ApiKeysTable>) {
      return db.insertInto('api_keys').values(row).returning(PUBLIC_COLUMNS).executeTakeFirstOrThrow();
    },
    async revoke(orgId: string, id: string): Promise<boolean> {
      const res = await db
        .updateTable('api_keys')
        .set({ revoked_at: new Date() })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    /** An active key with its creator's current role in the key's organization (null: no longer a member). */
    findActiveByHash(keyHash: string) {
      return db
        .selectFrom('api_keys')
        .leftJoin('members as creator', (join) =>
          join.onRef('creator.org_id', '=', 'api_keys.org_id').onRef('creator.user_id', '=', 'api_keys.created_by'),
        )
        .select([
          'api_keys.id',
          'api_keys.org_id',
          'api_keys.role',
          'api_keys.last_used_at',
          'api_keys.created_by',
          'creator.role as creator_role',
        ])
        .where('api_keys.key_hash', '=', keyHash)
        .where('api_keys.revoked_at', 'is', null)
        .executeTakeFirst();
    },
    /** Revokes every key a user created in an organization (they left it or were removed). */
    async revokeCreatedBy(orgId: string, userId: string): Promise<number> {
      const res = await db
        .updateTable('api_keys')
        .set({ revoked_at: new Date() })
        .where('org_id', '=', orgId)
        .where('created_by', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async touch(id: string): Promise<void> {
      await db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', id).execute();
    },
  };
}

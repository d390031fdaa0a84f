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
    findActiveByHash(keyHash: string) {
      return db
        .selectFrom('api_keys')
        .select(['id', 'org_id', 'role', 'last_used_at'])
        .where('key_hash', '=', keyHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
    },
    async touch(id: string): Promise<void> {
      await db.updateTable('api_keys').set({ last_used_at: new Date() }).where('id', '=', id).execute();
    },
  };
}

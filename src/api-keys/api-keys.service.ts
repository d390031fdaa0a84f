import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { forbidden, notFound } from '../core/errors.js';
import { type OrgContext, atLeast, requireRole } from '../auth/roles.js';
import type { Database, Role } from '../db/schema.js';
import { createApiKeysRepo } from './api-keys.repo.js';

const KEY_PREFIX = 'psk_';
const TOUCH_INTERVAL_MS = 60_000;

/** Keys are 192 random bits, so a fast hash is enough: there is nothing to brute-force. */
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

export const looksLikeApiKey = (token: string) => token.startsWith(KEY_PREFIX) && token.length > KEY_PREFIX.length + 20;

function keyDto(k: { id: string; name: string; role: 'admin' | 'member'; prefix: string; created_at: Date; last_used_at: Date | null }) {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    prefix: k.prefix,
    createdAt: k.created_at.toISOString(),
    lastUsedAt: k.last_used_at?.toISOString() ?? null,
  };
}

export function createApiKeysService(deps: { db: Kysely<Database> }) {
  const repo = createApiKeysRepo(deps.db);
  return {
    async list(ctx: OrgContext) {
      // Keys carry admin rights: only those who may create them see them.
      requireRole(ctx, 'admin', 'see API keys');
      return (await repo.listActive(ctx.orgId)).map(keyDto);
    },

    /** Returns the secret once; only its hash is stored. */
    async create(ctx: OrgContext, input: { name: string; role: 'admin' | 'member' }) {
      requireRole(ctx, 'admin', 'create API keys');
      if (!atLeast(ctx.role, input.role)) throw forbidden('An API key cannot have more rights than its creator.');
      const secret = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
      const row = await repo.insert({
        org_id: ctx.orgId,
        name: input.name,
        role: input.role,
        prefix: secret.slice(0, KEY_PREFIX.length + 6),
        key_hash: hashApiKey(secret),
        created_by: ctx.userId,
      });
      return { ...keyDto(row), key: secret };
    },

    async revoke(ctx: OrgContext, id: string) {
      requireRole(ctx, 'admin', 'revoke API keys');
      if (!(await repo.revoke(ctx.orgId, id))) throw notFound('API key');
    },

    async authenticate(token: string): Promise<{ apiKeyId: string; orgId: string; role: Role } | null> {
      if (!looksLikeApiKey(token)) return null;
      const key = await repo.findActiveByHash(hashApiKey(token));
      if (!key) return null;
      // A key never outlives its creator's membership, nor carries more rights than the creator has now: a
      // removed admin's keys stop working (and are revoked), a demoted admin's keys act as a member.
      if (key.created_by !== null && key.creator_role === null) {
        await repo.revokeCreatedBy(key.org_id, key.created_by);
        return null;
      }
      const role = key.creator_role && !atLeast(key.creator_role, key.role) ? (key.creator_role as 'admin' | 'member') : key.role;
      if (!key.last_used_at || Date.now() - key.last_used_at.getTime() > TOUCH_INTERVAL_MS) await repo.touch(key.id);
      return { apiKeyId: key.id, orgId: key.org_id, role };
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;

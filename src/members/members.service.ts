import type { Kysely } from 'kysely';
import { conflict, forbidden, notFound } from '../core/errors.js';
import { type OrgContext, atLeast, requireRole } from '../auth/roles.js';
import type { Database, Role } from '../db/schema.js';
import { createApiKeysRepo } from '../api-keys/api-keys.repo.js';
import { createMembersRepo } from './members.repo.js';

export function createMembersService(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  function toDto(m: { id: string; user_id: string; role: Role; created_at: Date; name: string; email: string }) {
    return { id: m.id, userId: m.user_id, name: m.name, email: m.email, role: m.role, joinedAt: m.created_at.toISOString() };
  }

  return {
    async list(ctx: OrgContext) {
      return (await createMembersRepo(db).list(ctx.orgId)).map(toDto);
    },

    async changeRole(ctx: OrgContext, memberId: string, role: Role) {
      requireRole(ctx, 'admin', 'change member roles');
      return db.transaction().execute(async (trx) => {
        const repo = createMembersRepo(trx);
        const members = await repo.lockAll(ctx.orgId);
        const target = members.find((m) => m.id === memberId);
        if (!target) throw notFound('Member');
        if ((role === 'owner' || target.role === 'owner') && !atLeast(ctx.role, 'owner')) {
          throw forbidden('Only an owner can make someone an owner or change an owner’s role.');
        }
        const owners = members.filter((m) => m.role === 'owner').length;
        if (target.role === 'owner' && role !== 'owner' && owners === 1) {
          throw conflict('last_owner', 'The organization must keep at least one owner. Make someone else an owner first.');
        }
        await repo.setRole(ctx.orgId, memberId, role);
        return toDto((await repo.findOne(ctx.orgId, memberId))!);
      });
    },

    async remove(ctx: OrgContext, memberId: string) {
      await db.transaction().execute(async (trx) => {
        const repo = createMembersRepo(trx);
        const members = await repo.lockAll(ctx.orgId);
        const target = members.find((m) => m.id === memberId);
        if (!target) throw notFound('Member');
        const leaving = ctx.userId !== null && target.user_id === ctx.userId;
        if (!leaving) {
          requireRole(ctx, 'admin', 'remove members');
          if (target.role === 'owner' && !atLeast(ctx.role, 'owner')) throw forbidden('Only an owner can remove an owner.');
        }
        if (target.role === 'owner' && members.filter((m) => m.role === 'owner').length === 1) {
          throw conflict('last_owner', 'The last owner cannot be removed. Make someone else an owner first.');
        }
        await repo.remove(ctx.orgId, memberId);
        await repo.detachSessions(ctx.orgId, target.user_id);
        // Their API keys go with them: a key never outlives its creator's membership.
        await createApiKeysRepo(trx).revokeCreatedBy(ctx.orgId, target.user_id);
      });
    },
  };
}

export type MembersService = ReturnType<typeof createMembersService>;

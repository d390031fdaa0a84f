import type { Kysely } from 'kysely';
import { notFound } from '../core/errors.js';
import { type Actor, type OrgContext, orgContext, requireRole, requireUser } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { createOrganizationsRepo } from './organizations.repo.js';

function orgDto(o: { id: string; name: string; slug: string; created_at: Date }) {
  return { id: o.id, name: o.name, slug: o.slug, createdAt: o.created_at.toISOString() };
}

export interface OrganizationCreator {
  /** Creates an organization with the signed-in user as owner; returns its id. */
  createOrganization(name: string, headers: Record<string, string | undefined>): Promise<string>;
}

export function createOrganizationsService(deps: { db: Kysely<Database>; creator: OrganizationCreator }) {
  const repo = createOrganizationsRepo(deps.db);

  async function current(ctx: OrgContext) {
    const org = await repo.findById(ctx.orgId);
    if (!org) throw notFound('Organization');
    return { ...orgDto(org), role: ctx.role };
  }

  return {
    current,

    async me(actor: Actor) {
      if (actor.type === 'api_key') {
        const org = await current(orgContext(actor));
        return { user: null, apiKey: { id: actor.apiKeyId, role: actor.role }, activeOrganizationId: actor.orgId, organizations: [org] };
      }
      const memberships = await repo.membershipsOf(actor.userId);
      return {
        user: { id: actor.userId, name: actor.name, email: actor.email, emailVerified: actor.emailVerified },
        apiKey: null,
        activeOrganizationId: actor.orgId,
        organizations: memberships.map((m) => ({ id: m.id, name: m.name, slug: m.slug, role: m.role })),
      };
    },

    async rename(ctx: OrgContext, name: string) {
      requireRole(ctx, 'admin', 'rename the organization');
      const org = await repo.rename(ctx.orgId, name.trim());
      if (!org) throw notFound('Organization');
      return { ...orgDto(org), role: ctx.role };
    },

    async switchTo(actor: Actor, orgId: string) {
      const user = requireUser(actor, 'switch organizations');
      const role = await repo.roleOf(user.userId, orgId);
      if (!role) throw notFound('Organization');
      await repo.setActiveOrganization(user.sessionId, orgId);
      return current({ orgId, role, userId: user.userId });
    },

    async create(actor: Actor, name: string, headers: Record<string, string | undefined>) {
      const user = requireUser(actor, 'create organizations');
      const orgId = await deps.creator.createOrganization(name, headers);
      await repo.setActiveOrganization(user.sessionId, orgId);
      return current({ orgId, role: 'owner', userId: user.userId });
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;

import { forbidden } from '../core/errors.js';
import type { Role } from '../db/schema.js';

const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

export function atLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/** Who is calling: a signed-in user acting in their active organization, or an organization's API key. */
export type Actor =
  | {
      type: 'user';
      userId: string;
      email: string;
      name: string;
      emailVerified: boolean;
      sessionId: string;
      orgId: string | null;
      role: Role | null;
    }
  | { type: 'api_key'; apiKeyId: string; orgId: string; role: Role };

export interface OrgContext {
  orgId: string;
  role: Role;
  /** The user behind the call; absent for API keys. */
  userId: string | null;
}

export function orgContext(actor: Actor): OrgContext {
  if (!actor.orgId || !actor.role) {
    throw forbidden('You are not a member of any organization. Create one or accept an invitation.', 'no_organization');
  }
  return { orgId: actor.orgId, role: actor.role, userId: actor.type === 'user' ? actor.userId : null };
}

export function requireRole(ctx: OrgContext, required: Role, action: string): void {
  if (!atLeast(ctx.role, required)) {
    throw forbidden(`Only ${required === 'owner' ? 'owners' : 'admins and owners'} can ${action}.`);
  }
}

export function requireUser(actor: Actor, action: string): Extract<Actor, { type: 'user' }> {
  if (actor.type !== 'user') throw forbidden(`API keys cannot ${action}; sign in as a user.`, 'user_required');
  return actor;
}

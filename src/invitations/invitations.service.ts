import type { Kysely } from 'kysely';
import { AppError, conflict, forbidden, notFound } from '../app/errors.js';
import { type OrgContext, atLeast, requireRole } from '../auth/roles.js';
import { newId } from '../db/ids.js';
import type { Database, Role } from '../db/schema.js';
import type { Mailer } from '../mail/mail.service.js';
import { invitationMail } from '../mail/mail.templates.js';
import { createMembersRepo } from '../members/members.repo.js';
import { createInvitationsRepo, type InvitationRow } from './invitations.repo.js';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface InvitationsDeps {
  db: Kysely<Database>;
  mailer: Mailer;
  appUrl: string;
  now?: () => Date;
}

export function invitationDto(i: InvitationRow) {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    status: i.status,
    organization: { id: i.org_id, name: i.org_name },
    invitedBy: i.inviter_name,
    expiresAt: i.expires_at.toISOString(),
    createdAt: i.created_at.toISOString(),
  };
}

/** Why an invitation cannot be used, or null when it can: shared by acceptance and sign-up. */
export function invitationProblem(invitation: InvitationRow | undefined, email: string, now: Date): AppError | null {
  if (!invitation) return notFound('Invitation');
  if (invitation.status !== 'pending') {
    return conflict('invitation_not_pending', `This invitation was already ${invitation.status}.`);
  }
  if (invitation.expires_at.getTime() <= now.getTime()) {
    return new AppError(410, 'invitation_expired', 'This invitation has expired. Ask an admin of the organization to invite you again.');
  }
  if (invitation.email.toLowerCase() !== email.toLowerCase()) {
    return forbidden(
      `This invitation was sent to another email address. Sign in as ${invitation.email} to accept it.`,
      'invitation_email_mismatch',
    );
  }
  return null;
}

export function createInvitationsService(deps: InvitationsDeps) {
  const { db, mailer } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async list(ctx: OrgContext) {
      return (await createInvitationsRepo(db).listPending(ctx.orgId)).map(invitationDto);
    },

    async create(ctx: OrgContext, inviterId: string, input: { email: string; role: Role }) {
      requireRole(ctx, 'admin', 'invite members');
      if (input.role === 'owner' && !atLeast(ctx.role, 'owner')) throw forbidden('Only an owner can invite an owner.');
      const email = input.email.trim().toLowerCase();
      const repo = createInvitationsRepo(db);
      if (await createMembersRepo(db).isMemberByEmail(ctx.orgId, email)) {
        throw conflict('already_member', `${email} is already a member of this organization.`);
      }
      if (await repo.findPendingByEmail(ctx.orgId, email)) {
        throw conflict('invitation_exists', `${email} already has a pending invitation. Cancel it to send a new one.`);
      }
      const id = newId();
      const expiresAt = new Date(now().getTime() + INVITATION_TTL_MS);
      await repo.insert({ id, orgId: ctx.orgId, email, role: input.role, inviterId, expiresAt });
      const invitation = (await repo.findInOrg(ctx.orgId, id))!;
      const url = `${deps.appUrl}/invitations/${encodeURIComponent(id)}`;
      await mailer.send({
        to: email,
        orgId: ctx.orgId,
        ...invitationMail({
          inviterName: invitation.inviter_name,
          organizationName: invitation.org_name,
          role: input.role,
          url,
          expiresAt,
        }),
      });
      return invitationDto(invitation);
    },

    async cancel(ctx: OrgContext, id: string) {
      requireRole(ctx, 'admin', 'cancel invitations');
      const repo = createInvitationsRepo(db);
      const invitation = await repo.findInOrg(ctx.orgId, id);
      if (!invitation) throw notFound('Invitation');
      if (invitation.status !== 'pending') throw conflict('invitation_not_pending', `This invitation was already ${invitation.status}.`);
      await repo.setStatus(ctx.orgId, id, 'canceled');
    },

    /** Adds the signed-in user to the inviting organization and makes it their active one. */
    async accept(user: { userId: string; email: string; sessionId: string }, invitationId: string) {
      return db.transaction().execute(async (trx) => {
        const repo = createInvitationsRepo(trx);
        const invitation = await repo.findForAcceptance(invitationId);
        const problem = invitationProblem(invitation, user.email, now());
        if (problem) throw problem;
        const inv = invitation!;
        await createMembersRepo(trx).insert({ id: newId(), orgId: inv.org_id, userId: user.userId, role: inv.role });
        await repo.setStatus(inv.org_id, inv.id, 'accepted');
        await trx.updateTable('sessions').set({ active_organization_id: inv.org_id }).where('id', '=', user.sessionId).execute();
        return { organization: { id: inv.org_id, name: inv.org_name }, role: inv.role };
      });
    },

    /** Public details so the acceptance page can say who invited whom to what. */
    async preview(invitationId: string) {
      const invitation = await createInvitationsRepo(db).findById(invitationId);
      if (!invitation) throw notFound('Invitation');
      return invitationDto(invitation);
    },
  };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;

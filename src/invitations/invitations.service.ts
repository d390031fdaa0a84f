import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError, conflict, forbidden, notFound } from '../core/errors.js';
import type { SecretBox } from '../core/secrets.js';
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
  /** Seals invitation tokens, so that admins can copy an invitation's link again. */
  secrets: SecretBox;
  now?: () => Date;
}

/** An invitation's secret: 192 random bits, so a fast hash finds it and nothing can be guessed. */
export const invitationTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
export const newInvitationToken = () => randomBytes(24).toString('base64url');

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
  const linkFor = (token: string) => `${deps.appUrl}/invitations/${encodeURIComponent(token)}`;

  /**
   * The link of an invitation, for the admins who may hand it out: it grants the invitation's role, so only
   * someone holding at least that role sees it ("anything that grants a role needs the role it grants").
   */
  function link(ctx: OrgContext, i: InvitationRow): string | null {
    if (!i.token_enc || i.status !== 'pending' || !atLeast(ctx.role, i.role)) return null;
    return linkFor(deps.secrets.open(i.token_enc));
  }

  return {
    async list(ctx: OrgContext) {
      requireRole(ctx, 'admin', 'see invitations');
      return (await createInvitationsRepo(db).listPending(ctx.orgId)).map((i) => ({ ...invitationDto(i), url: link(ctx, i) }));
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
      const token = newInvitationToken();
      const expiresAt = new Date(now().getTime() + INVITATION_TTL_MS);
      await repo.insert({
        id,
        orgId: ctx.orgId,
        email,
        role: input.role,
        inviterId,
        expiresAt,
        tokenHash: invitationTokenHash(token),
        tokenEnc: deps.secrets.seal(token),
      });
      const invitation = (await repo.findInOrg(ctx.orgId, id))!;
      await mailer.send({
        to: email,
        orgId: ctx.orgId,
        ...invitationMail({
          inviterName: invitation.inviter_name,
          organizationName: invitation.org_name,
          role: input.role,
          url: linkFor(token),
          expiresAt,
        }),
      });
      return { ...invitationDto(invitation), url: linkFor(token) };
    },

    async cancel(ctx: OrgContext, id: string) {
      requireRole(ctx, 'admin', 'cancel invitations');
      const repo = createInvitationsRepo(db);
      const invitation = await repo.findInOrg(ctx.orgId, id);
      if (!invitation) throw notFound('Invitation');
      if (invitation.status !== 'pending') throw conflict('invitation_not_pending', `This invitation was already ${invitation.status}.`);
      await repo.setStatus(ctx.orgId, id, 'canceled');
    },

    /**
     * Adds the signed-in user to the inviting organization and makes it their active one. Proof that they own
     * the invited address is required: the emailed token (which also confirms their address), or — for
     * invitations made before tokens — a session whose address was confirmed by email.
     */
    async accept(
      user: { userId: string; email: string; emailVerified: boolean; sessionId: string },
      proof: { token: string } | { invitationId: string },
    ) {
      return db.transaction().execute(async (trx) => {
        const repo = createInvitationsRepo(trx);
        const byToken = 'token' in proof;
        const invitation = await repo.findForAcceptance(
          byToken ? { tokenHash: invitationTokenHash(proof.token) } : { id: proof.invitationId },
        );
        if (!byToken && invitation?.token_hash) throw notFound('Invitation');
        const problem = invitationProblem(invitation, user.email, now());
        if (problem) throw problem;
        if (!byToken && !user.emailVerified) {
          throw forbidden(
            `Confirm ${user.email} first (the link in the confirmation email), or open the invitation link from the email.`,
            'email_not_verified',
          );
        }
        const inv = invitation!;
        await createMembersRepo(trx).insert({ id: newId(), orgId: inv.org_id, userId: user.userId, role: inv.role });
        await repo.setStatus(inv.org_id, inv.id, 'accepted');
        await trx.updateTable('sessions').set({ active_organization_id: inv.org_id }).where('id', '=', user.sessionId).execute();
        // The token reached them at that address: it is confirmed.
        if (byToken) await trx.updateTable('users').set({ email_verified: true }).where('id', '=', user.userId).execute();
        return { organization: { id: inv.org_id, name: inv.org_name }, role: inv.role };
      });
    },

    /** Public details so the acceptance page can say who invited whom to what (the token is the secret from the email). */
    async preview(token: string) {
      const invitation = await createInvitationsRepo(db).findByTokenHash(invitationTokenHash(token));
      if (!invitation) throw notFound('Invitation');
      return invitationDto(invitation);
    },
  };
}

export type InvitationsService = ReturnType<typeof createInvitationsService>;

import type { Kysely } from 'kysely';
import type { Database, InvitationStatus, Role } from '../db/schema.js';

export function createInvitationsRepo(db: Kysely<Database>) {
  const base = () =>
    db
      .selectFrom('invitations')
      .innerJoin('organizations', 'organizations.id', 'invitations.org_id')
      .innerJoin('users as inviter', 'inviter.id', 'invitations.inviter_id')
      .select([
        'invitations.id',
        'invitations.org_id',
        'invitations.email',
        'invitations.role',
        'invitations.status',
        'invitations.expires_at',
        'invitations.created_at',
        'organizations.name as org_name',
        'inviter.name as inviter_name',
        'invitations.token_enc',
        'invitations.token_hash',
      ]);
  return {
    listPending(orgId: string) {
      return base()
        .where('invitations.org_id', '=', orgId)
        .where('invitations.status', '=', 'pending')
        .orderBy('invitations.created_at', 'desc')
        .execute();
    },
    findInOrg(orgId: string, id: string) {
      return base().where('invitations.org_id', '=', orgId).where('invitations.id', '=', id).executeTakeFirst();
    },
    /** Invitations are found without an organization only by the SHA-256 of the secret token emailed to their addressee. */
    findByTokenHash(tokenHash: string) {
      return base().where('invitations.token_hash', '=', tokenHash).executeTakeFirst();
    },
    findForAcceptance(where: { tokenHash: string } | { id: string }) {
      const q =
        'tokenHash' in where ? base().where('invitations.token_hash', '=', where.tokenHash) : base().where('invitations.id', '=', where.id);
      return q.forUpdate(['invitations']).executeTakeFirst();
    },
    findPendingByEmail(orgId: string, email: string) {
      return base()
        .where('invitations.org_id', '=', orgId)
        .where('invitations.status', '=', 'pending')
        .where('invitations.expires_at', '>', new Date())
        .where((eb) => eb(eb.fn('lower', ['invitations.email']), '=', email.toLowerCase()))
        .executeTakeFirst();
    },
    async insert(input: {
      id: string;
      orgId: string;
      email: string;
      role: Role;
      inviterId: string;
      expiresAt: Date;
      tokenHash: string;
      tokenEnc: string;
    }) {
      await db
        .insertInto('invitations')
        .values({
          id: input.id,
          org_id: input.orgId,
          email: input.email,
          role: input.role,
          status: 'pending',
          expires_at: input.expiresAt,
          inviter_id: input.inviterId,
          token_hash: input.tokenHash,
          token_enc: input.tokenEnc,
        })
        .execute();
    },
    async setStatus(orgId: string, id: string, status: InvitationStatus): Promise<void> {
      await db.updateTable('invitations').set({ status }).where('org_id', '=', orgId).where('id', '=', id).execute();
    },
  };
}

export type InvitationRow = NonNullable<Awaited<ReturnType<ReturnType<typeof createInvitationsRepo>['findInOrg']>>>;

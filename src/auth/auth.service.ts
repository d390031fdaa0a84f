import { APIError } from 'better-auth/api';
import type { Kysely } from 'kysely';
import { AppError, badRequest } from '../core/errors.js';
import type { Database, Role } from '../db/schema.js';
import { invitationProblem, invitationTokenHash } from '../invitations/invitations.service.js';
import { createInvitationsRepo } from '../invitations/invitations.repo.js';
import type { Mailer } from '../mail/mail.service.js';
import { emailVerificationMail, passwordResetMail } from '../mail/mail.templates.js';
import { randomBytes } from 'node:crypto';
import { type SignupAdapter, type SignupIntent, signupIntent } from './auth.js';
import type { AuthGateway } from './auth.gateway.js';
import { createLoginAttemptsRepo } from './login-attempts.repo.js';

/** Login attempts one account allows per window, whatever addresses they come from. */
export const ACCOUNT_LOGIN_LIMIT = 10;
export const ACCOUNT_LOGIN_WINDOW_SECONDS = 15 * 60;

export type ClientHeaders = Record<string, string | undefined>;

export interface PublicUser {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
}

const toPublicUser = (u: PublicUser): PublicUser => ({ id: u.id, name: u.name, email: u.email, emailVerified: u.emailVerified });

export function slugFor(name: string): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `${base || 'org'}-${randomBytes(4).toString('hex')}`;
}

/** Mail the auth library asks us to send, with links into PulseScore's own pages and API. */
export function authMailer(mailer: Mailer, appUrl: string) {
  return {
    async sendPasswordReset(input: { to: string; name: string; token: string }) {
      const url = `${appUrl}/reset-password?token=${encodeURIComponent(input.token)}`;
      await mailer.send({ to: input.to, ...passwordResetMail({ name: input.name, url }) });
    },
    async sendEmailVerification(input: { to: string; name: string; token: string }) {
      const url = `${appUrl}/api/v1/auth/verify-email?token=${encodeURIComponent(input.token)}`;
      await mailer.send({ to: input.to, ...emailVerificationMail({ name: input.name, url }) });
    },
  };
}

interface AdapterInvitation {
  id: string;
  organizationId: string;
  email: string;
  role: Role;
  status: string;
  expiresAt: Date;
}

/**
 * Called by the auth library while it creates the first session of a new user, inside the sign-up
 * transaction: creates the user's organization (owner) or joins the one that invited them.
 */
export async function placeNewUser(intent: SignupIntent, userId: string, adapter: SignupAdapter): Promise<string> {
  const now = new Date();
  if (intent.invitationId) {
    const where = [{ field: 'id', value: intent.invitationId }];
    const invitation = await adapter.findOne<AdapterInvitation>({ model: 'invitation', where });
    const user = await adapter.findOne<{ email: string }>({ model: 'user', where: [{ field: 'id', value: userId }] });
    const usable =
      invitation &&
      user &&
      invitation.status === 'pending' &&
      new Date(invitation.expiresAt).getTime() > now.getTime() &&
      invitation.email.toLowerCase() === user.email.toLowerCase();
    if (!usable) throw new APIError('BAD_REQUEST', { code: 'INVITATION_INVALID', message: 'This invitation can no longer be used.' });
    await adapter.create({
      model: 'member',
      data: { organizationId: invitation.organizationId, userId, role: invitation.role, createdAt: now },
    });
    await adapter.update({ model: 'invitation', where, update: { status: 'accepted' } });
    // The invitation's secret token reached them at this address: it is confirmed.
    await adapter.update({ model: 'user', where: [{ field: 'id', value: userId }], update: { emailVerified: true } });
    return invitation.organizationId;
  }
  const name = intent.organizationName!;
  const org = await adapter.create<{ id: string }>({ model: 'organization', data: { name, slug: slugFor(name), createdAt: now } });
  await adapter.create({ model: 'member', data: { organizationId: org.id, userId, role: 'owner', createdAt: now } });
  return org.id;
}

export interface SignupInput {
  name: string;
  email: string;
  password: string;
  organizationName?: string | undefined;
  invitationToken?: string | undefined;
}

export function createAuthService(deps: { gateway: AuthGateway; db: Kysely<Database> }) {
  const { gateway, db } = deps;
  return {
    async signup(input: SignupInput, headers: ClientHeaders) {
      // Joining an organization takes the invitation's secret token (proof of the invited address), never an id.
      let invitationId: string | undefined;
      if (input.invitationToken) {
        const invitation = await createInvitationsRepo(db).findByTokenHash(invitationTokenHash(input.invitationToken));
        const problem = invitationProblem(invitation, input.email, new Date());
        if (problem) throw problem;
        invitationId = invitation!.id;
      }
      const intent: SignupIntent = invitationId
        ? { invitationId }
        : { organizationName: input.organizationName?.trim() || `${input.name.trim()}'s team` };
      const result = await signupIntent.run(intent, () =>
        gateway.call<{ user: PublicUser }>({
          method: 'POST',
          path: '/sign-up/email',
          body: { name: input.name.trim(), email: input.email, password: input.password },
          headers,
        }),
      );
      return { user: toPublicUser(result.data.user), setCookies: result.setCookies };
    },

    /**
     * Besides the per-address limit (the auth library's, on the client address the trusted proxies saw), each
     * account allows `ACCOUNT_LOGIN_LIMIT` attempts per window, so that spreading guesses over many addresses
     * does not help either.
     */
    async login(input: { email: string; password: string }, headers: ClientHeaders) {
      const email = input.email.toLowerCase();
      const attempts = createLoginAttemptsRepo(db);
      const { attempts: made, windowStartedAt } = await attempts.count(email, ACCOUNT_LOGIN_WINDOW_SECONDS);
      if (made > ACCOUNT_LOGIN_LIMIT) {
        const minutes = Math.max(1, Math.ceil((windowStartedAt.getTime() + ACCOUNT_LOGIN_WINDOW_SECONDS * 1000 - Date.now()) / 60_000));
        throw new AppError(
          429,
          'account_locked',
          `Too many login attempts for this account. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or reset your password.`,
          { retryAfterSeconds: minutes * 60 },
        );
      }
      const result = await gateway.call<{ user: PublicUser }>({ method: 'POST', path: '/sign-in/email', body: input, headers });
      await attempts.clear(email);
      return { user: toPublicUser(result.data.user), setCookies: result.setCookies };
    },

    async logout(headers: ClientHeaders) {
      const result = await gateway.call({ method: 'POST', path: '/sign-out', body: {}, headers });
      return { setCookies: result.setCookies };
    },

    async requestPasswordReset(email: string, headers: ClientHeaders) {
      // The answer is the same whether or not the account exists, so the endpoint reveals no addresses.
      await gateway.call({ method: 'POST', path: '/request-password-reset', body: { email }, headers });
    },

    async resetPassword(input: { token: string; password: string }, headers: ClientHeaders) {
      await gateway.call({ method: 'POST', path: '/reset-password', body: { token: input.token, newPassword: input.password }, headers });
    },

    async verifyEmail(token: string, headers: ClientHeaders) {
      if (!token) throw badRequest('invalid_token', 'This link is invalid.');
      await gateway.call({ method: 'GET', path: '/verify-email', query: { token }, headers });
    },

    async resendVerification(email: string, headers: ClientHeaders) {
      await gateway.call({ method: 'POST', path: '/send-verification-email', body: { email }, headers });
    },

    async createOrganization(name: string, headers: ClientHeaders) {
      const result = await gateway.call<{ id: string }>({
        method: 'POST',
        path: '/organization/create',
        body: { name: name.trim(), slug: slugFor(name) },
        headers,
      });
      return result.data.id;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

import { AsyncLocalStorage } from 'node:async_hooks';
import { betterAuth } from 'better-auth';
import { organization } from 'better-auth/plugins';
import { getCurrentAdapter } from 'better-auth';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { snakeFields } from '../db/naming.js';

export interface AuthMailer {
  sendPasswordReset(input: { to: string; name: string; token: string }): Promise<void>;
  sendEmailVerification(input: { to: string; name: string; token: string }): Promise<void>;
}

/** What the sign-up route knows that the library's sign-up endpoint does not: which organization to create or join. */
export interface SignupIntent {
  organizationName?: string;
  /** Found by the server from the invitation's secret token, never taken from the client. */
  invitationId?: string;
}

export const signupIntent = new AsyncLocalStorage<SignupIntent>();

export interface AuthDeps {
  db: Kysely<Database>;
  appUrl: string;
  secret: string;
  mailer: AuthMailer;
  /** Places the new user in an organization inside the sign-up transaction; returns the active organization id. */
  onSignupSession: (intent: SignupIntent, userId: string, adapter: SignupAdapter) => Promise<string>;
  /** Chooses the organization a fresh login session starts in. */
  defaultOrganizationFor: (userId: string) => Promise<string | null>;
  loginRateLimit?: { window: number; max: number };
}

/** The library's transactional adapter, as much of it as sign-up needs. */
export interface SignupAdapter {
  create<T extends Record<string, unknown>>(input: { model: string; data: Record<string, unknown> }): Promise<T>;
  findOne<T>(input: { model: string; where: { field: string; value: string }[] }): Promise<T | null>;
  update<T>(input: { model: string; where: { field: string; value: string }[]; update: Record<string, unknown> }): Promise<T | null>;
}

export const AUTH_BASE_PATH = '/api/auth';
export const SESSION_COOKIE_PREFIX = 'pulsescore';

export function createAuth(deps: AuthDeps) {
  const secure = deps.appUrl.startsWith('https://');
  const loginLimit = deps.loginRateLimit ?? { window: 60, max: 5 };
  return betterAuth({
    appName: 'PulseScore',
    baseURL: deps.appUrl,
    basePath: AUTH_BASE_PATH,
    secret: deps.secret,
    trustedOrigins: [new URL(deps.appUrl).origin],
    database: { db: deps.db, type: 'postgres', transaction: true },
    telemetry: { enabled: false },
    logger: { disabled: true },
    user: {
      modelName: 'users',
      fields: snakeFields(['emailVerified', 'createdAt', 'updatedAt']),
    },
    session: {
      modelName: 'sessions',
      fields: snakeFields(['expiresAt', 'ipAddress', 'userAgent', 'userId', 'createdAt', 'updatedAt']),
      expiresIn: 60 * 60 * 24 * 30,
      updateAge: 60 * 60 * 24,
    },
    account: {
      modelName: 'accounts',
      fields: snakeFields([
        'accountId',
        'providerId',
        'userId',
        'accessToken',
        'refreshToken',
        'idToken',
        'accessTokenExpiresAt',
        'refreshTokenExpiresAt',
        'createdAt',
        'updatedAt',
      ]),
    },
    verification: {
      modelName: 'verifications',
      fields: snakeFields(['expiresAt', 'createdAt', 'updatedAt']),
    },
    rateLimit: {
      enabled: true,
      storage: 'database',
      modelName: 'rate_limits',
      fields: snakeFields(['lastRequest']),
      window: 60,
      max: 300,
      customRules: {
        '/sign-in/email': loginLimit,
        '/sign-up/email': { window: 60, max: 10 },
        '/request-password-reset': { window: 60, max: 5 },
      },
    },
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 10,
      // The API's schema is the limit (128 characters); the library counts UTF-16 units, so give it room.
      maxPasswordLength: 512,
      autoSignIn: true,
      revokeSessionsOnPasswordReset: true,
      resetPasswordTokenExpiresIn: 60 * 60,
      sendResetPassword: async ({ user, token }) => {
        await deps.mailer.sendPasswordReset({ to: user.email, name: user.name, token });
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      expiresIn: 60 * 60 * 24,
      sendVerificationEmail: async ({ user, token }) => {
        await deps.mailer.sendEmailVerification({ to: user.email, name: user.name, token });
      },
    },
    advanced: {
      cookiePrefix: SESSION_COOKIE_PREFIX,
      useSecureCookies: secure,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', secure },
      ipAddress: { ipAddressHeaders: ['x-forwarded-for'] },
    },
    databaseHooks: {
      session: {
        create: {
          // Runs inside the sign-up transaction, so the user, organization and owner role commit together.
          before: async (session, ctx) => {
            const intent = signupIntent.getStore();
            if (intent && ctx) {
              const adapter = (await getCurrentAdapter(ctx.context.adapter)) as unknown as SignupAdapter;
              const orgId = await deps.onSignupSession(intent, session.userId, adapter);
              return { data: { ...session, activeOrganizationId: orgId } };
            }
            const orgId = await deps.defaultOrganizationFor(session.userId);
            return { data: { ...session, activeOrganizationId: orgId } };
          },
        },
      },
    },
    plugins: [
      organization({
        creatorRole: 'owner',
        invitationExpiresIn: 60 * 60 * 24 * 7,
        schema: {
          session: { fields: { activeOrganizationId: 'active_organization_id' } },
          organization: { modelName: 'organizations', fields: snakeFields(['createdAt']) },
          member: {
            modelName: 'members',
            fields: { ...snakeFields(['userId', 'createdAt']), organizationId: 'org_id' },
          },
          invitation: {
            modelName: 'invitations',
            fields: { ...snakeFields(['email', 'expiresAt', 'inviterId', 'createdAt']), organizationId: 'org_id' },
          },
        },
      }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;

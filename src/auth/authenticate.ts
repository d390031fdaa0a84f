import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../core/errors.js';
import type { ApiKeysService } from '../api-keys/api-keys.service.js';
import type { OrganizationsRepo } from '../organizations/organizations.repo.js';
import type { Auth } from './auth.js';
import type { Actor } from './roles.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Forwards the parts of a request the auth library needs, as plain headers. */
export function clientHeaders(request: FastifyRequest): Record<string, string | undefined> {
  const h = request.headers;
  return {
    cookie: h.cookie,
    origin: h.origin,
    referer: h.referer,
    'user-agent': h['user-agent'],
    'x-forwarded-for': request.ip,
  };
}

export type Authenticate = (request: FastifyRequest) => Promise<Actor>;

export function createAuthenticator(deps: { auth: Auth; apiKeys: ApiKeysService; orgs: OrganizationsRepo; appUrl: string }): Authenticate {
  const appOrigin = new URL(deps.appUrl).origin;

  async function fromApiKey(token: string): Promise<Actor> {
    const key = await deps.apiKeys.authenticate(token);
    if (!key) throw unauthorized('The API key is invalid or has been revoked.');
    return { type: 'api_key', ...key };
  }

  async function fromSession(request: FastifyRequest): Promise<Actor> {
    const headers = new Headers();
    if (request.headers.cookie) headers.set('cookie', request.headers.cookie);
    const found = await deps.auth.api.getSession({ headers, query: { disableCookieCache: true } });
    if (!found) throw unauthorized();
    // Cookie-authenticated writes must come from the app itself (defence in depth on top of SameSite cookies).
    const origin = request.headers.origin;
    if (!SAFE_METHODS.has(request.method) && origin && origin !== appOrigin) {
      throw forbidden('Request origin is not allowed.', 'invalid_origin');
    }
    const { user, session } = found;
    const active = (session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null;
    let orgId = active;
    let role = orgId ? await deps.orgs.roleOf(user.id, orgId) : null;
    if (!role) {
      // The active organization is gone (removed from it, or never set): fall back to another membership.
      orgId = await deps.orgs.firstOrganizationOf(user.id);
      role = orgId ? await deps.orgs.roleOf(user.id, orgId) : null;
      if (orgId !== active) await deps.orgs.setActiveOrganization(session.id, orgId);
    }
    return {
      type: 'user',
      userId: user.id,
      email: user.email,
      name: user.name,
      emailVerified: user.emailVerified,
      sessionId: session.id,
      orgId,
      role,
    };
  }

  return async (request) => {
    const authorization = request.headers.authorization;
    if (authorization) {
      const [scheme, token] = authorization.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthorized('Use "Authorization: Bearer <api key>".');
      return fromApiKey(token.trim());
    }
    return fromSession(request);
  };
}

import { AppError } from '../core/errors.js';
import { AUTH_BASE_PATH, type Auth } from './auth.js';

export interface AuthCall {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  query?: Record<string, string>;
  /** Headers of the incoming request that the library needs: cookie, origin, user agent, client ip. */
  headers: Record<string, string | undefined>;
}

export interface AuthResult<T> {
  data: T;
  setCookies: string[];
}

/** The library's error codes that the API reports under its own, more specific names. */
const CODE_MAP: Record<string, { status: number; code: string; message?: string }> = {
  INVALID_EMAIL_OR_PASSWORD: { status: 401, code: 'invalid_credentials', message: 'Email or password is incorrect.' },
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: {
    status: 409,
    code: 'email_taken',
    message: 'An account with this email already exists. Log in instead.',
  },
  USER_ALREADY_EXISTS: { status: 409, code: 'email_taken', message: 'An account with this email already exists. Log in instead.' },
  PASSWORD_TOO_SHORT: { status: 400, code: 'password_too_short', message: 'Password must be at least 10 characters.' },
  PASSWORD_TOO_LONG: { status: 400, code: 'password_too_long', message: 'Password must be at most 128 characters.' },
  // A well-formed link that no longer works is gone, not malformed: 410, so a client can tell "ask for a new one".
  INVALID_TOKEN: { status: 410, code: 'invalid_token', message: 'This link is invalid or has already been used. Ask for a new one.' },
  TOKEN_EXPIRED: { status: 410, code: 'token_expired', message: 'This link has expired. Ask for a new one.' },
  INVALID_ORIGIN: { status: 403, code: 'invalid_origin', message: 'Request origin is not allowed.' },
  MISSING_OR_NULL_ORIGIN: { status: 403, code: 'invalid_origin', message: 'Request origin is not allowed.' },
};

function toAppError(status: number, body: { code?: string; message?: string } | null): AppError {
  if (status === 429) return new AppError(429, 'rate_limited', 'Too many attempts. Wait a minute and try again.');
  const mapped = body?.code ? CODE_MAP[body.code] : undefined;
  if (mapped) return new AppError(mapped.status, mapped.code, mapped.message ?? body?.message ?? 'Request failed.');
  const safeStatus = status >= 400 && status < 500 ? status : 502;
  return new AppError(safeStatus, (body?.code ?? 'auth_error').toLowerCase(), body?.message ?? 'Authentication request failed.');
}

/**
 * Calls the auth library's own request handler in-process. Going through the handler (rather than its
 * direct API) keeps the library's origin checks, cookie handling and rate limits in force.
 */
export function createAuthGateway(auth: Auth, appUrl: string) {
  return {
    async call<T>(req: AuthCall): Promise<AuthResult<T>> {
      const url = new URL(`${AUTH_BASE_PATH}${req.path}`, appUrl);
      for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, v);
      // The library refuses cookie-bearing writes without an Origin (a logout from a script would answer 403 and
      // leave the session valid). Browsers always send Origin on cross-site writes, so one without it is not a
      // cross-site request: it is checked as PulseScore's own, as authenticate.ts does. A foreign Origin is
      // still passed on, and refused.
      if (!headers.has('origin')) headers.set('origin', new URL(appUrl).origin);
      if (req.body !== undefined) headers.set('content-type', 'application/json');
      const response = await auth.handler(
        new Request(url, { method: req.method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body) }),
      );
      const text = await response.text();
      const json = text ? (JSON.parse(text) as unknown) : null;
      if (!response.ok) throw toAppError(response.status, json as { code?: string; message?: string } | null);
      return { data: json as T, setCookies: response.headers.getSetCookie() };
    },
  };
}

export type AuthGateway = ReturnType<typeof createAuthGateway>;

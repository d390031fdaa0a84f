import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, describeVerdict } from './alerts.addresses.js';

/**
 * One outgoing POST to a user-supplied URL, safe against server-side request forgery:
 *  - the host is resolved once, every answer is classified (alerts.addresses.ts), and the connection is made to
 *    the vetted addresses only — the socket's own lookup returns them, so a DNS answer that changes between the
 *    check and the connection (DNS rebinding) is never used. Host header, TLS SNI and certificate verification
 *    still use the URL's host name, so HTTPS is verified exactly as for a normal request.
 *  - redirects are not followed: a 3xx is an answer like any other (it could point anywhere).
 *  - one deadline covers everything (resolution, connection, TLS, request, response headers).
 */

/** Resolves a host name to its addresses (injectable: tests use one that changes its answer). */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export const DEFAULT_TIMEOUT_MS = 10_000;

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** False when retrying cannot help (a refused address, a 4xx other than 408/429, a redirect). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface PostOptions {
  headers?: Record<string, string>;
  /** ALERT_PRIVATE_URLS: skip the address check (development, tests, deliberate internal targets). */
  allowPrivate: boolean;
  /** Total time allowed for the whole exchange. */
  timeoutMs?: number;
  resolve?: Resolver;
  /** Extra trusted CA certificates (a private CA; tests). */
  ca?: string | Buffer;
}

/** The URL's host without IPv6 brackets; WHATWG URL has already normalised numeric forms such as `0x7f.1`. */
export const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * The addresses a host may be reached at: an IP literal as is, a name resolved once. Without `allowPrivate`,
 * special-purpose addresses are dropped (connecting to the public ones of a mixed answer is safe) and none left
 * is a permanent refusal.
 */
export async function vettedAddresses(host: string, resolve: Resolver, allowPrivate: boolean): Promise<string[]> {
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new DeliveryError(`could not resolve ${host}: ${code}`, true);
    }
    if (addresses.length === 0) throw new DeliveryError(`could not resolve ${host}: no addresses`, true);
  }
  if (allowPrivate) return addresses;
  const allowed = addresses.filter((a) => !classifyAddress(a).special);
  if (allowed.length === 0) {
    const first = addresses[0]!;
    const reason = describeVerdict(first, classifyAddress(first));
    throw new DeliveryError(
      `${host} may not be reached: ${isIP(host) ? reason : `it resolves only to special addresses (${reason})`}`,
      false,
    );
  }
  return allowed;
}

/** A socket lookup that answers with the vetted addresses, whatever name it is asked about. */
function pinnedLookup(addresses: string[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = options.family === 4 || options.family === 6 ? options.family : 0;
    const usable = addresses.filter((a) => family === 0 || isIP(a) === family);
    if (usable.length === 0) {
      callback(Object.assign(new Error('no vetted address of the requested family'), { code: 'ENOTFOUND' }), '', 0);
    } else if (options.all) {
      callback(
        null,
        usable.map((address) => ({ address, family: isIP(address) })),
      );
    } else callback(null, usable[0]!, isIP(usable[0]!));
  };
}

function request(target: URL, addresses: string[], body: string, options: PostOptions, signal: AbortSignal): Promise<number> {
  const host = bareHost(target);
  const secure = target.protocol === 'https:';
  const requestOptions: https.RequestOptions = {
    method: 'POST',
    protocol: target.protocol,
    hostname: host,
    port: target.port || (secure ? 443 : 80),
    path: `${target.pathname}${target.search}`,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'user-agent': 'PulseScore-Alerts/1.0',
      ...options.headers,
    },
    // A connection of its own: a pooled socket could belong to an earlier, differently vetted resolution.
    agent: false,
    signal,
    ...(isIP(host) ? {} : { lookup: pinnedLookup(addresses) }),
    // SNI carries host names only (RFC 6066 §3); verification uses the same name.
    ...(secure && !isIP(host) ? { servername: host } : {}),
    ...(secure && options.ca ? { ca: options.ca } : {}),
  };
  return new Promise<number>((resolve, reject) => {
    const req = (secure ? https : http).request(requestOptions, (res) => {
      // The body is never used: close at once instead of letting a slow server keep the socket.
      const status = res.statusCode ?? 0;
      res.destroy();
      resolve(status);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function postJson(url: string, body: string, options: PostOptions): Promise<void> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    throw new DeliveryError(`${target.protocol} URLs are not delivered to`, false);
  if (target.username || target.password) throw new DeliveryError('URLs with credentials are not delivered to', false);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = new AbortController();
  const timedOut = () => new DeliveryError(`${target.host} did not answer within ${timeoutMs} ms`, true);
  const timer = setTimeout(() => deadline.abort(timedOut()), timeoutMs);
  const aborted = new Promise<never>((_, reject) => deadline.signal.addEventListener('abort', () => reject(timedOut()), { once: true }));
  aborted.catch(() => undefined);
  let status: number;
  try {
    const addresses = await Promise.race([
      vettedAddresses(bareHost(target), options.resolve ?? systemResolver, options.allowPrivate),
      aborted,
    ]);
    status = await Promise.race([request(target, addresses, body, options, deadline.signal), aborted]);
  } catch (err) {
    if (err instanceof DeliveryError) throw err;
    if (deadline.signal.aborted) throw timedOut();
    throw new DeliveryError(`could not reach ${target.host}: ${(err as Error).message}`, true);
  } finally {
    clearTimeout(timer);
    deadline.abort(new Error('done'));
  }
  if (status >= 200 && status < 300) return;
  if (status >= 300 && status < 400) throw new DeliveryError(`${target.host} answered HTTP ${status} (redirects are not followed)`, false);
  throw new DeliveryError(`${target.host} answered HTTP ${status}`, status >= 500 || status === 429 || status === 408);
}

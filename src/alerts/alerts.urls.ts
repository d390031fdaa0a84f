import { isIP } from 'node:net';
import { AppError } from '../core/errors.js';
import { classifyAddress, describeVerdict } from './alerts.addresses.js';
import { bareHost, type Resolver } from './alerts.http.js';

/**
 * The address check made when a rule is saved, so that an admin learns at once that a URL will never be
 * delivered to (the format is checked by the schemas). Delivery checks again on every attempt
 * (alerts.http.ts): DNS can change after saving, so this is a courtesy, not the guard.
 */

export type UrlField = 'slackWebhookUrl' | 'webhookUrl';

export interface UrlPolicy {
  /** ALERT_PRIVATE_URLS: nothing to check. */
  allowPrivate: boolean;
  resolve: Resolver;
  /** How long saving waits for DNS before giving the benefit of the doubt. */
  resolveTimeoutMs?: number;
}

// Names the resolver itself answers with loopback (RFC 6761 §6.3), whatever DNS says.
const LOOPBACK_NAME = /(^|\.)localhost$/;
// Answers meaning "this name does not exist"; anything else (timeout, SERVFAIL) may be transient.
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME']);

function refused(field: UrlField, code: string, reason: string) {
  return new AppError(422, code, `channels.${field}: ${reason}.`, [{ path: `body.channels.${field}`, message: reason }]);
}

async function resolveWithin(resolve: Resolver, host: string, ms: number): Promise<string[] | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  try {
    return await Promise.race([resolve(host), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkOne(field: UrlField, url: string, policy: UrlPolicy): Promise<void> {
  const host = bareHost(new URL(url));
  if (isIP(host)) {
    const verdict = classifyAddress(host);
    if (verdict.special)
      throw refused(field, 'url_not_allowed', `${describeVerdict(host, verdict)}; alert URLs must reach a public address`);
    return;
  }
  if (LOOPBACK_NAME.test(host))
    throw refused(field, 'url_not_allowed', `${host} is a loopback name (RFC 6761 §6.3); alert URLs must reach a public address`);
  let addresses: string[] | 'timeout';
  try {
    addresses = await resolveWithin(policy.resolve, host, policy.resolveTimeoutMs ?? 5_000);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (NO_SUCH_NAME.has(code)) throw refused(field, 'url_unresolvable', `${host} does not resolve (${code})`);
    return; // A DNS outage must not block saving; delivery checks again.
  }
  if (addresses === 'timeout') return;
  if (addresses.length === 0) throw refused(field, 'url_unresolvable', `${host} has no addresses`);
  // The resolved addresses are not echoed: the error must not map an internal network for the caller.
  if (addresses.every((a) => classifyAddress(a).special))
    throw refused(
      field,
      'url_not_allowed',
      `${host} resolves only to private or special-purpose addresses; alert URLs must reach a public address`,
    );
}

/** Throws a 400 naming the field when a URL can only reach private or special-purpose addresses. */
export async function checkRuleUrls(urls: Partial<Record<UrlField, string | null | undefined>>, policy: UrlPolicy): Promise<void> {
  if (policy.allowPrivate) return;
  for (const field of ['slackWebhookUrl', 'webhookUrl'] as const) {
    const url = urls[field];
    if (url) await checkOne(field, url, policy);
  }
}

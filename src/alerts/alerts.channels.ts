import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Outgoing alert deliveries over HTTP: Slack incoming webhooks and the organization's own signed webhook.
 *
 * Signature scheme (documented in the README): header `PulseScore-Signature: t=<unix seconds>,v1=<hex>` where
 * hex = HMAC-SHA256(secret, `${t}.${raw body}`). Receivers recompute it and reject old timestamps.
 */

export function signature(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Loopback, private, link-local and other non-public addresses (where a user-supplied URL must not reach). */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 6) {
    const a = address.toLowerCase();
    if (a.startsWith('::ffff:')) return isPrivateAddress(a.slice(7));
    return a === '::1' || a === '::' || a.startsWith('fc') || a.startsWith('fd') || a.startsWith('fe80');
  }
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127)
  );
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** False when retrying cannot help (a refused address, a 4xx other than 429). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export async function postJson(
  url: string,
  body: string,
  options: { headers?: Record<string, string>; allowPrivate: boolean; timeoutMs?: number },
): Promise<void> {
  const target = new URL(url);
  if (!options.allowPrivate) {
    const addresses = isIP(target.hostname) ? [{ address: target.hostname }] : await lookup(target.hostname, { all: true });
    if (addresses.some((a) => isPrivateAddress(a.address)))
      throw new DeliveryError(`${target.hostname} resolves to a private address`, false);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'PulseScore-Alerts/1.0', ...options.headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new DeliveryError(`could not reach ${target.host}: ${(err as Error).message}`, true);
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return;
  throw new DeliveryError(`${target.host} answered HTTP ${res.status}`, res.status >= 500 || res.status === 429 || res.status === 408);
}

/** A Slack message: a headline, the details and a link to the customer. */
export function slackMessage(input: { ruleName: string; title: string; body: string; link: string }): string {
  return JSON.stringify({
    text: `${input.title} — ${input.link}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: input.title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: `${input.body}\n<${input.link}|Open in PulseScore>` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Alert rule: *${input.ruleName}*` }] },
    ],
  });
}

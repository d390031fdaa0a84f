import { createHmac } from 'node:crypto';

// The transport (address checks, pinned connections, deadline) lives in alerts.http.ts.
export { DeliveryError, postJson, type PostOptions, type Resolver } from './alerts.http.js';

/**
 * Outgoing alert deliveries over HTTP: Slack incoming webhooks and the organization's own signed webhook.
 *
 * Signature scheme (documented in the README): header `PulseScore-Signature: t=<unix seconds>,v1=<hex>` where
 * hex = HMAC-SHA256(secret, `${t}.${raw body}`). Receivers recompute it and reject old timestamps.
 */

export function signature(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
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

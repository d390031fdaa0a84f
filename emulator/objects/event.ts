import type { BuildContext } from './common.js';

export const API_VERSION = '2026-10-28.endive';

export function buildEvent(
  ctx: BuildContext,
  input: { type: string; object: Record<string, any>; previous_attributes?: Record<string, any>; connect: boolean },
) {
  return {
    id: ctx.ids.id('evt', 24),
    object: 'event',
    // Set on events of connected accounts, as Stripe does for Connect.
    ...(input.connect ? { account: ctx.account.id } : {}),
    api_version: API_VERSION,
    created: ctx.now,
    data: { object: input.object, ...(input.previous_attributes ? { previous_attributes: input.previous_attributes } : {}) },
    livemode: ctx.account.livemode,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type: input.type,
  };
}

export function buildWebhookEndpoint(
  ctx: BuildContext,
  input: { url: string; enabled_events: string[]; description?: string | null; metadata?: Record<string, string>; connect?: boolean },
) {
  return {
    id: ctx.ids.id('we', 24),
    object: 'webhook_endpoint',
    api_version: API_VERSION,
    application: null,
    created: ctx.now,
    description: input.description ?? null,
    enabled_events: input.enabled_events,
    livemode: ctx.account.livemode,
    metadata: input.metadata ?? {},
    status: 'enabled',
    url: input.url,
  };
}

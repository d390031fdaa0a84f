import { invalidParam } from '../errors.js';
import { buildWebhookEndpoint } from '../objects/event.js';
import { allowOnly, applyMetadata, arrayOf, bool, nullableStr, requireStr, str } from '../params.js';
import type { Router } from '../router.js';
import type { StripeObject } from '../state.js';
import { clone, find, respond, respondList, retrieve } from './helpers.js';

function eventTypes(value: unknown[] | undefined, param: string): string[] | undefined {
  if (!value) return undefined;
  return value.map((v, i) => {
    if (typeof v !== 'string' || !/^[a-z_.*]+$/.test(v)) throw invalidParam(`${param}[${i}]`, `Invalid event type: ${String(v)}`);
    return v;
  });
}

const urlOk = (u: string) => /^https?:\/\/[^\s]+$/.test(u);

export function registerEvents(router: Router) {
  router.on('GET', '/v1/events', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before', 'created', 'type', 'types', 'delivery_success']);
    const type = str(ctx.params, 'type');
    const types = eventTypes(arrayOf(ctx.params, 'types'), 'types');
    const matches = (t: string) =>
      (!type || (type.endsWith('*') ? t.startsWith(type.slice(0, -1)) : t === type)) && (!types || types.includes(t));
    return respondList(
      ctx,
      ctx.account.store.all('event').filter((e) => matches(e.type)),
      '/v1/events',
      'event',
    );
  });
  router.on('GET', '/v1/events/:id', (ctx) => retrieve(ctx, 'event'));

  router.on('POST', '/v1/webhook_endpoints', (ctx) => {
    allowOnly(ctx.params, ['url', 'enabled_events', 'description', 'metadata', 'connect', 'api_version']);
    const url = requireStr(ctx.params, 'url');
    if (!urlOk(url)) throw invalidParam('url', 'Invalid URL: must be an http or https URL.');
    const events = eventTypes(arrayOf(ctx.params, 'enabled_events'), 'enabled_events');
    if (!events || events.length === 0) throw invalidParam('enabled_events', 'Missing required param: enabled_events.');
    const endpoint = buildWebhookEndpoint(ctx.emulator.context(ctx.account), {
      url,
      enabled_events: events,
      description: nullableStr(ctx.params, 'description'),
      metadata: applyMetadata({}, ctx.params.metadata),
    }) as StripeObject;
    const secret = `whsec_${ctx.emulator.ids.token(32)}`;
    // The signing secret is shown once, at creation; Connect endpoints receive connected accounts' events.
    ctx.account.store.put({ ...endpoint, _secret: secret, _connect: bool(ctx.params, 'connect') ?? false });
    return { ...respond(ctx, endpoint), secret };
  });
  router.on('GET', '/v1/webhook_endpoints', (ctx) => {
    allowOnly(ctx.params, ['limit', 'starting_after', 'ending_before']);
    return respondList(ctx, ctx.account.store.all('webhook_endpoint'), '/v1/webhook_endpoints', 'webhook endpoint');
  });
  router.on('GET', '/v1/webhook_endpoints/:id', (ctx) => retrieve(ctx, 'webhook_endpoint', 'webhook endpoint'));
  router.on('POST', '/v1/webhook_endpoints/:id', (ctx) => {
    allowOnly(ctx.params, ['url', 'enabled_events', 'description', 'metadata', 'disabled']);
    const endpoint = clone(find(ctx, 'webhook_endpoint', ctx.path.id!, 'webhook endpoint'));
    const url = str(ctx.params, 'url');
    if (url !== undefined) {
      if (!urlOk(url)) throw invalidParam('url', 'Invalid URL: must be an http or https URL.');
      endpoint.url = url;
    }
    const events = eventTypes(arrayOf(ctx.params, 'enabled_events'), 'enabled_events');
    if (events) endpoint.enabled_events = events;
    const disabled = bool(ctx.params, 'disabled');
    if (disabled !== undefined) endpoint.status = disabled ? 'disabled' : 'enabled';
    const description = nullableStr(ctx.params, 'description');
    if (description !== undefined) endpoint.description = description;
    endpoint.metadata = applyMetadata(endpoint.metadata, ctx.params.metadata);
    ctx.account.store.put(endpoint);
    return respond(ctx, endpoint);
  });
  router.on('DELETE', '/v1/webhook_endpoints/:id', (ctx) => {
    const endpoint = find(ctx, 'webhook_endpoint', ctx.path.id!, 'webhook endpoint');
    ctx.account.store.remove(endpoint.id);
    return { id: endpoint.id, object: 'webhook_endpoint', deleted: true };
  });
}

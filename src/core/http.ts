import type { FastifyInstance, FastifyReply, RawServerDefault, RouteOptions } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .meta({ id: 'Error' });

/** The error responses every authenticated route can give, for the OpenAPI document. */
export const authErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema } as const;

export const idParam = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a valid id'),
});
/**
 * Ids of rows PostgreSQL generates (`uuid` columns). `z.guid()`, not `z.uuid()`: the column accepts any
 * 8-4-4-4-12 hex value, and ids imported or written by hand need not carry RFC 9562's version and variant bits.
 */
export const uuidParam = z.strictObject({ id: z.guid('is not a valid id') });

export const noContent = z.null().describe('No content');

/** A 302 answer: no body, the Location header says where to go. */
export const redirect = z.null().meta({
  description: 'Redirect (no body)',
  headers: { location: { type: 'string', description: 'Where the browser goes next' } },
});

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const EDGE_ERRORS: Record<number, string> = {
  400: 'The request does not match this operation (validation_failed), has the NUL character in a text (invalid_text) or is not valid JSON (invalid_json)',
  413: 'The request body is over the size limit (payload_too_large)',
  414: 'A path segment is over 1000 characters (uri_too_long)',
  415: 'The request body is not JSON (unsupported_media_type)',
  503: 'The database is unreachable; try again shortly (service_unavailable)',
};

/**
 * `onRoute` hooks documenting on every route the statuses the edge gives whatever the route does — 400
 * (validation, NUL in text, malformed JSON) and 415 (not JSON) where bodies are parsed as JSON, 413 for a body
 * over the limit, 414 for a path segment over the router's limit, 503 while the database is unreachable — so the
 * OpenAPI document lists them. `raw` routes (Stripe webhooks) take any body as bytes: no JSON statuses.
 */
export function documentEdgeErrors(body: 'json' | 'raw') {
  return (route: RouteOptions): void => {
    if (route.schema?.hide) return;
    // Copies: routes may share one response map (the two webhook routes do), and only this route gets its 414.
    const response = { ...(route.schema?.response as Record<string, unknown> | undefined) };
    route.schema = { ...route.schema, response };
    const add = (status: number) => {
      response[String(status)] ??= { description: EDGE_ERRORS[status], content: { 'application/json': { schema: errorSchema } } };
    };
    const takesBody = [route.method].flat().some((m) => BODY_METHODS.has(m));
    if (body === 'json') add(400);
    if (takesBody) add(413);
    if (takesBody && body === 'json') add(415);
    if (route.url.includes(':')) add(414);
    add(503);
  };
}

export function forwardCookies(reply: FastifyReply, cookies: string[]): void {
  if (cookies.length > 0) reply.header('set-cookie', cookies);
}

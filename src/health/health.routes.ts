import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { type App, errorSchema } from '../core/http.js';
import type { Metrics } from '../core/metrics.js';

export type ReadinessCheck = () => Promise<void>;

const readySchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.object({ status: z.enum(['ok', 'down']), error: z.string().optional() })),
});

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (::ffff:127.x.x.x), as the socket reports them. */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return ip === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(ip);
}

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Who may read /metrics (route names, error rates, process internals): with METRICS_TOKEN set, whoever presents it
 * as a bearer token; without it, only the machine itself (a scraper on localhost, or behind a proxy that is told).
 */
function checkMetricsAccess(request: FastifyRequest, token: string | undefined): void {
  if (token) {
    const [scheme, given] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() === 'bearer' && given && sameSecret(given.trim(), token)) return;
    throw new AppError(401, 'unauthorized', 'Metrics need "Authorization: Bearer <METRICS_TOKEN>".');
  }
  if (!isLoopback(request.ip)) {
    throw new AppError(
      403,
      'forbidden',
      'Metrics are only served to loopback clients. Set METRICS_TOKEN to let a scraper elsewhere read them with a bearer token.',
    );
  }
}

export function registerHealthRoutes(
  app: App,
  deps: { checks: Record<string, ReadinessCheck>; metrics: Metrics; metricsToken?: string | undefined },
) {
  const tags = ['Health'];

  app.get(
    '/healthz',
    { schema: { tags, summary: 'The process is up', security: [], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags,
        summary: 'Database and job queue are reachable',
        security: [],
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (_request, reply) => {
      const entries = await Promise.all(
        Object.entries(deps.checks).map(async ([name, check]) => {
          try {
            await check();
            return [name, { status: 'ok' as const }] as const;
          } catch (err) {
            // The reason is generic on purpose: connection strings and hosts stay out of public answers.
            return [
              name,
              { status: 'down' as const, error: err instanceof Error && 'code' in err ? String(err.code) : 'unreachable' },
            ] as const;
          }
        }),
      );
      const checks = Object.fromEntries(entries);
      const ok = entries.every(([, c]) => c.status === 'ok');
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags,
        summary: 'Prometheus metrics (bearer METRICS_TOKEN when set; otherwise loopback clients only)',
        security: [{ metricsToken: [] }],
        response: {
          200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } },
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request, reply) => {
      checkMetricsAccess(request, deps.metricsToken);
      reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );
}

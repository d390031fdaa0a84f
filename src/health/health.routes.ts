import { z } from 'zod';
import type { App } from '../app/http.js';
import type { Metrics } from '../app/metrics.js';

export type ReadinessCheck = () => Promise<void>;

const readySchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), z.object({ status: z.enum(['ok', 'down']), error: z.string().optional() })),
});

export function registerHealthRoutes(app: App, deps: { checks: Record<string, ReadinessCheck>; metrics: Metrics }) {
  const tags = ['Health'];

  app.get(
    '/healthz',
    { schema: { tags, summary: 'The process is up', response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { tags, summary: 'Database and job queue are reachable', response: { 200: readySchema, 503: readySchema } } },
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

  app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics', hide: false } }, async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}

import type { FastifyReply } from 'fastify';
import { type App, errorSchema } from '../core/http.js';
import type { IngestService } from './ingest.service.js';
import {
  acceptedSchema,
  batchAcceptedSchema,
  batchBody,
  groupMessage,
  identifyMessage,
  pageMessage,
  trackMessage,
} from './segment.schemas.js';

const tags = ['Segment-compatible ingestion'];
const security: Record<string, string[]>[] = [{ writeKey: [] }, { apiKey: [] }];
const errors = { 400: errorSchema, 401: errorSchema };

const SINGLE = [
  { path: 'identify', body: identifyMessage, summary: 'Who a user is (traits such as email and name)' },
  {
    path: 'track',
    body: trackMessage,
    summary: 'Something a user did (an event with properties); Ticket Opened / Ticket Solved are support tickets',
  },
  {
    path: 'group',
    body: groupMessage,
    summary: 'Which account (group) a user belongs to, with its traits; groups are matched to customers',
  },
  { path: 'page', body: pageMessage, summary: 'A page view (counted as usage)' },
  { path: 'screen', body: pageMessage, summary: 'A screen view (counted as usage)' },
] as const;

const noStore = (reply: FastifyReply) => reply.header('cache-control', 'no-store');

/**
 * Segment's HTTP tracking API on PulseScore's own host (`/v1/…`), so that `@segment/analytics-node` and
 * RudderStack's SDKs send here with only their `host` changed. The write key is an organization API key (HTTP
 * basic authentication, the key as user name). Answers are Segment's: 200 `{ success: true }` once stored.
 */
export function registerIngestRoutes(app: App, deps: { ingest: IngestService }) {
  const { ingest } = deps;
  for (const route of SINGLE) {
    app.post(
      `/v1/${route.path}`,
      {
        schema: {
          tags,
          summary: route.summary,
          description:
            'One message, stored (deduplicated by messageId) before the answer. userId or anonymousId is required; a message is at most 32 KB.',
          security,
          body: route.body,
          response: { 200: acceptedSchema, ...errors },
        },
      },
      async (request, reply) => {
        noStore(reply);
        const orgId = await ingest.organizationOf(request.headers.authorization, request.body);
        const { duplicate } = await ingest.ingestOne(orgId, route.path, request.body);
        return { success: true as const, duplicate };
      },
    );
  }

  app.post(
    '/v1/batch',
    {
      schema: {
        tags,
        summary: 'Several messages at once (what Segment’s server libraries send)',
        description:
          'Each message carries its type (identify, track, group, page, screen) and is checked on its own: the good ones are ' +
          'stored before the answer, the bad ones are listed in `rejected` (by index) and fail alone. A message already stored ' +
          '(same messageId) counts once. The write key may also be sent as `writeKey` in the body.',
        security,
        body: batchBody,
        response: { 200: batchAcceptedSchema, ...errors },
      },
    },
    async (request, reply) => {
      noStore(reply);
      const orgId = await ingest.organizationOf(request.headers.authorization, request.body);
      const outcome = await ingest.ingestBatch(orgId, request.body.batch, { context: request.body.context });
      return { success: true as const, ...outcome };
    },
  );
}

import { z } from 'zod';
import { type App, authErrors, errorSchema, uuidParam } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import {
  dataSourcesResponse,
  identityKeyParam,
  importBody,
  importKindParam,
  importResponse,
  importsResponse,
  mappingBody,
  mappingResponse,
  unmatchedQuery,
  unmatchedResponse,
  usageSettingsBody,
} from './usage.schemas.js';
import type { UsageService } from './usage.service.js';

const tags = ['Data sources'];
const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;

/** Settings → Data sources: the Segment endpoint and its status, matching rules, unmatched identities, CSV imports. */
export function registerUsageRoutes(app: App, deps: { usage: UsageService; authenticate: Authenticate }) {
  const { usage, authenticate } = deps;
  const ctxOf = async (request: Parameters<Authenticate>[0]) => orgContext(await authenticate(request));

  app.get(
    '/data-sources',
    {
      schema: {
        tags,
        summary: 'The Segment-compatible endpoint, what it has received, and the settings',
        response: { 200: dataSourcesResponse, ...authErrors },
      },
    },
    async (request) => usage.overview(await ctxOf(request)),
  );

  app.put(
    '/data-sources/settings',
    {
      schema: {
        tags,
        summary: 'How groups and users match customers, raw-event retention, sentiment expiry (admin)',
        description:
          'A new matching rule re-matches every group and user that was not mapped by hand. matchBy metadata without metadataKey answers 422.',
        body: usageSettingsBody,
        response: { 200: dataSourcesResponse, 422: errorSchema, ...authErrors },
      },
    },
    async (request) => usage.putSettings(await ctxOf(request), request.body),
  );

  app.get(
    '/data-sources/unmatched',
    {
      schema: {
        tags,
        summary: 'Segment groups and users that match no customer yet (their events wait for a match)',
        querystring: unmatchedQuery,
        response: { 200: unmatchedResponse, ...authErrors },
      },
    },
    async (request) => usage.unmatched(await ctxOf(request), request.query.limit),
  );

  for (const kind of ['group', 'user'] as const) {
    app.put(
      `/data-sources/${kind}s/:key/customer`,
      {
        schema: {
          tags,
          summary: `Map a Segment ${kind} to a customer by hand (admin); null returns it to the automatic rule`,
          params: identityKeyParam,
          body: mappingBody,
          response: { 200: mappingResponse, ...authErrors },
        },
      },
      async (request) => usage.map(await ctxOf(request), kind, request.params.key, request.body.customerId),
    );
  }

  app.post(
    '/data-sources/imports/:kind',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Import usage or tickets from CSV (admin): every row is checked, and one bad row imports nothing',
        description:
          'usage columns: date (YYYY-MM-DD), customer, events, and optionally event and active_users. tickets columns: ticket_id, ' +
          'customer, opened_at, and optionally status (open|solved), priority (low|normal|high|urgent), solved_at, satisfaction ' +
          '(good|bad, 0–1 or a 1–5 rating), subject. customer is a Stripe customer id, a PulseScore customer id, an email or a ' +
          'matched Segment group id. A usage row is the day’s total for its customer and event (importing again replaces it). ' +
          'A file that cannot be read, lacks a column or has no rows answers 422 invalid_csv; one with bad rows answers 422 import_rejected with the first errors and errorReportUrl, a CSV of every error.',
        params: importKindParam,
        body: importBody,
        response: { 201: importResponse, 422: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await usage.importFile(await ctxOf(request), request.params.kind, request.body)),
  );

  app.get(
    '/data-sources/imports',
    { schema: { tags, summary: 'The last imports, with their error reports', response: { 200: importsResponse, ...authErrors } } },
    async (request) => ({ imports: await usage.imports(await ctxOf(request)) }),
  );

  app.get(
    '/data-sources/imports/:id/errors.csv',
    {
      schema: {
        tags,
        summary: 'The error report of an import: one row per error (line, column, value, what is wrong)',
        params: uuidParam,
        response: {
          200: { description: 'CSV: row, column, value, error', content: { 'text/csv': { schema: z.string() } } },
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const csv = await usage.errorReport(await ctxOf(request), request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${request.params.id}-errors.csv"`)
        .send(csv);
    },
  );
}

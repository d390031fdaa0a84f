import { z } from 'zod';
import { type App, authErrors, idParam } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import {
  customerDetail,
  customerFilterQuery,
  customerListQuery,
  customerListResponse,
  customerVersion,
  scoreHistoryResponse,
  timelineResponse,
} from './customers.schemas.js';
import type { CustomersService } from './customers.service.js';

const tags = ['Customers'];

export function registerCustomerRoutes(app: App, deps: { customers: CustomersService; authenticate: Authenticate }) {
  const { customers, authenticate } = deps;

  app.get(
    '/customers',
    {
      schema: {
        tags,
        summary: 'Customers with search, sort, risk filter and pagination',
        querystring: customerListQuery,
        response: { 200: customerListResponse, ...authErrors },
      },
    },
    async (request) => customers.list(orgContext(await authenticate(request)), request.query),
  );

  // Registered before /customers/:id so that "export.csv" is never taken for an id.
  app.get(
    '/customers/export.csv',
    {
      schema: {
        tags,
        summary: 'The filtered customer list as CSV (streamed)',
        querystring: customerFilterQuery,
        response: {
          200: {
            description: 'A header row, then one row per customer (streamed)',
            content: { 'text/csv': { schema: z.string() } },
          },
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const ctx = orgContext(await authenticate(request));
      const stamp = new Date().toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="pulsescore-customers-${stamp}.csv"`)
        .send(customers.exportCsv(ctx, request.query) as never);
    },
  );

  app.get(
    '/customers/:id',
    {
      schema: {
        tags,
        summary: 'A customer: score with factors and explanation, subscriptions, payments, MRR history',
        params: idParam,
        response: { 200: customerDetail, ...authErrors },
      },
    },
    async (request) => customers.detail(orgContext(await authenticate(request)), request.params.id),
  );

  app.get(
    '/customers/:id/version',
    {
      schema: {
        tags,
        summary: 'A cheap token that changes whenever the customer’s page would: poll it to keep an open page current',
        params: idParam,
        response: { 200: customerVersion, ...authErrors },
      },
    },
    async (request) => customers.version(orgContext(await authenticate(request)), request.params.id),
  );

  app.get(
    '/customers/:id/score-history',
    {
      schema: {
        tags,
        summary: 'Every change of the customer’s score, oldest first',
        params: idParam,
        response: { 200: scoreHistoryResponse, ...authErrors },
      },
    },
    async (request) => customers.scoreHistory(orgContext(await authenticate(request)), request.params.id),
  );

  app.get(
    '/customers/:id/timeline',
    {
      schema: {
        tags,
        summary: 'Payments, subscription changes, MRR movements and score changes, newest first',
        params: idParam,
        response: { 200: timelineResponse, ...authErrors },
      },
    },
    async (request) => customers.timeline(orgContext(await authenticate(request)), request.params.id),
  );

  app.post(
    '/customers/:id/recalculate',
    { schema: { tags, summary: 'Re-score this customer now', params: idParam, response: { 200: customerDetail, ...authErrors } } },
    async (request) => customers.recalculate(orgContext(await authenticate(request)), request.params.id),
  );
}

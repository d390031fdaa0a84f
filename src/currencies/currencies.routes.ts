import { type App, authErrors, errorSchema, noContent, uuidParam } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { createRateBody, currenciesResponse, rateSchema, reportingCurrencyBody } from './currencies.schemas.js';
import type { CurrenciesService } from './currencies.service.js';

const tags = ['Currencies'];

export function registerCurrencyRoutes(app: App, deps: { currencies: CurrenciesService; authenticate: Authenticate }) {
  const { currencies, authenticate } = deps;

  app.get(
    '/currencies',
    {
      schema: {
        tags,
        summary: 'The reporting currency, the currencies the organization bills in with today’s rate, and every rate set',
        response: { 200: currenciesResponse, ...authErrors },
      },
    },
    async (request) => currencies.overview(orgContext(await authenticate(request))),
  );

  app.put(
    '/currencies/reporting',
    {
      schema: {
        tags,
        summary: 'Choose the reporting currency (admin); null goes back to the default rule',
        body: reportingCurrencyBody,
        response: { 200: currenciesResponse, ...authErrors },
      },
    },
    async (request) => currencies.setReportingCurrency(orgContext(await authenticate(request)), request.body.currency),
  );

  app.post(
    '/currencies/rates',
    {
      schema: {
        tags,
        summary:
          'Set an exchange rate from a day on (admin); 409 when the pair already has a rate that day; 422 for a rate of zero, ' +
          'a day not in the calendar, base equal to quote, or no quote while there is no reporting currency',
        body: createRateBody,
        response: { 201: rateSchema, ...authErrors, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => reply.status(201).send(await currencies.addRate(orgContext(await authenticate(request)), request.body)),
  );

  app.delete(
    '/currencies/rates/:id',
    { schema: { tags, summary: 'Delete an exchange rate (admin)', params: uuidParam, response: { 204: noContent, ...authErrors } } },
    async (request, reply) => {
      await currencies.deleteRate(orgContext(await authenticate(request)), request.params.id);
      return reply.status(204).send(null);
    },
  );
}

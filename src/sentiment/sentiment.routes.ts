import { type App, authErrors, uuidParam } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { ownerBody, sentimentBody, sentimentResponse } from './sentiment.schemas.js';
import type { SentimentService } from './sentiment.service.js';

const tags = ['Sentiment'];

export function registerSentimentRoutes(app: App, deps: { sentiment: SentimentService; authenticate: Authenticate }) {
  const { sentiment, authenticate } = deps;

  app.get(
    '/customers/:id/sentiment',
    {
      schema: {
        tags,
        summary: 'The team’s sentiment of a customer: the latest (and whether it still counts), history, owner',
        params: uuidParam,
        response: { 200: sentimentResponse, ...authErrors },
      },
    },
    async (request) => sentiment.get(orgContext(await authenticate(request)), request.params.id),
  );

  app.post(
    '/customers/:id/sentiment',
    {
      schema: {
        tags,
        summary: 'Record a 1–5 sentiment with a note (admins and the customer’s owner); it counts until it expires',
        params: uuidParam,
        body: sentimentBody,
        response: { 201: sentimentResponse, ...authErrors },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await sentiment.record(orgContext(await authenticate(request)), request.params.id, request.body)),
  );

  app.put(
    '/customers/:id/owner',
    {
      schema: {
        tags,
        summary: 'Assign the customer’s owner (admin); null clears it',
        params: uuidParam,
        body: ownerBody,
        response: { 200: sentimentResponse, ...authErrors },
      },
    },
    async (request) => sentiment.setOwner(orgContext(await authenticate(request)), request.params.id, request.body.userId),
  );
}

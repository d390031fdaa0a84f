import { type App, authErrors, errorSchema, uuidParam } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { ticketBody, ticketResponse, ticketsResponse } from './tickets.schemas.js';
import type { TicketsService } from './tickets.service.js';

const tags = ['Support tickets'];

export function registerTicketRoutes(app: App, deps: { tickets: TicketsService; authenticate: Authenticate }) {
  const { tickets, authenticate } = deps;

  app.post(
    '/support/tickets',
    {
      schema: {
        tags,
        summary: 'Record or update a support ticket of a customer (by ticket id); it feeds the support factor',
        description: 'A solvedAt before openedAt, or a solvedAt on an open ticket, answers 422.',
        body: ticketBody,
        response: { 201: ticketResponse, 422: errorSchema, ...authErrors },
      },
    },
    async (request, reply) =>
      reply.status(201).send({ ticket: await tickets.record(orgContext(await authenticate(request)), request.body) }),
  );

  app.get(
    '/customers/:id/tickets',
    {
      schema: {
        tags,
        summary: 'A customer’s support tickets, newest first',
        params: uuidParam,
        response: { 200: ticketsResponse, ...authErrors },
      },
    },
    async (request) => ({ tickets: await tickets.listForCustomer(orgContext(await authenticate(request)), request.params.id) }),
  );
}

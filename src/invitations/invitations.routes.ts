import { type App, authErrors, errorSchema, idParam, noContent } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext, requireUser } from '../auth/roles.js';
import {
  acceptInvitationBody,
  acceptInvitationResponse,
  createInvitationBody,
  invitationSchema,
  invitationsResponse,
  invitationTokenParam,
  invitationWithLinkSchema,
} from './invitations.schemas.js';
import type { InvitationsService } from './invitations.service.js';

const tags = ['Invitations'];
const errors = { ...authErrors, 409: errorSchema, 410: errorSchema };

export function registerInvitationRoutes(app: App, deps: { invitations: InvitationsService; authenticate: Authenticate }) {
  const { invitations, authenticate } = deps;

  app.get(
    '/invitations',
    {
      schema: {
        tags,
        summary: 'Pending invitations of the active organization, with their links (admin)',
        response: { 200: invitationsResponse, ...authErrors },
      },
    },
    async (request) => ({
      invitations: await invitations.list(orgContext(await authenticate(request))),
    }),
  );

  app.post(
    '/invitations',
    {
      schema: {
        tags,
        summary: 'Invite someone by email (admin)',
        body: createInvitationBody,
        response: { 201: invitationWithLinkSchema, ...errors },
      },
    },
    async (request, reply) => {
      const actor = await authenticate(request);
      const ctx = orgContext(actor);
      const inviter = requireUser(actor, 'send invitations');
      return reply.status(201).send(await invitations.create(ctx, inviter.userId, request.body));
    },
  );

  app.delete(
    '/invitations/:id',
    { schema: { tags, summary: 'Cancel a pending invitation (admin)', params: idParam, response: { 204: noContent, ...errors } } },
    async (request, reply) => {
      await invitations.cancel(orgContext(await authenticate(request)), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/invitations/:token/preview',
    {
      schema: {
        tags,
        summary: 'What an invitation is for (the token is the secret from the email)',
        params: invitationTokenParam,
        security: [],
        response: { 200: invitationSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => invitations.preview(request.params.token),
  );

  app.post(
    '/invitations/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation as the signed-in user',
        body: acceptInvitationBody,
        response: { 200: acceptInvitationResponse, ...errors },
      },
    },
    async (request) => {
      const user = requireUser(await authenticate(request), 'accept invitations');
      return invitations.accept(user, request.body);
    },
  );
}

import { type App, authErrors, errorSchema, idParam, noContent } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { changeRoleBody, memberSchema, membersResponse } from './members.schemas.js';
import type { MembersService } from './members.service.js';

const tags = ['Members'];

export function registerMemberRoutes(app: App, deps: { members: MembersService; authenticate: Authenticate }) {
  const { members, authenticate } = deps;

  app.get(
    '/members',
    { schema: { tags, summary: 'Members of the active organization', response: { 200: membersResponse, ...authErrors } } },
    async (request) => ({
      members: await members.list(orgContext(await authenticate(request))),
    }),
  );

  app.patch(
    '/members/:id',
    {
      schema: {
        tags,
        summary: 'Change a member’s role (admin; owners for owner changes)',
        params: idParam,
        body: changeRoleBody,
        response: { 200: memberSchema, 409: errorSchema, ...authErrors },
      },
    },
    async (request) => members.changeRole(orgContext(await authenticate(request)), request.params.id, request.body.role),
  );

  app.delete(
    '/members/:id',
    {
      schema: {
        tags,
        summary: 'Remove a member (admin), or leave the organization',
        params: idParam,
        response: { 204: noContent, 409: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      await members.remove(orgContext(await authenticate(request)), request.params.id);
      return reply.status(204).send(null);
    },
  );
}

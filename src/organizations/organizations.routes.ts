import { type App, authErrors } from '../core/http.js';
import { type Authenticate, clientHeaders } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { createBody, meResponse, organizationSchema, renameBody, switchBody } from './organizations.schemas.js';
import type { OrganizationsService } from './organizations.service.js';

const tags = ['Organizations'];

export function registerOrganizationRoutes(app: App, deps: { organizations: OrganizationsService; authenticate: Authenticate }) {
  const { organizations, authenticate } = deps;

  app.get(
    '/me',
    { schema: { tags, summary: 'The caller, their organizations and the active one', response: { 200: meResponse, ...authErrors } } },
    async (request) => organizations.me(await authenticate(request)),
  );

  app.post(
    '/me/active-organization',
    { schema: { tags, summary: 'Switch the active organization', body: switchBody, response: { 200: organizationSchema, ...authErrors } } },
    async (request) => organizations.switchTo(await authenticate(request), request.body.organizationId),
  );

  app.get(
    '/organization',
    { schema: { tags, summary: 'The active organization', response: { 200: organizationSchema, ...authErrors } } },
    async (request) => organizations.current(orgContext(await authenticate(request))),
  );

  app.patch(
    '/organization',
    {
      schema: {
        tags,
        summary: 'Rename the active organization (admin)',
        body: renameBody,
        response: { 200: organizationSchema, ...authErrors },
      },
    },
    async (request) => organizations.rename(orgContext(await authenticate(request)), request.body.name),
  );

  app.post(
    '/organizations',
    {
      schema: {
        tags,
        summary: 'Create another organization and switch to it',
        body: createBody,
        response: { 201: organizationSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const org = await organizations.create(await authenticate(request), request.body.name, clientHeaders(request));
      return reply.status(201).send(org);
    },
  );
}

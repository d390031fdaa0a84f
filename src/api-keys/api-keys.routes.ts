import { type App, authErrors, noContent, uuidParam } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { apiKeysResponse, createApiKeyBody, createdApiKeySchema } from './api-keys.schemas.js';
import type { ApiKeysService } from './api-keys.service.js';

const tags = ['API keys'];

export function registerApiKeyRoutes(app: App, deps: { apiKeys: ApiKeysService; authenticate: Authenticate }) {
  const { apiKeys, authenticate } = deps;

  app.get(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'Active API keys of the organization (secrets are never shown again)',
        response: { 200: apiKeysResponse, ...authErrors },
      },
    },
    async (request) => ({
      apiKeys: await apiKeys.list(orgContext(await authenticate(request))),
    }),
  );

  app.post(
    '/api-keys',
    {
      schema: {
        tags,
        summary: 'Create an API key (admin); the secret is in this response only',
        body: createApiKeyBody,
        response: { 201: createdApiKeySchema, ...authErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await apiKeys.create(orgContext(await authenticate(request)), request.body)),
  );

  app.delete(
    '/api-keys/:id',
    { schema: { tags, summary: 'Revoke an API key (admin)', params: uuidParam, response: { 204: noContent, ...authErrors } } },
    async (request, reply) => {
      await apiKeys.revoke(orgContext(await authenticate(request)), request.params.id);
      return reply.status(204).send(null);
    },
  );
}

import { type App, authErrors } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { supportInfo, supportMessageBody, supportMessageSent } from './support.schemas.js';
import type { SupportService } from './support.service.js';

const tags = ['Support'];

export function registerSupportRoutes(app: App, deps: { support: SupportService; authenticate: Authenticate }) {
  app.get(
    '/support',
    { schema: { tags, summary: 'The support email and the status page', response: { 200: supportInfo, ...authErrors } } },
    async (request) => {
      await deps.authenticate(request);
      return deps.support.info();
    },
  );
  app.post(
    '/support/messages',
    {
      schema: {
        tags,
        summary: 'Send a message to support from a page of the app (the in-app chat)',
        body: supportMessageBody,
        response: { 202: supportMessageSent, ...authErrors },
      },
    },
    async (request, reply) => reply.status(202).send(await deps.support.send(await deps.authenticate(request), request.body)),
  );
}

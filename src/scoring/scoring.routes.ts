import { type App, authErrors } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { accepted, previewResponse, scoringConfigBody } from './scoring.schemas.js';
import type { ScoringService } from './scoring.service.js';

const tags = ['Scoring'];

export function registerScoringRoutes(app: App, deps: { scoring: ScoringService; authenticate: Authenticate }) {
  const { scoring, authenticate } = deps;

  app.get(
    '/scoring/config',
    { schema: { tags, summary: 'Scoring weights and risk thresholds', response: { 200: scoringConfigBody, ...authErrors } } },
    async (request) => scoring.getConfig(orgContext(await authenticate(request))),
  );

  app.put(
    '/scoring/config',
    {
      schema: {
        tags,
        summary: 'Change weights and thresholds (admin); the organization is re-scored in the background',
        body: scoringConfigBody,
        response: { 200: scoringConfigBody, ...authErrors },
      },
    },
    async (request) => scoring.putConfig(orgContext(await authenticate(request)), request.body),
  );

  app.post(
    '/scoring/preview',
    {
      schema: {
        tags,
        summary: 'Score the organization under a candidate configuration without saving it',
        body: scoringConfigBody,
        response: { 200: previewResponse, ...authErrors },
      },
    },
    async (request) => scoring.preview(orgContext(await authenticate(request)), request.body),
  );

  app.post(
    '/scoring/recalculate',
    { schema: { tags, summary: 'Re-score every customer now (admin)', response: { 202: accepted, ...authErrors } } },
    async (request, reply) => {
      await scoring.recalculate(orgContext(await authenticate(request)));
      return reply.status(202).send({ status: 'queued', message: 'Every customer is being re-scored.' });
    },
  );
}

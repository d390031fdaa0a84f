import { type App, authErrors } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { backtestQuery, backtestResponse, queued, whatIfBody, whatIfResponse } from './backtest.schemas.js';
import type { BacktestService } from './backtest.service.js';

const tags = ['Scoring'];

export function registerBacktestRoutes(app: App, deps: { backtest: BacktestService; authenticate: Authenticate }) {
  const { backtest, authenticate } = deps;

  app.get(
    '/scoring/backtest',
    {
      schema: {
        tags,
        summary: 'How well the reconstructed score foresaw the customers who churned (precision, recall, lift, churned MRR flagged)',
        querystring: backtestQuery,
        response: { 200: backtestResponse, ...authErrors },
      },
    },
    async (request) => backtest.backtest(orgContext(await authenticate(request)), request.query.horizon),
  );

  app.post(
    '/scoring/backtest/preview',
    {
      schema: {
        tags,
        summary: 'The backtest of a candidate configuration beside the saved one’s, without saving it',
        body: whatIfBody,
        response: { 200: whatIfResponse, ...authErrors },
      },
    },
    async (request) => backtest.whatIf(orgContext(await authenticate(request)), request.body),
  );

  app.post(
    '/scoring/backtest/rebuild',
    { schema: { tags, summary: 'Rebuild the reconstructed score history now (admin)', response: { 202: queued, ...authErrors } } },
    async (request, reply) => {
      await backtest.rebuildNow(orgContext(await authenticate(request)));
      return reply.status(202).send({ status: 'queued', message: 'The score history is being rebuilt.' });
    },
  );
}

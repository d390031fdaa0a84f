import { type App, authErrors } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { distributionResponse, summaryResponse, trendQuery, trendResponse } from './dashboard.schemas.js';
import type { DashboardService } from './dashboard.service.js';

const tags = ['Dashboard'];

export function registerDashboardRoutes(app: App, deps: { dashboard: DashboardService; authenticate: Authenticate }) {
  const { dashboard, authenticate } = deps;

  app.get(
    '/dashboard/summary',
    {
      schema: {
        tags,
        summary: 'Customers, MRR per currency, risk distribution, average score and their 7/30-day change',
        response: { 200: summaryResponse, ...authErrors },
      },
    },
    async (request) => dashboard.summary(orgContext(await authenticate(request))),
  );

  app.get(
    '/dashboard/score-distribution',
    { schema: { tags, summary: 'Score histogram and risk breakdown', response: { 200: distributionResponse, ...authErrors } } },
    async (request) => dashboard.scoreDistribution(orgContext(await authenticate(request))),
  );

  app.get(
    '/dashboard/mrr-trend',
    {
      schema: {
        tags,
        summary: 'MRR per currency at the start of each month and now, with each month’s movements',
        querystring: trendQuery,
        response: { 200: trendResponse, ...authErrors },
      },
    },
    async (request) => dashboard.mrrTrend(orgContext(await authenticate(request)), request.query.months),
  );
}

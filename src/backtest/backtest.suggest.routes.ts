import { type App, authErrors } from '../core/http.js';
import type { Authenticate } from '../auth/authenticate.js';
import { orgContext } from '../auth/roles.js';
import { suggestionQuery, suggestionResponse } from './backtest.suggest.schemas.js';
import type { BacktestSuggestionService } from './backtest.suggest.service.js';

const tags = ['Scoring'];

export function registerBacktestSuggestionRoutes(app: App, deps: { suggestion: BacktestSuggestionService; authenticate: Authenticate }) {
  const { suggestion, authenticate } = deps;

  app.get(
    '/scoring/backtest/suggestion',
    {
      schema: {
        tags,
        summary: 'Weights and thresholds fitted to the older part of the reconstructed history, checked on the newer part (never saved)',
        description:
          'Fitted on the older churns (about two thirds), reported on the newer ones: both are shown, beside the saved configuration. ' +
          'The search maximizes F1 of "red or yellow" at the horizon. Nothing is saved; an admin applies a suggestion with PUT /scoring/config.',
        querystring: suggestionQuery,
        response: { 200: suggestionResponse, ...authErrors },
      },
    },
    async (request) => suggestion.suggestion(orgContext(await authenticate(request)), request.query.horizon),
  );
}

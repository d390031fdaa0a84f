import type { z } from 'zod';
import type { suggestionResponse } from '../../../src/backtest/backtest.suggest.schemas';

// The suggested configuration: the server's response schema is the web app's type.
export type BacktestSuggestionResponse = z.infer<typeof suggestionResponse>;
export type Suggestion = NonNullable<BacktestSuggestionResponse['suggestion']>;
export type SuggestionPart = NonNullable<Suggestion['fit']>['current'];
export type SuggestedConfig = Suggestion['current'];

import type { z } from 'zod';
import type { sentimentResponse } from '../../../src/sentiment/sentiment.schemas';
import type { ticketsResponse } from '../../../src/tickets/tickets.schemas';
import type { dataSourcesResponse, importResponse, importsResponse, unmatchedResponse } from '../../../src/usage/usage.schemas';

// Product usage, support tickets and sentiment: the server's response schemas are the web app's types.
export type DataSources = z.infer<typeof dataSourcesResponse>;
export type Unmatched = z.infer<typeof unmatchedResponse>;
export type Imports = z.infer<typeof importsResponse>;
export type ImportDone = z.infer<typeof importResponse>;
export type CustomerSentiment = z.infer<typeof sentimentResponse>;
export type Tickets = z.infer<typeof ticketsResponse>;

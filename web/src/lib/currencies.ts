import type { z } from 'zod';
import type {
  appliedRateSchema,
  conversionSchema,
  currenciesResponse,
  customerMrrInReporting,
  rateSchema,
} from '../../../src/currencies/currencies.schemas';
import type { summaryResponse } from '../../../src/dashboard/dashboard.schemas';
import { money } from './format';

// The server's schemas are the types (as in ./types.ts), kept here so that currency code stays in its own files.
export type Currencies = z.infer<typeof currenciesResponse>;
export type ExchangeRate = z.infer<typeof rateSchema>;
export type AppliedRate = z.infer<typeof appliedRateSchema>;
export type ReportingAmount = z.infer<typeof conversionSchema>;
export type CustomerMrrInReporting = z.infer<typeof customerMrrInReporting>;
type Summary = z.infer<typeof summaryResponse>;
export type Headline = NonNullable<Summary['headline']>;
export type Churn = Summary['churn'];

/** Queries whose answers change with the reporting currency or the rates. */
export const CURRENCY_DEPENDENT_QUERIES = [['currencies'], ['dashboard'], ['mrr-trend'], ['customers'], ['customer']];

export const code = (c: string) => c.toUpperCase();

/** Currencies offered in the pickers besides those the organization bills in. */
export const COMMON_CURRENCIES = ['usd', 'eur', 'gbp', 'jpy', 'cad', 'aud', 'chf', 'sek', 'nok', 'dkk', 'inr', 'brl', 'mxn', 'krw'];

/** "Converted at 1 EUR = 1.08 USD, rate of 2025-01-01". */
export const convertedLabel = (rate: AppliedRate) => `Converted at ${rate.label}`;

/** A list of amounts in their own currencies: "€1,150.00 · ¥72,000". */
export const amounts = (parts: { amount: number; currency: string }[]) => parts.map((p) => money(p.amount, p.currency)).join(' · ');

/** An ISO day ("2025-01-01") as people read it: "Jan 1, 2025". */
export function day(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d!)).toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

/** Today, as the server counts days (UTC). */
export const today = () => new Date().toISOString().slice(0, 10);

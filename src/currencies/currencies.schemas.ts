import { z } from 'zod';
import { CURRENCY_PATTERN, RATE_PATTERN } from '../revenue/exchange-rates.js';

/** Three letters (ISO 4217), any case; stored and answered in lower case as Stripe writes them. */
export const currencyCode = z
  .string()
  .regex(new RegExp(CURRENCY_PATTERN), 'must be a three-letter currency code such as USD')
  .transform((c) => c.toLowerCase());

/** A calendar day; impossible days that match the pattern (2025-02-30) are answered 422. */
const DAY_PATTERN = '^(19[7-9]\\d|2\\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$';

export const reportingCurrencyBody = z.strictObject({
  currency: currencyCode.nullable().describe('The reporting currency; null goes back to the default rule'),
});

export const createRateBody = z.strictObject({
  base: currencyCode.describe('The currency converted from, e.g. EUR'),
  quote: currencyCode.optional().describe('The currency converted into; default: the reporting currency'),
  rate: z
    .string()
    .regex(new RegExp(RATE_PATTERN), 'must be a positive decimal number such as 1.0825 (up to 12 digits each side of the point)')
    .describe('1 base = rate quote, as decimal text (exact; no floating point)'),
  effectiveFrom: z
    .string()
    .regex(new RegExp(DAY_PATTERN), 'must be a day written YYYY-MM-DD (1970 or later)')
    .describe('The first day (UTC) the rate is used on; it holds until a later rate of the pair'),
});

export const appliedRateSchema = z
  .object({
    id: z.string().optional(),
    base: z.string(),
    quote: z.string(),
    rate: z.string(),
    effectiveFrom: z.string().describe('The day the rate was set for'),
    inverted: z.boolean().describe('Used the other way round: the rate set for quote→base, divided into 1'),
    label: z.string().describe('"1 EUR = 1.08 USD, rate of 2025-01-01"'),
  })
  .meta({ id: 'AppliedRate' });

const moneyPart = z.object({
  currency: z.string(),
  amount: z.number().describe('Minor units of the part’s own currency (yen for JPY)'),
  display: z.number().describe('Major units of the part’s own currency'),
  status: z
    .enum(['reporting', 'converted', 'no_rate'])
    .describe('In the reporting currency already, converted with a set rate, or left out'),
  converted: z.object({ amount: z.number(), display: z.number() }).nullable().describe('In the reporting currency; null when left out'),
  rate: appliedRateSchema.nullable(),
  reason: z.string().nullable().describe('Why it was left out: "no EUR→USD rate"'),
});

export const conversionSchema = z
  .object({
    currency: z.string().describe('The reporting currency'),
    amount: z.number().describe('Minor units: the reporting currency’s own amounts plus those converted with a set rate, nothing else'),
    display: z.number().describe('Major units'),
    complete: z.boolean().describe('False when some currency was left out for want of a rate'),
    parts: z.array(moneyPart).describe('Every currency, in its own amount beside its converted one'),
    leftOut: z.array(moneyPart).describe('The currencies not added in, with the reason'),
  })
  .meta({ id: 'ReportingAmount' });

export const reportingCurrencySchema = z
  .object({
    currency: z.string().nullable().describe('Null when the organization has no paying customer and chose none'),
    source: z.enum(['set', 'default']).describe('Chosen by an admin, or by the default rule'),
    rule: z.string().describe('The default rule, in words'),
  })
  .meta({ id: 'ReportingCurrency' });

export const rateSchema = z
  .object({
    id: z.string(),
    base: z.string(),
    quote: z.string(),
    rate: z.string(),
    effectiveFrom: z.string(),
    createdAt: z.string(),
    inUse: z.boolean().describe('Converts into the reporting currency today'),
  })
  .meta({ id: 'ExchangeRate' });

export const currenciesResponse = z
  .object({
    asOf: z.string().describe('The day (UTC) conversions are for'),
    reportingCurrency: reportingCurrencySchema,
    currencies: z
      .array(
        z.object({
          currency: z.string(),
          payingCustomers: z.number(),
          mrr: z.number().describe('Minor units'),
          display: z.number().describe('Major units'),
          status: z.enum(['reporting', 'converted', 'no_rate']),
          converted: z.object({ amount: z.number(), display: z.number() }).nullable(),
          rate: appliedRateSchema.nullable(),
          reason: z.string().nullable(),
        }),
      )
      .describe('The currencies the organization bills in, each with today’s rate into the reporting currency'),
    rates: z.array(rateSchema).describe('Every rate set, by pair, the latest day first'),
  })
  .meta({ id: 'Currencies' });

export type CreateRateBody = z.infer<typeof createRateBody>;

export const customerMrrInReporting = z
  .object({
    currency: z.string().describe('The reporting currency'),
    amount: z.number().nullable().describe('Minor units; null when part of the MRR has no rate (nothing unconverted is added in)'),
    display: z.number().nullable().describe('Major units'),
    status: z
      .enum(['reporting', 'converted', 'no_rate'])
      .describe('Already in the reporting currency, converted with a set rate, or not convertible'),
    rates: z.array(appliedRateSchema).describe('The rates used, each with its date'),
    leftOut: z.array(z.object({ currency: z.string(), amount: z.number(), display: z.number(), reason: z.string() })),
  })
  .nullable()
  .describe('The MRR in the reporting currency (what `sort=mrr` orders by); null while there is no reporting currency')
  .meta({ id: 'CustomerMrrInReporting' });

import { z } from 'zod';
import { FACTORS, scoringConfigSchema } from '../scoring/scoring.config.js';

export const suggestionQuery = z.strictObject({
  horizon: z
    .enum(['30', '60', '90'])
    .default('30')
    .transform((h) => Number(h) as 30 | 60 | 90)
    .describe('Days ahead: how long before a churn the score is judged (30, 60 or 90)'),
});

const rate = z.object({
  value: z.number().nullable().describe('numerator / denominator; null when the denominator is 0'),
  numerator: z.number(),
  denominator: z.number(),
  low: z.number().nullable().describe('95 % Wilson interval, lower bound'),
  high: z.number().nullable().describe('95 % Wilson interval, upper bound'),
  smallSample: z.boolean().describe('Fewer than 20 customers behind it: read the interval, not the number'),
});

const flag = z.object({
  flagged: z.number(),
  caught: z.number(),
  falseAlarms: z.number().describe('Flagged customers who stayed'),
  precision: rate.describe('Of the customers flagged, the share who churned within the horizon'),
  recall: rate.describe('Of the customers who churned, the share flagged ahead'),
  lift: z.number().nullable().describe('Precision ÷ base rate'),
});

const part = z
  .object({
    churners: z.number(),
    stayers: z.number(),
    excluded: z.object({ churners: z.number(), stayers: z.number() }).describe('Customers without a reconstructed point at their moment'),
    baseRate: rate,
    red: flag,
    redOrYellow: flag,
    f1: z.number().nullable().describe('The objective: F1 (harmonic mean of precision and recall) of "red or yellow"'),
  })
  .meta({ id: 'BacktestSuggestionPart' });

const pair = z.object({
  current: part.describe('The saved configuration'),
  suggested: part.describe('The suggested configuration'),
});

const period = z.object({
  churnsFrom: z.string().describe('The oldest churn of this part'),
  churnsTo: z.string().describe('The newest churn of this part'),
  stayersAt: z.string().describe('The moment customers who stayed are judged at'),
});

export const suggestionResponse = z
  .object({
    status: z.enum(['not_built', 'building', 'ready', 'failed']).describe('The reconstructed score history the suggestion is fitted to'),
    historyStart: z.string().nullable(),
    historyEnd: z.string().nullable(),
    horizon: z.number(),
    suggestion: z
      .object({
        status: z
          .enum(['suggested', 'keep_current', 'too_few_churns'])
          .describe(
            'suggested: better than the saved configuration on the newer part, never used for fitting; keep_current: not better there; too_few_churns: not enough churns to fit and check',
          ),
        objective: z.literal('f1_red_or_yellow').describe('What the search maximizes on the older part'),
        churns: z.number().describe('Churns with a reconstructed score h days before them'),
        split: z
          .object({
            at: z.string().describe('Churns up to this moment are the fit part; later ones the report part'),
            fit: period,
            report: period,
          })
          .nullable(),
        current: scoringConfigSchema,
        suggested: scoringConfigSchema.nullable().describe('Never applied by this call: an admin saves it with PUT /scoring/config'),
        fitted: z
          .array(z.enum(FACTORS))
          .describe(
            'Factors the history has values for; the others keep their current weight (scaled), as nothing says how to change them',
          ),
        fit: pair.nullable().describe('The older part, which the suggestion was fitted to'),
        report: pair.nullable().describe('The newer part, which only checks the suggestion'),
        shares: z
          .array(
            z.object({
              factor: z.enum(FACTORS),
              churners: z.number().describe('Churners flagged ahead whose score this factor pulled down the most'),
              share: z.number().describe('Of all churners judged, both parts'),
            }),
          )
          .describe('What each factor predicted, under the suggested configuration'),
        reason: z.string().nullable().describe('The shares in words: "failed payments predicted 70 % of your churn; …"'),
        verdict: z.string().describe('What the newer part says, and what to do'),
      })
      .nullable()
      .describe('Null until the score history has been reconstructed'),
  })
  .meta({ id: 'BacktestSuggestion' });

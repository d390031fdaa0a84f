import { z } from 'zod';
import { scoringConfigSchema } from '../scoring/scoring.config.js';

const level = z.enum(['green', 'yellow', 'red']);
const horizon = z.union([z.literal(30), z.literal(60), z.literal(90)]);

export const backtestQuery = z.strictObject({
  horizon: z
    .enum(['30', '60', '90'])
    .default('30')
    .transform((h) => Number(h) as 30 | 60 | 90)
    .describe('Days ahead: how long before a churn the score is judged (30, 60 or 90)'),
});

export const whatIfBody = z.strictObject({
  config: scoringConfigSchema.describe(
    'The candidate scoring configuration, as PUT /scoring/config takes it (at least one weight above 0; 0 < yellow < green ≤ 100)',
  ),
  horizon: horizon.default(30),
});

const rate = z
  .object({
    value: z.number().nullable().describe('numerator / denominator; null when the denominator is 0'),
    numerator: z.number(),
    denominator: z.number(),
    low: z.number().nullable().describe('95 % Wilson interval, lower bound'),
    high: z.number().nullable().describe('95 % Wilson interval, upper bound'),
    smallSample: z.boolean().describe('Fewer than 20 customers behind it: read the interval, not the number'),
  })
  .meta({ id: 'BacktestRate' });

const flag = z.object({
  flagged: z.number(),
  caught: z.number(),
  precision: rate.describe('Of the customers flagged, the share who churned within the horizon'),
  recall: rate.describe('Of the customers who churned, the share flagged ahead'),
  lift: z.number().nullable().describe('Precision ÷ base rate: how many times better than picking customers at random'),
  capturedMrr: z
    .array(z.object({ currency: z.string(), flagged: z.number(), total: z.number(), share: z.number().nullable() }))
    .describe('Share of the churned MRR (minor units) flagged ahead, per currency'),
  customers: z.object({ caught: z.array(z.string()), missed: z.array(z.string()), falseAlarms: z.array(z.string()) }),
});

const kind = z.object({ churners: z.number(), stayers: z.number(), baseRate: rate, red: flag, redOrYellow: flag });

export const horizonResult = z
  .object({
    horizon: z.number(),
    stayersAt: z.number().describe('Unix seconds: the moment customers who stayed are judged at'),
    excluded: z.object({ churners: z.number(), stayers: z.number() }).describe('Customers without a reconstructed point at their moment'),
    all: kind,
    voluntary: kind,
    involuntary: kind,
    smallSample: z.boolean(),
  })
  .meta({ id: 'BacktestResult' });

const status = {
  status: z.enum(['not_built', 'building', 'ready', 'failed']),
  builtAt: z.string().nullable(),
  historyStart: z.string().nullable(),
  historyEnd: z.string().nullable(),
  reconstructedCustomers: z.number(),
  points: z.number(),
  error: z.string().nullable(),
  horizon: z.number(),
};

const before = z.object({ score: z.number().nullable(), level: level.nullable() }).nullable();

export const backtestResponse = z
  .object({
    ...status,
    config: scoringConfigSchema,
    result: horizonResult.nullable(),
    churns: z.array(
      z.object({
        customerId: z.string(),
        kind: z.enum(['voluntary', 'involuntary']),
        churnedAt: z.string(),
        mrr: z.object({ currency: z.string(), amount: z.number() }).nullable(),
        before: z.record(z.string(), before).describe('Score and level 30, 60 and 90 days before the churn'),
      }),
    ),
    customers: z.array(z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() })),
  })
  .meta({ id: 'Backtest' });

export const whatIfResponse = z
  .object({
    ...status,
    currentConfig: scoringConfigSchema,
    config: scoringConfigSchema,
    current: horizonResult.nullable(),
    candidate: horizonResult.nullable(),
  })
  .meta({ id: 'BacktestWhatIf' });

export const queued = z.object({ status: z.literal('queued'), message: z.string() });

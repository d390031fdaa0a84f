import { z } from 'zod';

const change = z.number().nullable().describe('Change against that many days ago; null when there is no history that far back');
const metric = z.object({ value: z.number().nullable(), change7d: change, change30d: change });
const risk = z.object({ green: z.number(), yellow: z.number(), red: z.number(), none: z.number() });
const riskChange = risk.nullable();

const customerRef = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  score: z.number().nullable(),
  riskLevel: z.enum(['green', 'yellow', 'red']).nullable(),
});

export const summaryResponse = z
  .object({
    asOf: z.string(),
    customers: metric,
    mrr: z.array(
      z.object({
        currency: z.string(),
        value: z.number().describe('Minor units'),
        display: z.number().describe('Major units'),
        change7d: change,
        change30d: change,
      }),
    ),
    averageScore: metric,
    atRisk: metric.describe('Customers in yellow or red'),
    risk: z.object({ current: risk, change7d: riskChange, change30d: riskChange }),
    mostAtRisk: z.array(customerRef.extend({ mrr: z.number(), currency: z.string().nullable(), explanation: z.string().nullable() })),
    biggestDrops: z.array(customerRef.extend({ before: z.number(), drop: z.number() })).describe('Largest score falls over 30 days'),
  })
  .meta({ id: 'DashboardSummary' });

export const distributionResponse = z.object({
  buckets: z.array(z.object({ from: z.number(), to: z.number(), count: z.number() })),
  risk,
  thresholds: z.object({ green: z.number(), yellow: z.number() }),
});

export const trendQuery = z.strictObject({ months: z.coerce.number().int().min(1).max(24).default(12) });

export const trendResponse = z.object({
  points: z.array(z.object({ at: z.string(), month: z.string(), byCurrency: z.record(z.string(), z.number()) })),
  movements: z.array(
    z.object({
      month: z.string(),
      currency: z.string(),
      new: z.number(),
      expansion: z.number(),
      contraction: z.number(),
      churn: z.number(),
      reactivation: z.number(),
    }),
  ),
});

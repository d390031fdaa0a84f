import { z } from 'zod';
import { conversionSchema, reportingCurrencySchema } from '../currencies/currencies.schemas.js';

const change = z.number().nullable().describe('Change against that many days ago; null when there is no history that far back');
const metric = z.object({ value: z.number().nullable(), change7d: change, change30d: change });
const risk = z.object({
  green: z.number(),
  yellow: z.number(),
  red: z.number(),
  none: z.number().describe('Customers who have not churned and have no score yet'),
  churned: z.number().describe('Customers who have churned: in no level (a customer who left is not at risk)'),
});
const riskChange = risk.nullable();

const customerRef = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  score: z.number().nullable(),
  riskLevel: z.enum(['green', 'yellow', 'red']).nullable(),
});

const ownMoney = z.object({
  currency: z.string(),
  amount: z.number().describe('Minor units'),
  display: z.number().describe('Major units'),
});

const headline = conversionSchema
  .extend({
    change7d: z.number().describe('Minor units of the reporting currency, at today’s rates (constant currency)'),
    change30d: z.number().describe('Minor units of the reporting currency, at today’s rates (constant currency)'),
    leftOutCustomers: z
      .object({
        total: z.number(),
        customers: z.array(
          ownMoney.extend({ id: z.string(), name: z.string().nullable(), email: z.string().nullable(), reason: z.string() }),
        ),
      })
      .describe('Customers whose MRR is not in the headline for want of a rate (the ten largest of each currency first)'),
  })
  .nullable()
  .describe('Today’s MRR in the reporting currency; null when there is none (no paying customer and none chosen)');

const churnBucket = z.object({
  customers: z.number(),
  mrr: z.array(ownMoney).describe('MRR lost, per currency'),
  inReporting: conversionSchema.nullable().describe('MRR lost in the reporting currency, at today’s rates'),
});

const churn = z
  .object({
    currency: z.string().nullable(),
    windows: z.array(z.object({ days: z.number(), voluntary: churnBucket, involuntary: churnBucket })),
  })
  .describe(
    'Churn over 30 and 90 days: MRR that went to zero, voluntary (the customer left) or involuntary (failed payments, a dispute, ' +
      'Stripe stopping collection); a trial that never paid is not churn',
  );

export const summaryResponse = z
  .object({
    asOf: z.string(),
    customers: metric,
    reportingCurrency: reportingCurrencySchema,
    headline,
    churn,
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
    atRisk: metric.describe('Customers who have not churned, in yellow or red'),
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
  reportingCurrency: z.string().nullable().describe('The currency the chart opens on'),
  points: z.array(
    z.object({
      at: z.string(),
      month: z.string(),
      byCurrency: z.record(z.string(), z.number()),
      inReporting: z
        .object({
          amount: z.number(),
          display: z.number(),
          complete: z.boolean(),
          leftOut: z.array(z.object({ currency: z.string(), amount: z.number(), reason: z.string() })),
        })
        .nullable()
        .describe('In the reporting currency with the rates in force on that day; currencies without one left out'),
    }),
  ),
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

import { z } from 'zod';
import { PAYMENT_STATUSES } from '../db/schema.js';
import { LIFECYCLE_STATES } from '../scoring/lifecycle.js';
import { customerMrrInReporting, reportingCurrencySchema } from '../currencies/currencies.schemas.js';

export const SORTS = ['attention', 'name', 'mrr', 'score', 'last_payment', 'state'] as const;
export const RISK_FILTERS = ['green', 'yellow', 'red', 'none'] as const;

const riskParts = (s: string) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

// The pattern is the whole rule (so the OpenAPI document states which values are accepted); the message names
// the first unknown level.
const riskList = z
  .string()
  .max(100)
  .regex(/^\s*(?:(?:green|yellow|red|none)\s*)?(?:,\s*(?:(?:green|yellow|red|none)\s*)?)*$/, {
    error: (issue) => {
      const bad = riskParts(String(issue.input)).find((p) => !(RISK_FILTERS as readonly string[]).includes(p));
      // Read after the field's name: "risk must be …", "The risk filter must be …".
      return `must be green, yellow, red or none (comma-separated), not "${bad ?? ''}"`;
    },
  })
  .transform((s) => [...new Set(riskParts(s))] as (typeof RISK_FILTERS)[number][]);

const stateParts = riskParts;
const stateList = z
  .string()
  .max(200)
  .regex(new RegExp(`^\\s*(?:(?:${LIFECYCLE_STATES.join('|')})\\s*)?(?:,\\s*(?:(?:${LIFECYCLE_STATES.join('|')})\\s*)?)*$`), {
    error: (issue) => {
      const bad = stateParts(String(issue.input)).find((p) => !(LIFECYCLE_STATES as readonly string[]).includes(p));
      return `must be one or more of ${LIFECYCLE_STATES.join(', ')} (comma-separated), not "${bad ?? ''}"`;
    },
  })
  .transform((s) => [...new Set(stateParts(s))] as (typeof LIFECYCLE_STATES)[number][]);

export const customerFilterQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .describe('Search in name and email (case-insensitive, anywhere), or a Stripe customer id (exact)'),
  risk: riskList.optional().describe('Comma-separated risk levels: green, yellow, red, none (no score)'),
  state: stateList.optional().describe(`Comma-separated lifecycle states: ${LIFECYCLE_STATES.join(', ')}`),
  sort: z
    .enum(SORTS)
    .default('attention')
    .describe(
      'Default `attention`: at risk, watch, healthy, not scored, then churned and no billing; by MRR within each. ' +
        '`mrr`: MRR in the reporting currency (converted with today’s rates); customers with MRR in a currency without a rate ' +
        'come after all others, by currency, then by their own amount',
    ),
  order: z.enum(['asc', 'desc']).optional().describe('Default: ascending, except MRR and last payment (descending)'),
});

export const customerListQuery = customerFilterQuery.extend({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});

export type CustomerFilter = z.infer<typeof customerFilterQuery>;
export type CustomerListQuery = z.infer<typeof customerListQuery>;

const level = z.enum(['green', 'yellow', 'red']).nullable();

export const mrrSchema = z.object({
  amount: z.number().describe('Minor units (cents; yen for JPY)'),
  currency: z.string().nullable(),
  display: z.number().describe('Major units'),
  byCurrency: z.record(z.string(), z.number()),
  inReporting: customerMrrInReporting,
});

export const customerSummary = z
  .object({
    id: z.string(),
    externalId: z.string(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    score: z.number().nullable(),
    riskLevel: level,
    scoreReason: z.string().nullable().describe('Why there is no score, when there is none'),
    state: z
      .object({
        value: z.enum(LIFECYCLE_STATES).nullable().describe('Null before the first score'),
        churn: z.enum(['voluntary', 'involuntary']).nullable(),
        at: z.string().nullable().describe('When the trial ends, the subscription ends, or ended'),
        label: z.string().describe('In a few words: "Trial — ends in 5 days", "Churned (payment failed)"'),
      })
      .describe('Where the customer stands in its billing life, before any score'),
    mrr: mrrSchema,
    lastPaymentAt: z.string().nullable(),
    firstSeenAt: z.string(),
    scoredAt: z.string().nullable(),
  })
  .meta({ id: 'CustomerSummary' });

export const customerListResponse = z.object({
  reportingCurrency: reportingCurrencySchema,
  customers: z.array(customerSummary),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
  pages: z.number(),
});

const factor = z.object({
  name: z.string(),
  value: z.number(),
  weight: z.number(),
  points: z.number(),
  explanation: z.string(),
});

export const customerDetail = z
  .object({
    customer: customerSummary.extend({
      currency: z.string().nullable(),
      metadata: z.record(z.string(), z.string()),
      hasPaymentMethod: z
        .boolean()
        .nullable()
        .describe('A default card or payment method is on file in Stripe (what a trial needs to convert); null before the next sync'),
      deletedAt: z.string().nullable(),
    }),
    score: z.object({
      score: z.number().nullable(),
      level,
      explanation: z.string().nullable(),
      factors: z.array(factor),
      absent: z.array(z.object({ name: z.string(), reason: z.string() })),
      coverage: z
        .object({
          billing: z.number().describe('Billing factors present, of 3'),
          present: z.number(),
          of: z.number(),
          provisional: z.boolean().describe('Carried by a single factor: not yet a verdict'),
        })
        .nullable(),
      scoredAt: z.string().nullable(),
      stale: z.boolean().describe('Billing data changed since this score; a new one is on its way'),
    }),
    subscriptions: z.array(
      z.object({
        id: z.string(),
        status: z.string(),
        planName: z.string().nullable(),
        amountCents: z.number(),
        currency: z.string(),
        interval: z.string().nullable(),
        intervalCount: z.number(),
        mrr: z.number(),
        currentPeriodEnd: z.string().nullable(),
        cancelAtPeriodEnd: z.boolean(),
        canceledAt: z.string().nullable(),
        trialEnd: z.string().nullable(),
        startedAt: z.string().nullable(),
        currentPeriodStart: z.string().nullable(),
        billing: z.string().describe('What is billed, in words: "25 seats: 10 × $10.00 + 15 × $5.00 every 3 months"'),
        items: z.array(z.object({ description: z.string(), quantity: z.number().nullable(), unitAmount: z.number().nullable() })),
      }),
    ),
    payments: z.array(
      z.object({
        id: z.string(),
        amountCents: z.number(),
        currency: z.string(),
        status: z.enum(PAYMENT_STATUSES),
        failureCode: z.string().nullable(),
        failureMessage: z.string().nullable(),
        paidAt: z.string(),
        amountRefundedCents: z.number(),
        disputed: z.boolean(),
        failure: z
          .object({
            class: z.enum(['will_retry', 'customer_action', 'terminal']),
            nextRetryAt: z.string().nullable(),
            advice: z.string().describe('What happened and what to do, in one sentence'),
          })
          .nullable(),
      }),
    ),
    mrrHistory: z.array(
      z.object({
        currency: z.string(),
        from: z.string(),
        to: z.string().nullable(),
        mrr: z.number(),
        movement: z.string(),
        delta: z.number(),
      }),
    ),
  })
  .meta({ id: 'CustomerDetail' });

export const scoreHistoryResponse = z.object({
  history: z.array(
    z.object({
      at: z.string(),
      score: z.number().nullable(),
      level,
      previousScore: z.number().nullable(),
      previousLevel: level,
      factors: z.record(z.string(), z.number()),
      changed: z.array(z.object({ name: z.string(), from: z.number().nullable(), to: z.number().nullable() })),
      reason: z
        .string()
        .describe(
          'Why the score was computed (sync, webhook, config, daily, manual, usage), or `reconstructed`: rebuilt afterwards from ' +
            'the billing history as it stood then, for the time before the first computed score',
        ),
    }),
  ),
});

export const timelineResponse = z.object({
  events: z.array(
    z.object({
      at: z.string(),
      type: z.enum([
        'payment.succeeded',
        'payment.failed',
        'payment.pending',
        'payment.refunded',
        'payment.uncaptured',
        'payment.disputed',
        'subscription.started',
        'subscription.canceled',
        'subscription.cancel_scheduled',
        'trial.ends',
        'mrr.changed',
        'score.changed',
        'risk_level.changed',
      ]),
      title: z.string(),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
});

export const customerVersion = z
  .object({ version: z.string().describe('Opaque; differs whenever the customer’s page would show something new') })
  .meta({ id: 'CustomerVersion' });

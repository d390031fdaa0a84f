import { z } from 'zod';

/**
 * A time relative to the moment the scenario is loaded — "-45d", "-3h", "+2w", "-6mo", "-1y", or several
 * steps such as "-45d-6mo" (calendar months and years) — "now", an ISO date-time, or unix seconds.
 */
export const RELATIVE_TIME = /^([+-]\d+(\.\d+)?(mo|y|s|m|h|d|w))+$/;
export const timeSchema = z.union([z.literal('now'), z.string().regex(RELATIVE_TIME), z.iso.datetime(), z.number().int().positive()], {
  error: 'must look like "-45d", "+2w", "-3h", "-6mo", "-45d-6mo", "now", an ISO date-time or unix seconds',
});
export type ScenarioTime = z.infer<typeof timeSchema>;

const metadata = z.record(z.string().max(40), z.string().max(500)).optional();
const key = z.string().min(1).max(100);
const currency = z.string().regex(/^[a-z]{3}$/, 'must be a lowercase ISO currency code such as "usd"');

const tier = z.strictObject({
  up_to: z.union([z.number().int().positive(), z.literal('inf')]),
  unit_amount: z.number().int().min(0).optional(),
  flat_amount: z.number().int().min(0).optional(),
});

const price = z
  .strictObject({
    key,
    id: z.string().optional(),
    product: key,
    currency,
    unit_amount: z.number().int().min(0).optional(),
    unit_amount_decimal: z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .optional(),
    billing_scheme: z.enum(['per_unit', 'tiered']).default('per_unit'),
    tiers_mode: z.enum(['graduated', 'volume']).optional(),
    tiers: z.array(tier).optional(),
    recurring: z.strictObject({
      interval: z.enum(['day', 'week', 'month', 'year']),
      interval_count: z.number().int().min(1).max(36).default(1),
      usage_type: z.enum(['licensed', 'metered']).default('licensed'),
    }),
    transform_quantity: z.strictObject({ divide_by: z.number().int().min(1), round: z.enum(['up', 'down']) }).optional(),
    nickname: z.string().optional(),
  })
  .refine(
    (p) =>
      p.billing_scheme === 'tiered'
        ? (p.tiers?.length ?? 0) > 0 && p.tiers_mode !== undefined
        : p.unit_amount !== undefined || p.unit_amount_decimal !== undefined,
    {
      message: 'per_unit prices need unit_amount (or unit_amount_decimal); tiered prices need tiers and tiers_mode',
    },
  );

const coupon = z
  .strictObject({
    key,
    id: z.string().optional(),
    name: z.string().optional(),
    percent_off: z.number().gt(0).max(100).optional(),
    amount_off: z.number().int().positive().optional(),
    currency: currency.optional(),
    duration: z.enum(['once', 'repeating', 'forever']),
    duration_in_months: z.number().int().positive().optional(),
  })
  .refine((c) => (c.percent_off === undefined) !== (c.amount_off === undefined), {
    message: 'give exactly one of percent_off and amount_off',
  })
  .refine((c) => c.amount_off === undefined || c.currency !== undefined, { message: 'amount_off needs a currency' });

const item = z.strictObject({
  price: key,
  quantity: z.number().int().min(0).default(1),
  discounts: z.array(z.strictObject({ coupon: key })).optional(),
});

const subscription = z.strictObject({
  id: z.string().optional(),
  start: timeSchema,
  items: z.array(item).min(1),
  trial_days: z.number().int().min(1).max(730).optional(),
  discounts: z.array(z.strictObject({ coupon: key, start: timeSchema.optional() })).optional(),
  /** Item changes (upgrades, downgrades, seat changes) at `at`: the subscription shows them at once, invoices from the next renewal. */
  changes: z.array(z.strictObject({ at: timeSchema, items: z.array(item).min(1) })).optional(),
  cancel_at_period_end: z.boolean().optional(),
  canceled_at: timeSchema.optional(),
  cancellation_reason: z.enum(['cancellation_requested', 'payment_failed', 'payment_disputed']).optional(),
  /** Renewals from this time on fail: their invoices stay open and the subscription is past due. */
  unpaid_since: timeSchema.optional(),
  failure_codes: z.array(z.string()).min(1).optional(),
  /** Failed attempts per unpaid invoice (Stripe's smart retries), spread over the following days. */
  retries: z.number().int().min(1).max(8).default(1),
  status: z.enum(['unpaid', 'paused', 'incomplete', 'incomplete_expired']).optional(),
  metadata,
});

const charge = z.strictObject({
  at: timeSchema,
  amount: z.number().int().min(1),
  currency,
  status: z.enum(['succeeded', 'pending', 'failed']).default('succeeded'),
  failure_code: z.string().optional(),
  description: z.string().optional(),
});

const invoice = z.strictObject({
  at: timeSchema,
  amount: z.number().int().min(0),
  currency,
  status: z.enum(['draft', 'open', 'paid', 'uncollectible', 'void']).default('paid'),
  description: z.string().default('One-off invoice'),
});

export const personaSchema = z.strictObject({
  kind: z.string(),
  /** The risk level a correct health score should give this customer; none = no score expected. */
  expected: z.enum(['green', 'yellow', 'red', 'none']).nullable(),
  note: z.string().optional(),
});

const customer = z.strictObject({
  key,
  id: z.string().optional(),
  name: z.string().nullable().optional(),
  email: z.string().nullable().optional(),
  created: timeSchema.optional(),
  metadata,
  persona: personaSchema.optional(),
  subscriptions: z.array(subscription).default([]),
  charges: z.array(charge).default([]),
  invoices: z.array(invoice).default([]),
});

const account = z.strictObject({
  id: z
    .string()
    .regex(/^acct_[A-Za-z0-9]+$/, 'must look like acct_…')
    .optional(),
  name: z.string().min(1),
  email: z.string().default('owner@example.com'),
  livemode: z.boolean().default(false),
  country: z.string().length(2).default('US'),
  default_currency: currency.default('usd'),
  products: z
    .array(z.strictObject({ key, id: z.string().optional(), name: z.string().min(1), description: z.string().optional() }))
    .default([]),
  prices: z.array(price).default([]),
  coupons: z.array(coupon).default([]),
  customers: z.array(customer).default([]),
  anonymous_charges: z.array(charge).default([]),
});

export const scenarioSchema = z.strictObject({
  version: z.literal(1),
  description: z.string().optional(),
  seed: z.number().int().optional(),
  accounts: z.array(account).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioAccount = Scenario['accounts'][number];
export type ScenarioCustomer = ScenarioAccount['customers'][number];
export type ScenarioSubscription = ScenarioCustomer['subscriptions'][number];

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** Validates a scenario, naming each problem by its path (e.g. `accounts.0.customers.3.subscriptions.0.start`). */
export function parseScenario(input: unknown): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.slice(0, 20).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ScenarioError(`Invalid scenario:\n${lines.join('\n')}`);
  }
  const problems = crossCheck(result.data);
  if (problems.length > 0)
    throw new ScenarioError(
      `Invalid scenario:\n${problems
        .slice(0, 20)
        .map((p) => `  ${p}`)
        .join('\n')}`,
    );
  return result.data;
}

/** References between keys, which the schema alone cannot check. */
function crossCheck(s: Scenario): string[] {
  const problems: string[] = [];
  s.accounts.forEach((a, ai) => {
    const products = new Set(a.products.map((p) => p.key));
    const prices = new Map(a.prices.map((p) => [p.key, p]));
    const coupons = new Set(a.coupons.map((c) => c.key));
    const seen = new Set<string>();
    a.prices.forEach(
      (p, i) => !products.has(p.product) && problems.push(`accounts.${ai}.prices.${i}.product: unknown product "${p.product}"`),
    );
    a.customers.forEach((c, ci) => {
      if (seen.has(c.key)) problems.push(`accounts.${ai}.customers.${ci}.key: duplicate key "${c.key}"`);
      seen.add(c.key);
      c.subscriptions.forEach((sub, si) => {
        const at = `accounts.${ai}.customers.${ci}.subscriptions.${si}`;
        const all = [...sub.items, ...(sub.changes ?? []).flatMap((ch) => ch.items)];
        for (const it of all) {
          if (!prices.has(it.price)) problems.push(`${at}.items: unknown price "${it.price}"`);
          for (const d of it.discounts ?? []) if (!coupons.has(d.coupon)) problems.push(`${at}.items: unknown coupon "${d.coupon}"`);
        }
        for (const d of sub.discounts ?? []) if (!coupons.has(d.coupon)) problems.push(`${at}.discounts: unknown coupon "${d.coupon}"`);
        const cadences = new Set(
          sub.items.map((it) => {
            const p = prices.get(it.price);
            return p ? `${p.recurring.interval}/${p.recurring.interval_count}/${p.currency}` : '';
          }),
        );
        if (cadences.size > 1) problems.push(`${at}.items: all items need the same interval and currency`);
      });
    });
  });
  return problems;
}

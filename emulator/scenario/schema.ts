import { z } from 'zod';
import { DISPUTE_REASONS, DISPUTE_STATUSES, isInquiry } from '../objects/dispute.js';
import { addInterval } from '../objects/periods.js';
import { REFUND_REASONS } from '../objects/refund.js';

/**
 * A time relative to the moment the scenario is loaded — "-45d", "-3h", "+2w", "-6mo", "-1y", or several
 * steps such as "-45d-6mo" (calendar months and years) — "now", an ISO date-time, or unix seconds.
 */
export const RELATIVE_TIME = /^([+-]\d+(\.\d+)?(mo|y|s|m|h|d|w))+$/;
export const timeSchema = z.union([z.literal('now'), z.string().regex(RELATIVE_TIME), z.iso.datetime(), z.number().int().positive()], {
  error: 'must look like "-45d", "+2w", "-3h", "-6mo", "-45d-6mo", "now", an ISO date-time or unix seconds',
});
export type ScenarioTime = z.infer<typeof timeSchema>;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/** A scenario time as unix seconds, relative times counted from `now`. */
export function resolveTime(t: ScenarioTime, now: number): number {
  if (typeof t === 'number') return t;
  if (t === 'now') return now;
  if (RELATIVE_TIME.test(t)) {
    let at = now;
    for (const [, sign, amount, unit] of t.matchAll(/([+-])(\d+(?:\.\d+)?)(mo|y|s|m|h|d|w)/g)) {
      const n = (sign === '-' ? -1 : 1) * Number(amount);
      // Months and years follow the calendar, as billing periods do.
      if (unit === 'mo') at = addInterval(at, 'month', Math.round(n));
      else if (unit === 'y') at = addInterval(at, 'year', Math.round(n));
      else at = Math.round(at + n * UNIT_SECONDS[unit!]!);
    }
    return at;
  }
  return Math.floor(Date.parse(t) / 1000);
}

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
  /** Renewals paid late: the first renewal at or after `at` is declined, retried every two days, and paid `paid_after_days` after it was billed. */
  late_renewals: z
    .array(z.strictObject({ at: timeSchema, paid_after_days: z.number().int().min(1).max(30), failure_code: z.string().optional() }))
    .optional(),
  status: z.enum(['unpaid', 'paused', 'incomplete', 'incomplete_expired']).optional(),
  metadata,
});

/** A refund of a charge at `at`; without `amount`, of all that is left (https://docs.stripe.com/api/refunds/create). */
const refund = z.strictObject({
  at: timeSchema,
  amount: z.number().int().min(1).optional(),
  reason: z.enum(REFUND_REASONS).optional(),
  metadata,
});

/**
 * A dispute opened at `at` with its current `status`; a closed one (won, lost, warning_closed) closed at
 * `closed_at` (default: 30 days after `at`, or now if sooner). `evidence` is the text submitted
 * (`evidence.uncategorized_text`); under_review and won disputes have evidence, a default text if none is given.
 */
const dispute = z.strictObject({
  at: timeSchema,
  reason: z.enum(DISPUTE_REASONS).default('fraudulent'),
  status: z.enum(DISPUTE_STATUSES).default('needs_response'),
  closed_at: timeSchema.optional(),
  evidence: z.string().min(1).max(150_000).optional(),
  metadata,
});

const charge = z.strictObject({
  at: timeSchema,
  amount: z.number().int().min(1),
  currency,
  status: z.enum(['succeeded', 'pending', 'failed']).default('succeeded'),
  failure_code: z.string().optional(),
  description: z.string().optional(),
  /** False: an authorization to capture later (`capture=false`), which expires 7 days after `at` unless captured. */
  captured: z.boolean().default(true),
  refunds: z.array(refund).default([]),
  dispute: dispute.optional(),
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
  /**
   * Whether a card is on file (`invoice_settings.default_payment_method`). Default: a card when the customer has
   * a subscription or a charge; a trial without one is what "card missing" alerts are for.
   */
  payment_method: z.enum(['card', 'none']).optional(),
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
export type ScenarioCharge = ScenarioCustomer['charges'][number];

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/**
 * Validates a scenario, naming each problem by its path (e.g. `accounts.0.customers.3.subscriptions.0.start`).
 * Relative times are checked against `now` (refunds and disputes must not be in the future).
 */
export function parseScenario(input: unknown, now: number = Math.floor(Date.now() / 1000)): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.slice(0, 20).map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ScenarioError(`Invalid scenario:\n${lines.join('\n')}`);
  }
  const problems = crossCheck(result.data, now);
  if (problems.length > 0)
    throw new ScenarioError(
      `Invalid scenario:\n${problems
        .slice(0, 20)
        .map((p) => `  ${p}`)
        .join('\n')}`,
    );
  return result.data;
}

/**
 * A charge's refunds and dispute, as Stripe allows them: only on a succeeded, captured charge, after it, not in the
 * future, never more than the charge ("when trying to refund more money than is left on a charge",
 * https://docs.stripe.com/api/refunds/create), and no refund once a chargeback has taken the money back
 * (https://docs.stripe.com/api/disputes/object#dispute_object-is_charge_refundable).
 */
function checkCharge(ch: ScenarioCharge, at: string, now: number, problems: string[]): void {
  const time = (t: Parameters<typeof resolveTime>[0]) => resolveTime(t, now);
  const created = time(ch.at);
  if (!ch.captured && ch.status !== 'succeeded') problems.push(`${at}.captured: only a succeeded charge can be uncaptured`);
  if (ch.refunds.length === 0 && !ch.dispute) return;
  if (ch.status !== 'succeeded') {
    problems.push(`${at}.${ch.dispute ? 'dispute' : 'refunds'}: only a succeeded charge can be refunded or disputed`);
    return;
  }
  if (!ch.captured) {
    problems.push(
      `${at}.${ch.dispute ? 'dispute' : 'refunds'}: an uncaptured charge is not refunded or disputed; it expires 7 days after "at"`,
    );
    return;
  }
  const when = (t: number, path: string, what: string) => {
    if (t < created) problems.push(`${path}: the ${what} is before the charge`);
    else if (t > now) problems.push(`${path}: the ${what} is in the future`);
  };
  const d = ch.dispute;
  const disputedAt = d ? time(d.at) : null;
  let left = ch.amount;
  ch.refunds.forEach((r, i) => {
    const path = `${at}.refunds.${i}`;
    const t = time(r.at);
    when(t, `${path}.at`, 'refund');
    if (d && disputedAt !== null && !isInquiry(d.status) && d.status !== 'warning_closed' && t >= disputedAt)
      problems.push(`${path}.at: the charge is charged back from the dispute's "at" on and cannot be refunded after it`);
    if (left === 0) problems.push(`${path}: the charge is already fully refunded`);
    else if (r.amount !== undefined && r.amount > left)
      problems.push(`${path}.amount: ${r.amount} is more than the ${left} left to refund`);
    left -= Math.min(left, r.amount ?? left);
  });
  if (d) {
    when(disputedAt!, `${at}.dispute.at`, 'dispute');
    const closed = d.status === 'won' || d.status === 'lost' || d.status === 'warning_closed';
    if (d.closed_at !== undefined) {
      if (!closed) problems.push(`${at}.dispute.closed_at: only a won, lost or warning_closed dispute is closed`);
      else {
        const t = time(d.closed_at);
        if (t < disputedAt!) problems.push(`${at}.dispute.closed_at: before the dispute's "at"`);
        else if (t > now) problems.push(`${at}.dispute.closed_at: in the future`);
      }
    }
  }
}

/** References between keys and the history of charges, which the schema alone cannot check. */
function crossCheck(s: Scenario, now: number): string[] {
  const problems: string[] = [];
  s.accounts.forEach((a, ai) => {
    a.anonymous_charges.forEach((ch, i) => checkCharge(ch, `accounts.${ai}.anonymous_charges.${i}`, now, problems));
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
      c.charges.forEach((ch, i) => checkCharge(ch, `accounts.${ai}.customers.${ci}.charges.${i}`, now, problems));
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

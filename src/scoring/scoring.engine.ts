import type { PaymentStatus } from '../db/schema.js';
import { DEFAULT_CONFIG, FACTORS, type FactorName, riskLevel, type RiskLevel, type ScoringConfig } from './scoring.config.js';
import { type DisputeInput, disputeRisk } from './dispute-risk.js';
import { type CustomerSignals, sentimentFactor, supportFactor, usageFactor } from './usage-factors.js';

/**
 * The health score: a pure function of a customer's billing data, the organization's configuration and the
 * current time. Every factor is in [0, 1] or absent; absent factors' weight goes to the present ones.
 */

const DAY = 86_400;

export interface PaymentInput {
  /** Only `succeeded` is money received; refunded and uncaptured charges are not (see `PaymentStatus`). */
  status: PaymentStatus;
  failureCode: string | null;
  /** Unix seconds. */
  at: number;
  /** A dispute was opened on it: whatever its status, it is not money the business can count on. */
  disputed?: boolean;
}

export interface SubscriptionInput {
  status: string;
  interval: string | null;
  intervalCount: number;
  cancelAtPeriodEnd: boolean;
}

export interface CustomerBilling {
  payments: PaymentInput[];
  subscriptions: SubscriptionInput[];
  /** Current MRR and MRR `trendDays` ago, in the customer's currency (minor units); null when never billed recurringly. */
  mrr: { current: number; previous: number; currency: string } | null;
  /** The customer's disputes (see `dispute-risk.ts`). */
  disputes?: DisputeInput[];
}

export interface FactorResult {
  name: FactorName;
  /** In [0, 1]. */
  value: number;
  weight: number;
  /** Points this factor adds to the 0–100 score. */
  points: number;
  explanation: string;
}

/** Which factors carried a score: a score carried by one factor alone is provisional, and says so. */
export interface Coverage {
  /** Billing factors present (payment recency, MRR trend, failed payments) of the three. */
  billing: number;
  /** Factors present, of all. */
  present: number;
  of: number;
  provisional: boolean;
}

export type ScoreResult =
  | { score: number; level: RiskLevel; factors: FactorResult[]; absent: AbsentFactor[]; explanation: string; coverage: Coverage }
  | { score: null; level: null; factors: []; absent: AbsentFactor[]; explanation: string; coverage: Coverage };

/** The factors Stripe data feeds. */
export const BILLING_FACTORS: readonly FactorName[] = ['payment_recency', 'mrr_trend', 'failed_payments'];

export const TREND_DAYS = 90;
const GRACE_DAYS = 3;

/** Hard declines say the card cannot be used again; soft ones (insufficient funds) often clear on a retry. */
export function failureSeverity(code: string | null): number {
  switch (code) {
    case 'stolen_card':
    case 'lost_card':
    case 'fraudulent':
    case 'pickup_card':
    case 'restricted_card':
    case 'revocation_of_authorization':
      return 3;
    case 'expired_card':
    case 'incorrect_cvc':
    case 'incorrect_number':
    case 'invalid_account':
      return 1.5;
    default:
      return 1;
  }
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** The billing cadence in days, from the customer's (first) live subscription; 30 when unknown. */
export function cadenceDays(subs: SubscriptionInput[]): number {
  const live = subs.find((s) => ['active', 'past_due', 'unpaid', 'trialing'].includes(s.status)) ?? subs[0];
  const n = Math.max(1, live?.intervalCount ?? 1);
  switch (live?.interval) {
    case 'year':
      return 365 * n;
    case 'week':
      return 7 * n;
    case 'day':
      return n;
    default:
      return 30 * n;
  }
}

/** 1 while the last successful payment is within one billing cycle (plus grace), then falling to 0 over half a cycle (at least 15 days). */
export function recencyValue(daysSince: number, cadence: number): number {
  const onTime = cadence + GRACE_DAYS;
  const fade = Math.max(15, cadence / 2);
  return clamp01(1 - (daysSince - onTime) / fade);
}

/**
 * Stable MRR scores 0.75; growth earns up to 1 (at +50%). A fall weighs quadratically: losing half the revenue
 * leaves 0.19, losing it all 0.
 */
export function trendValue(ratio: number): number {
  if (!Number.isFinite(ratio)) return 1;
  return ratio < 1 ? clamp01(0.75 * Math.max(0, ratio) ** 2) : clamp01(0.75 + 0.5 * (ratio - 1));
}

/** Churn signals from subscription status scale the MRR and failed-payment factors down. */
export function statusMultiplier(subs: SubscriptionInput[]): { multiplier: number; reason: string | null } {
  const live = subs.filter((s) => s.status !== 'canceled' && s.status !== 'incomplete_expired');
  if (subs.length > 0 && live.length === 0) return { multiplier: 0.05, reason: 'every subscription is canceled' };
  if (live.some((s) => s.status === 'unpaid')) return { multiplier: 0.3, reason: 'a subscription is unpaid' };
  if (live.some((s) => s.status === 'past_due')) return { multiplier: 0.6, reason: 'a subscription is past due' };
  if (live.length > 0 && live.every((s) => s.cancelAtPeriodEnd))
    return { multiplier: 0.5, reason: 'the subscription cancels at the end of the period' };
  return { multiplier: 1, reason: null };
}

/** exp(-load / 2): no failures → 1; every failure (heavier for hard declines, and for a run of them) pulls it toward 0. */
export function failureValue(weightedFailures: number): number {
  return clamp01(Math.exp(-Math.max(0, weightedFailures) / 2));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * A time in a sentence, kept as a moment and rendered ("12 days") only when the sentence is read: a stored
 * explanation then stays true however old it is, and does not change (nor need rewriting) every day.
 */
const DAYS_SINCE = /\{\{days_since:(-?[\d.]+)\}\}/g;
/** "… {{days_since:t}} ago": said "today" and "yesterday" for the first two days (never "0 days ago"). */
const DAYS_AGO = /\{\{days_since:(-?[\d.]+)\}\} ago/g;
const DAYS_UNTIL = /\{\{days_until:(-?[\d.]+)\}\}/g;
const daysSince = (at: number) => `{{days_since:${at}}}`;

/** A factor's or score's sentence as of `now` (unix seconds). */
export function renderSentence(text: string, now: number): string {
  const days = (at: string) => Math.floor(Math.max(0, now - Number(at)) / DAY);
  return text
    .replace(DAYS_AGO, (_, at: string) => {
      const n = days(at);
      return n === 0 ? 'today' : n === 1 ? 'yesterday' : `${plural(n, 'day')} ago`;
    })
    .replace(DAYS_SINCE, (_, at: string) => plural(days(at), 'day'))
    .replace(DAYS_UNTIL, (_, at: string) => plural(Math.ceil(Math.max(0, Number(at) - now) / DAY), 'day'));
}

/** A score result with every sentence rendered as of `now`. */
export function renderScore(result: ScoreResult, now: number): ScoreResult {
  return {
    ...result,
    explanation: renderSentence(result.explanation, now),
    factors: result.factors.map((f) => ({ ...f, explanation: renderSentence(f.explanation, now) })),
    absent: result.absent.map((a) => (a.explanation === undefined ? a : { ...a, explanation: renderSentence(a.explanation, now) })),
  } as ScoreResult;
}
const humanCode = (code: string | null) => (code ?? 'declined').replace(/_/g, ' ');

interface Computed {
  value: number;
  explanation: string;
}

function paymentRecency(input: CustomerBilling, now: number): Computed | string {
  // A fully refunded charge has its own status; a disputed one is not a success either.
  const successes = input.payments.filter((p) => p.status === 'succeeded' && !p.disputed);
  if (successes.length === 0) return 'no successful payment yet';
  const last = Math.max(...successes.map((p) => p.at));
  const days = Math.max(0, (now - last) / DAY);
  const cadence = cadenceDays(input.subscriptions);
  return {
    value: recencyValue(days, cadence),
    explanation: `Last successful payment ${daysSince(last)} ago; expected every ${plural(cadence, 'day')}.`,
  };
}

function mrrTrend(input: CustomerBilling): Computed | string {
  if (!input.mrr || (input.mrr.current === 0 && input.mrr.previous === 0)) return 'no recurring revenue in the last 90 days';
  const { current, previous } = input.mrr;
  const ratio = previous === 0 ? Infinity : current / previous;
  const status = statusMultiplier(input.subscriptions);
  const change =
    previous === 0
      ? 'new recurring revenue'
      : ratio === 1
        ? 'unchanged'
        : `${ratio > 1 ? 'up' : 'down'} ${Math.abs(Math.round((ratio - 1) * 100))}%`;
  return {
    value: clamp01(trendValue(ratio) * status.multiplier),
    explanation: `MRR ${change} over ${TREND_DAYS} days${status.reason ? `; ${status.reason}` : ''}.`,
  };
}

function failedPayments(input: CustomerBilling, now: number): Computed | string {
  // A score never rests on the mere absence of failures: with no payment attempt at all (a trial, a 100 %
  // coupon, a customer never billed) there is nothing to judge.
  if (!input.payments.some((p) => p.status === 'succeeded' || p.status === 'failed')) return 'no payment attempts yet';
  const recent = input.payments.filter((p) => p.status === 'failed' && p.at >= now - 30 * DAY);
  // Failures since the last success (most recent first, ties in the records' order): a run of them means the card
  // keeps failing. Counted without sorting a copy (this runs for every customer at every reconstructed moment).
  let lastSuccess = -Infinity;
  for (const p of input.payments) if (p.status === 'succeeded' && p.at > lastSuccess) lastSuccess = p.at;
  let consecutive = 0;
  let successSeen = false;
  for (const p of input.payments) {
    if (p.at > lastSuccess) consecutive += p.status === 'failed' ? 1 : 0;
    else if (p.at === lastSuccess) {
      if (p.status === 'succeeded') successSeen = true;
      else if (p.status === 'failed' && !successSeen) consecutive++;
    }
  }
  const disputes = disputeRisk(input.disputes, now);
  const load = recent.reduce((sum, p) => sum + failureSeverity(p.failureCode), 0) + 0.5 * consecutive + disputes.load;
  const status = statusMultiplier(input.subscriptions);
  const codes = [...new Set(recent.map((p) => humanCode(p.failureCode)))];
  const base =
    recent.length === 0
      ? 'No failed payments in the last 30 days'
      : `${plural(recent.length, 'failed payment')} in the last 30 days (${codes.join(', ')})`;
  const streak = consecutive > 1 ? `; ${consecutive} in a row` : '';
  const disputed = disputes.clause ? `; ${disputes.clause}` : '';
  return {
    value: clamp01(failureValue(load) * status.multiplier),
    explanation: `${base}${streak}${disputed}${status.reason ? `; ${status.reason}` : ''}.`,
  };
}

/** Σ value × weight / Σ weight, as 0–100, over the factors present. */
export function combine(factors: { value: number; weight: number }[]): number {
  const total = factors.reduce((s, f) => s + f.weight, 0);
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.round((100 * factors.reduce((s, f) => s + clamp01(f.value) * f.weight, 0)) / total)));
}

/**
 * A factor's value and sentence, or the reason it is absent. Independent of the configuration, and what is stored
 * for each customer: weights, points and the score's own sentence are derived from it under a configuration.
 */
export type ComputedFactor = { value: number; explanation: string } | { reason: string };
export type ComputedFactors = Record<FactorName, ComputedFactor>;

export interface AbsentFactor {
  name: FactorName;
  reason: string;
  /** Set when the factor was computed but its weight is 0, so that another configuration can use it. */
  value?: number;
  explanation?: string;
}

/** Every factor of one customer at `now` (unix seconds); sentences unrendered (see `renderSentence`). */
export function computeFactors(input: CustomerBilling, now: number, signals: CustomerSignals = {}): ComputedFactors {
  const wrap = (c: Computed | string): ComputedFactor => (typeof c === 'string' ? { reason: c } : c);
  return {
    payment_recency: wrap(paymentRecency(input, now)),
    mrr_trend: wrap(mrrTrend(input)),
    failed_payments: wrap(failedPayments(input, now)),
    // Product usage, support tickets and CSM sentiment: see usage-factors.ts.
    usage: usageFactor(signals.usage),
    support: supportFactor(signals.support, now),
    sentiment: sentimentFactor(signals.sentiment, now),
  };
}

/** Where a customer stands before any score; a trial gets no health verdict (see `lifecycle.ts`). */
export interface LifecycleInput {
  state: string;
  /** Unix seconds (the trial's end). */
  at: number | null;
}

/**
 * Combines computed factors under a configuration: the score, its level and its explanation. A customer in a
 * trial gets none: a trial is not a health verdict ("Trial — ends in N days").
 */
export function scoreFromFactors(
  computed: ComputedFactors,
  config: ScoringConfig = DEFAULT_CONFIG,
  lifecycle?: LifecycleInput | null,
): ScoreResult {
  const present: { name: FactorName; value: number; weight: number; explanation: string }[] = [];
  const absent: AbsentFactor[] = [];
  for (const name of FACTORS) {
    const c = computed[name] ?? { reason: 'not computed' };
    const weight = config.weights[name];
    if ('reason' in c) absent.push({ name, reason: c.reason });
    else if (weight > 0) present.push({ name, weight, value: c.value, explanation: c.explanation });
    else absent.push({ name, reason: 'weight set to 0', value: c.value, explanation: c.explanation });
  }
  const totalWeight = present.reduce((s, f) => s + f.weight, 0);
  const billing = present.filter((f) => BILLING_FACTORS.includes(f.name)).length;
  const coverage: Coverage = { billing, present: present.length, of: FACTORS.length, provisional: present.length === 1 };
  if (lifecycle?.state === 'trialing') {
    const ends = lifecycle.at === null ? '' : ` — ends in {{days_until:${lifecycle.at}}}`;
    return { score: null, level: null, factors: [], absent, coverage, explanation: `Trial${ends}: no health score until it is paid for.` };
  }
  if (present.length === 0 || totalWeight === 0) {
    return {
      score: null,
      level: null,
      factors: [],
      absent,
      coverage,
      explanation: 'No score yet: it needs at least one billing event (a subscription, charge or invoice).',
    };
  }
  const factors = present.map((f) => ({
    name: f.name,
    value: f.value,
    weight: f.weight,
    points: (100 * f.value * f.weight) / totalWeight,
    explanation: f.explanation,
  }));
  const score = combine(factors);
  const level = riskLevel(score, config);
  // The first of the lowest (as a stable sort would put it first), without sorting a copy.
  let weakest = factors[0]!;
  for (const f of factors) if (f.value < weakest.value) weakest = f;
  const verdict = `${level === 'green' ? 'Healthy' : level === 'yellow' ? 'At risk' : 'Critical'} (${score}/100)`;
  const concern = weakest.value < 0.7 ? `Main concern: ${weakest.explanation}` : 'No concerns in billing.';
  const provisional = coverage.provisional ? ` Provisional: only one factor (${weakest.name.replace(/_/g, ' ')}) has data.` : '';
  return { score, level, factors, absent, coverage, explanation: `${verdict}. ${concern}${provisional}` };
}

/** Scores one customer, sentences rendered. `now` is unix seconds. */
export function scoreCustomer(
  input: CustomerBilling,
  now: number,
  config: ScoringConfig = DEFAULT_CONFIG,
  lifecycle?: LifecycleInput | null,
): ScoreResult {
  return renderScore(scoreFromFactors(computeFactors(input, now), config, lifecycle), now);
}

/**
 * A stored score explained under a configuration as of `now` (unix seconds): factors with weights and points,
 * absent ones, the sentence. Null when the customer was never scored.
 */
export function explainScore(stored: unknown, config: ScoringConfig, now: number, lifecycle?: LifecycleInput | null): ScoreResult | null {
  if (stored === null || stored === undefined) return null;
  return renderScore(scoreFromFactors(stored as ComputedFactors, config, lifecycle), now);
}

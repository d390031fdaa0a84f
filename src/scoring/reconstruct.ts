import type { PaymentStatus } from '../db/schema.js';
import { billingSince, coverEarliestBack, type InvoiceForHistory, mrrAt, recurringAmount } from '../revenue/mrr-history.js';
import { monthlyFactor, MRR_STATUSES, toMajor } from '../revenue/mrr.js';
import { type InvoicePoints, invoicePoints, mrrSegments, valueAt } from '../revenue/mrr-steps.js';
import { type Lifecycle, lifecycleOf } from './lifecycle.js';
import { DEFAULT_CONFIG, type ScoringConfig } from './scoring.config.js';
import {
  type ComputedFactors,
  computeFactors,
  type PaymentInput,
  type ScoreResult,
  scoreFromFactors,
  TREND_DAYS,
} from './scoring.engine.js';

/**
 * A customer's score as it would have been at a past moment T, from only the data that existed at T. Pure.
 *
 * The stored records describe today; every one of them carries the moments at which it came to be. At T:
 * - a subscription exists from its `created` (Stripe `start_date`); it is ended once `ended_at` (else, for an
 *   ended one, `canceled_at`) has passed, with the reason Stripe gave; it is canceling once `canceled_at` has
 *   passed but not its end; trialing between `trial_start` and `trial_end`; past due while one of its invoices
 *   issued by T was not paid by T (after a failed charge, or three days); otherwise active. Today's status,
 *   items and `cancel_at_period_end` are never read: they may have changed after T.
 * - MRR comes from the invoices issued by T (the billing period covering T), never from today's items, and
 *   counts only for subscriptions active or past due at T;
 * - charges made by T count, with their refund or dispute only when it happened by T; paid invoices count as
 *   payments once paid; disputes opened by T are open until their evidence was due, then as they ended.
 * Usage, support and sentiment are not reconstructed (their factors are absent: billing factors carry the score).
 */

const DAY = 86_400;
/** An invoice left unpaid this long after it was issued makes its subscription past due, even without a failed charge on record. */
const PAST_DUE_AFTER = 3 * DAY;
/** How long a dispute is open when its evidence due date is unknown (Stripe gives 7–21 days). */
const DISPUTE_OPEN_DAYS = 21;

export interface HistorySubscription {
  id: string;
  /** Today's status: read only once the subscription has ended by T (canceled or incomplete_expired). */
  status: string;
  currency: string;
  interval: string | null;
  intervalCount: number;
  /** Unix seconds (all times below too); null when unknown. */
  created: number | null;
  trialStart: number | null;
  trialEnd: number | null;
  canceledAt: number | null;
  endedAt: number | null;
  cancellationReason: string | null;
}

export interface HistoryPayment {
  status: PaymentStatus;
  failureCode: string | null;
  at: number;
  amount: number;
  currency: string;
  /** When it was fully refunded (status `refunded`); null when unknown. */
  refundedAt: number | null;
  disputed: boolean;
  /** When a dispute was opened on it; null when unknown (or none). */
  disputedAt: number | null;
}

export interface HistoryInvoice {
  subscription: string | null;
  status: string;
  currency: string;
  subtotal: number;
  total: number;
  amountPaid: number;
  issuedAt: number;
  paidAt: number | null;
  lines: { amount: number; subscription: boolean; periodStart: number | null; periodEnd: number | null }[];
}

export interface HistoryDispute {
  status: string;
  openedAt: number;
  evidenceDueBy: number | null;
}

export interface CustomerHistory {
  currency: string | null;
  subscriptions: HistorySubscription[];
  payments: HistoryPayment[];
  invoices: HistoryInvoice[];
  disputes: HistoryDispute[];
}

export interface SubscriptionAt {
  id: string;
  status: string;
  currency: string;
  interval: string | null;
  intervalCount: number;
  cancelAtPeriodEnd: boolean;
  cancelAt: number | null;
  canceledAt: number | null;
  cancellationReason: string | null;
}

export interface Reconstructed {
  at: number;
  factors: ComputedFactors;
  lifecycle: Lifecycle;
  /** MRR at T in the customer's main currency (minor units). */
  mrr: { currency: string | null; amount: number };
  score: ScoreResult;
}

const ENDED = new Set(['canceled', 'incomplete_expired']);
const UNCOUNTED = new Set(['void', 'draft']);

/** When the subscription ended, as far as the records say (null: it has not, or it is not known when). */
export function endedAt(s: HistorySubscription): number | null {
  return s.endedAt ?? (ENDED.has(s.status) ? s.canceledAt : null);
}

const unpaidAt = (i: HistoryInvoice, t: number) =>
  i.issuedAt <= t && (i.paidAt === null || i.paidAt > t) && i.total > 0 && !UNCOUNTED.has(i.status);

/**
 * What the reconstruction derives from a history independently of the moment, computed once for all the moments
 * asked about (the records are only read: every moment still sees only what existed by then).
 */
interface Prepared {
  history: CustomerHistory;
  subsById: Map<string, HistorySubscription>;
  /** Each invoice (in the history's order) as the MRR functions read it. */
  converted: InvoiceForHistory[];
  /** The invoices of each subscription, in the history's order. */
  bySubscription: Map<string | null, HistoryInvoice[]>;
  /** When charges failed. */
  failures: number[];
  /**
   * `invoicePoints` of the invoices issued by the last moment asked about, with their count: the invoices issued by
   * t are those issued at or before it, so two moments with as many of them have the same ones.
   */
  points: { issued: number; value: InvoicePoints } | null;
}

function prepare(history: CustomerHistory): Prepared {
  const subsById = new Map(history.subscriptions.map((s) => [s.id, s]));
  const bySubscription = new Map<string | null, HistoryInvoice[]>();
  for (const i of history.invoices) {
    const list = bySubscription.get(i.subscription);
    if (list) list.push(i);
    else bySubscription.set(i.subscription, [i]);
  }
  return {
    history,
    subsById,
    // Each subscription's earliest invoice covers back to its start (`coverBackTo`): the earliest issued, so that
    // at a moment T the one chosen among those issued by T does not depend on any invoice issued later.
    converted: coverEarliestBack(
      history.invoices.map((i) => toInvoice(i, subsById)),
      (k) => history.invoices[k]!.subscription,
      (k) => history.invoices[k]!.issuedAt,
      (id) => {
        const sub = subsById.get(id);
        return sub ? billingSince(sub.created, sub.trialEnd) : null;
      },
    ),
    bySubscription,
    failures: history.payments.filter((p) => p.status === 'failed').map((p) => p.at),
    points: null,
  };
}

/** A subscription as it stood at `t`; null before it existed. */
export function subscriptionAt(s: HistorySubscription, t: number, history: CustomerHistory): SubscriptionAt | null {
  return subscriptionAtPrepared(s, t, prepare(history));
}

function subscriptionAtPrepared(s: HistorySubscription, t: number, prepared: Prepared): SubscriptionAt | null {
  if (s.created !== null && s.created > t) return null;
  // One object per subscription and moment, built whole (a reconstruction asks for about a million of them).
  const ended = endedAt(s);
  if (ended !== null && ended <= t) {
    return {
      id: s.id,
      currency: s.currency,
      interval: s.interval,
      intervalCount: s.intervalCount,
      status: s.status === 'incomplete_expired' ? 'incomplete_expired' : 'canceled',
      cancelAtPeriodEnd: false,
      cancelAt: null,
      canceledAt: s.canceledAt ?? ended,
      cancellationReason: s.cancellationReason,
    };
  }
  const own = prepared.bySubscription.get(s.id) ?? [];
  const canceling = s.canceledAt !== null && s.canceledAt <= t;
  let status: string;
  if (s.trialStart !== null && s.trialEnd !== null && s.trialStart <= t && t < s.trialEnd) status = 'trialing';
  else {
    let overdue = false;
    for (const i of own) {
      if (unpaidAt(i, t) && (t - i.issuedAt >= PAST_DUE_AFTER || prepared.failures.some((at) => at >= i.issuedAt && at <= t))) {
        overdue = true;
        break;
      }
    }
    status = overdue ? 'past_due' : 'active';
  }
  return {
    id: s.id,
    currency: s.currency,
    interval: s.interval,
    intervalCount: s.intervalCount,
    status,
    // When it was due to end, as known at t: the end of the billing period covering t (the actual end came later).
    cancelAtPeriodEnd: canceling,
    cancelAt: canceling ? periodEndAt(own, t) : null,
    canceledAt: canceling ? s.canceledAt : null,
    cancellationReason: canceling ? s.cancellationReason : null,
  };
}

/** The end of the subscription's billing period covering `t`, from its invoices (`own`) issued by `t`. */
function periodEndAt(own: HistoryInvoice[], t: number): number | null {
  let end: number | null = null;
  for (const i of own) {
    if (i.issuedAt > t) continue;
    for (const l of i.lines) {
      if (l.subscription && l.periodStart !== null && l.periodEnd !== null && l.periodStart <= t && t < l.periodEnd)
        end = Math.max(end ?? 0, l.periodEnd);
    }
  }
  return end;
}

/** A charge as it stood at `t` (made by then), or null. */
function paymentAt(p: HistoryPayment, t: number): PaymentInput | null {
  if (p.at > t) return null;
  const refunded = p.status === 'refunded' && (p.refundedAt === null || p.refundedAt <= t);
  const status: PaymentStatus = p.status === 'refunded' ? (refunded ? 'refunded' : 'succeeded') : p.status;
  const disputed = p.disputed && (p.disputedAt === null || p.disputedAt <= t);
  return { status, failureCode: p.failureCode, at: p.at, disputed };
}

function toInvoice(i: HistoryInvoice, subs: Map<string, HistorySubscription>): InvoiceForHistory {
  const sub = i.subscription ? subs.get(i.subscription) : undefined;
  return {
    status: i.status,
    currency: i.currency,
    subtotal: i.subtotal,
    total: i.total,
    interval: i.subscription ? (sub?.interval ?? 'month') : null,
    intervalCount: sub?.intervalCount ?? 1,
    lines: i.lines,
  };
}

/**
 * The latest paid invoice with money in it by `t` whose charge (the customer's charge of the same amount and
 * currency within a day, made by `t`) was not refunded or disputed by `t` — as `scoring.repo.ts` reads it today.
 */
function lastPaidInvoiceAt(
  history: CustomerHistory,
  payments: (PaymentInput & { amount: number; currency: string })[],
  t: number,
): number | null {
  let last: number | null = null;
  for (const i of history.invoices) {
    if (i.paidAt === null || i.paidAt > t || i.amountPaid <= 0 || UNCOUNTED.has(i.status)) continue;
    if (last !== null && i.paidAt <= last) continue;
    const spoiled = payments.some(
      (p) =>
        (p.disputed || p.status === 'refunded') &&
        p.currency === i.currency &&
        p.amount === i.amountPaid &&
        Math.abs(p.at - i.paidAt!) <= DAY,
    );
    if (!spoiled) last = i.paidAt;
  }
  return last;
}

/** The currency with the largest MRR (major units), else the one on record, else the first seen. */
function mainCurrency(byCurrency: Record<string, number>, history: CustomerHistory, subs: SubscriptionAt[]): string | null {
  // The largest in major units, ties to the alphabetically first (what sorting the entries would put first).
  let best: string | null = null;
  let bestMajor = 0;
  for (const c in byCurrency) {
    const major = toMajor(byCurrency[c]!, c);
    if (best === null || major > bestMajor || (major === bestMajor && c < best)) {
      best = c;
      bestMajor = major;
    }
  }
  return best ?? history.currency?.toLowerCase() ?? subs[0]?.currency ?? history.invoices[0]?.currency.toLowerCase() ?? null;
}

/** The customer's score at `t` (unix seconds) under `config`, from what existed at `t` only. */
export function reconstructAt(history: CustomerHistory, t: number, config: ScoringConfig = DEFAULT_CONFIG): Reconstructed {
  return reconstructPrepared(prepare(history), t, config);
}

/** The customer's score at each of `moments`, exactly as `reconstructAt` gives it at each (what does not depend on the moment derived once). */
export function reconstructSeries(
  history: CustomerHistory,
  moments: readonly number[],
  config: ScoringConfig = DEFAULT_CONFIG,
): Reconstructed[] {
  const prepared = prepare(history);
  return moments.map((t) => reconstructPrepared(prepared, t, config));
}

function reconstructPrepared(prepared: Prepared, t: number, config: ScoringConfig): Reconstructed {
  const { history, subsById } = prepared;
  const subs: SubscriptionAt[] = [];
  for (const s of history.subscriptions) {
    const at = subscriptionAtPrepared(s, t, prepared);
    if (at) subs.push(at);
  }
  const issued: HistoryInvoice[] = [];
  const invoices: InvoiceForHistory[] = [];
  for (let k = 0; k < history.invoices.length; k++) {
    const i = history.invoices[k]!;
    if (i.issuedAt > t) continue;
    issued.push(i);
    invoices.push(prepared.converted[k]!);
  }
  // What each subscription bills at t, from the invoice of the period covering t (issued by then).
  const billedBy = (id: string | null) => {
    const own: InvoiceForHistory[] = [];
    for (let k = 0; k < issued.length; k++) if (issued[k]!.subscription === id) own.push(invoices[k]!);
    return mrrAt(own, t);
  };
  const live: Record<string, number> = {};
  const add = (values: Record<string, number>) => {
    for (const [c, v] of Object.entries(values)) live[c] = (live[c] ?? 0) + v;
  };
  const subMrr = new Map<string, number>();
  for (const s of subs) {
    const billed = billedBy(s.id);
    const own = billed[s.currency.toLowerCase()] ?? Object.values(billed)[0] ?? lastBilled(issued, s.id, s, t);
    subMrr.set(s.id, own);
    if (MRR_STATUSES.has(s.status)) add(billed);
  }
  // Invoices of subscriptions the records do not hold are recurring revenue too (as `customer-health.ts` counts them).
  const orphans = invoices.filter((_, k) => {
    const sub = issued[k]!.subscription;
    return sub !== null && !subsById.has(sub);
  });
  add(mrrAt(orphans, t));
  // The same invoices issued give the same points (weekly moments often fall between two invoices).
  if (prepared.points?.issued !== invoices.length) prepared.points = { issued: invoices.length, value: invoicePoints(invoices) };
  const segments = mrrSegments(prepared.points.value, live, t);
  const currency = mainCurrency(live, history, subs);
  const amount = currency ? (live[currency] ?? 0) : 0;
  const previous = currency ? (valueAt(segments, t - TREND_DAYS * DAY)[currency] ?? 0) : 0;
  const hadRevenue = segments.some((s) => s.from <= t) || amount > 0;

  // The charges made by t as they stood then, and the same with amount and currency (to match invoices to them).
  const payments: PaymentInput[] = [];
  const charges: (PaymentInput & { amount: number; currency: string })[] = [];
  for (const p of history.payments) {
    const at = paymentAt(p, t);
    if (!at) continue;
    payments.push(at);
    charges.push({
      status: at.status,
      failureCode: at.failureCode,
      at: at.at,
      disputed: at.disputed,
      amount: p.amount,
      currency: p.currency,
    });
  }
  const paidInvoice = lastPaidInvoiceAt(history, charges, t);
  if (paidInvoice !== null) payments.push({ status: 'succeeded', failureCode: null, at: paidInvoice, disputed: false });
  const hasPaid = payments.some((p) => p.status === 'succeeded' && !p.disputed);
  const lifecycle = lifecycleOf(
    subs.map((s) => ({
      status: s.status,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      // When a trial ends can change after t (an extended trial): not known as of t.
      trialEnd: null,
      cancelAt: s.cancelAt,
      canceledAt: s.canceledAt,
      currentPeriodEnd: null,
      cancellationReason: s.cancellationReason,
      mrr: subMrr.get(s.id) ?? 0,
    })),
    hasPaid,
  );
  const disputes = history.disputes
    .filter((d) => d.openedAt <= t)
    .map((d) => ({ status: t < (d.evidenceDueBy ?? d.openedAt + DISPUTE_OPEN_DAYS * DAY) ? 'needs_response' : d.status, at: d.openedAt }));
  const factors = computeFactors(
    {
      payments,
      subscriptions: subs.map((s) => ({
        status: s.status,
        interval: s.interval,
        intervalCount: s.intervalCount,
        cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      })),
      mrr: hadRevenue && currency ? { current: amount, previous, currency } : null,
      disputes,
    },
    t,
  );
  return { at: t, factors, lifecycle, mrr: { currency, amount }, score: scoreFromFactors(factors, config, lifecycle) };
}

/** What the subscription's latest invoice issued by `t` billed per month (its period may have ended). */
function lastBilled(issued: HistoryInvoice[], id: string, s: SubscriptionAt, t: number): number {
  let best: HistoryInvoice | null = null;
  for (const i of issued) if (i.subscription === id && i.issuedAt <= t && (!best || i.issuedAt > best.issuedAt)) best = i;
  if (!best) return 0;
  const amount = recurringAmount({ ...best, interval: s.interval, intervalCount: s.intervalCount });
  return amount * monthlyFactor(s.interval, s.intervalCount);
}

/** Weekly moments from `from` to `to` (unix seconds), ending exactly at `to`. */
export function weeklyMoments(from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = to; t >= from; t -= 7 * DAY) out.push(t);
  return out.reverse();
}

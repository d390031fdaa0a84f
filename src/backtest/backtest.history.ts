import { churnKind } from '../revenue/churn.js';
import { type CustomerHistory, endedAt, reconstructAt, reconstructSeries, weeklyMoments } from '../scoring/reconstruct.js';
import type { ScoringConfig } from '../scoring/scoring.config.js';
import type { Churn, Level } from './backtest.metrics.js';

/**
 * From one customer's synced records to what the backtest keeps: the weekly reconstructed points and the churn.
 * Pure.
 */

const DAY = 86_400;
/** Reconstruction reaches back at most this many weeks (18 months). */
export const MAX_WEEKS = 78;

export interface StoredPoint {
  at: number;
  score: number | null;
  level: Level | null;
  lifecycle: string;
  /** Values of the factors present (configuration-independent). */
  factors: Record<string, number>;
}

/**
 * The customer's (latest) churn: every subscription ended (canceled, or expired incomplete) or went unpaid, after
 * money was received — a trial that never paid is not one. It is dated when the last subscription ended; an
 * unpaid one when Stripe gave up on it (its last failed charge after the first invoice left unpaid, else that
 * invoice). Its MRR lost is what it billed before the end. Involuntary when the subscription ending last ended for a failed payment or a dispute, expired
 * incomplete, or went unpaid (see `revenue/churn.ts`).
 */
export function churnOf(history: CustomerHistory): Churn | null {
  if (history.subscriptions.length === 0) return null;
  const ends: { at: number; status: string; reason: string | null }[] = [];
  for (const s of history.subscriptions) {
    const ended = endedAt(s);
    if (ended !== null) {
      ends.push({ at: ended, status: s.status, reason: s.cancellationReason });
      continue;
    }
    if (s.status !== 'unpaid') return null;
    const unpaid = history.invoices
      .filter((i) => i.subscription === s.id && i.paidAt === null && i.total > 0 && i.status !== 'void' && i.status !== 'draft')
      .sort((a, b) => a.issuedAt - b.issuedAt)[0];
    if (!unpaid) return null;
    const failures = history.payments.filter((p) => p.status === 'failed' && p.at >= unpaid.issuedAt).map((p) => p.at);
    ends.push({ at: failures.length > 0 ? Math.max(...failures) : unpaid.issuedAt, status: 'unpaid', reason: s.cancellationReason });
  }
  const last = ends.sort((a, b) => b.at - a.at)[0]!;
  const paidBefore =
    history.invoices.some((i) => i.paidAt !== null && i.paidAt < last.at && i.amountPaid > 0) ||
    history.payments.some((p) => (p.status === 'succeeded' || p.status === 'refunded') && p.at < last.at);
  if (!paidBefore) return null;
  // The MRR lost: what it billed just before the end, or — when its last period had already lapsed unpaid — at
  // the start of the latest billing period before the end.
  const moments = [
    last.at - 1,
    ...history.invoices
      .filter((i) => i.issuedAt < last.at)
      .map((i) => i.issuedAt)
      .sort((a, b) => b - a),
  ];
  let before = reconstructAt(history, moments[0]!);
  for (const t of moments.slice(1)) {
    if (before.mrr.amount > 0) break;
    before = reconstructAt(history, t);
  }
  return {
    at: last.at,
    kind: churnKind({ subscription: { status: last.status, cancellationReason: last.reason }, customerChurn: null }),
    mrr: before.mrr.currency && before.mrr.amount > 0 ? { currency: before.mrr.currency, amount: before.mrr.amount } : null,
  };
}

/** When the customer's records begin (unix seconds); null without any. */
export function firstRecordAt(history: CustomerHistory): number | null {
  const times = [
    ...history.subscriptions.map((s) => s.created).filter((t): t is number => t !== null),
    ...history.invoices.map((i) => i.issuedAt),
    ...history.payments.map((p) => p.at),
  ];
  return times.length > 0 ? Math.min(...times) : null;
}

/**
 * The weekly points of one customer on the organization's grid (weeks ending at `end`, from `start`), from its
 * first record on; a point where the customer had churned and stays so is kept once (the first), not every week.
 */
export function reconstructPoints(history: CustomerHistory, start: number, end: number, config: ScoringConfig): StoredPoint[] {
  const first = firstRecordAt(history);
  if (first === null) return [];
  const points: StoredPoint[] = [];
  let lastChurned = false;
  for (const r of reconstructSeries(
    history,
    weeklyMoments(start, end).filter((t) => t >= first),
    config,
  )) {
    const churned = r.lifecycle.state === 'churned';
    if (churned && lastChurned) continue;
    lastChurned = churned;
    const factors: Record<string, number> = {};
    for (const name in r.factors) {
      const f = r.factors[name as keyof typeof r.factors];
      if ('value' in f) factors[name] = Math.round(f.value * 10_000) / 10_000;
    }
    points.push({ at: r.at, score: r.score.score, level: r.score.level, lifecycle: r.lifecycle.state, factors });
  }
  return points;
}

/** The organization's weekly grid start for a history ending at `end` and beginning at `first`. */
export function gridStart(first: number, end: number): number {
  return Math.max(first, end - MAX_WEEKS * 7 * DAY);
}

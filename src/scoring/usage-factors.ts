import type { TicketPriority } from '../db/schema.usage.js';

/**
 * The factors other data sources feed: product usage (against the customer's own past), support friction and the
 * team's own sentiment. Pure functions of what the scoring service loaded (rollups, tickets, the latest sentiment)
 * and the time: each value is in [0, 1], monotone, without jumps, and absent (with its reason) without data.
 */

const DAY = 86_400;
/** The usage window: the last 7 complete days against up to 8 weeks before them. */
export const RECENT_DAYS = 7;
export const BASELINE_DAYS = 56;
/** A baseline needs at least a week of history before the recent week. */
export const MIN_BASELINE_DAYS = 7;
export const SUPPORT_DAYS = 30;

export type SignalFactor = { value: number; explanation: string } | { reason: string };

/** Sums of the daily rollups (distinct active users per day, events) over the two windows. */
export interface UsageInput {
  recent: { userDays: number; events: number };
  /** `days`: how many days of the baseline the customer was already sending data for (≤ BASELINE_DAYS). */
  baseline: { userDays: number; events: number; days: number };
}

export interface TicketInput {
  priority: TicketPriority;
  status: 'open' | 'solved';
  /** Unix seconds. */
  openedAt: number;
  solvedAt: number | null;
  /** 0 (bad) … 1 (good), when the customer rated the ticket. */
  satisfaction: number | null;
}

export interface SupportInput {
  /** Whether the organization has any ticket data at all (a support source is connected). */
  connected: boolean;
  /** The customer's open tickets and those opened or solved in the last 30 days. */
  tickets: TicketInput[];
}

export interface SentimentInput {
  rating: number;
  note: string;
  by: string | null;
  /** Unix seconds. */
  at: number;
  expiresAt: number;
}

/** What the scoring service loads besides billing data. */
export interface CustomerSignals {
  usage?: UsageInput | null;
  support?: SupportInput | null;
  sentiment?: SentimentInput | null;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const fmt = (n: number) => (n >= 100 ? String(Math.round(n)) : String(Math.round(n * 10) / 10));
/** A day as the app writes dates ("Dec 16, 2026"), in UTC like the rest of a score's sentences. */
const isoDay = (unix: number) =>
  new Date(unix * 1000).toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

/**
 * How much of its usual level a measure kept: 1 at or above the baseline (a stable level does not weigh), then
 * falling as (recent / baseline)^1.5. Both sides carry a small prior, so that a tiny baseline neither jumps nor
 * divides by zero: the value rises with `recent`, falls with `baseline`, and is continuous in both.
 */
export function keptShare(recent: number, baseline: number, prior: number): number {
  const ratio = (Math.max(0, recent) + prior) / (Math.max(0, baseline) + prior);
  return clamp01(Math.min(1, ratio) ** 1.5);
}

/** Active users (per day, averaged over the week) and events per week against the customer's own baseline. */
export function usageValue(input: UsageInput): number {
  const { recent, baseline } = input;
  const days = Math.max(1, baseline.days);
  const users = keptShare(recent.userDays / RECENT_DAYS, baseline.userDays / days, 0.1);
  const events = keptShare(recent.events, (baseline.events / days) * RECENT_DAYS, 1);
  return clamp01(0.5 * users + 0.5 * events);
}

function change(recent: number, baseline: number): string {
  if (baseline <= 0) return recent > 0 ? 'new' : 'none';
  const pct = Math.round((recent / baseline - 1) * 100);
  return pct === 0 ? 'steady' : `${pct > 0 ? '+' : '−'}${Math.abs(pct)}%`;
}

export function usageFactor(input: UsageInput | null | undefined): SignalFactor {
  if (!input || input.recent.events + input.baseline.events <= 0)
    return { reason: 'no product usage matched to this customer in the last 9 weeks' };
  if (input.baseline.days < MIN_BASELINE_DAYS) {
    return { reason: `usage data started ${plural(input.baseline.days + RECENT_DAYS, 'day')} ago; a baseline needs two weeks` };
  }
  const days = input.baseline.days;
  const recentUsers = input.recent.userDays / RECENT_DAYS;
  const baseUsers = input.baseline.userDays / days;
  const baseEvents = (input.baseline.events / days) * RECENT_DAYS;
  const weeks = Math.round(days / 7);
  return {
    value: usageValue(input),
    explanation:
      `Active users ${fmt(recentUsers)} a day and ${fmt(input.recent.events)} events in the last 7 days, against ` +
      `${fmt(baseUsers)} a day and ${fmt(baseEvents)} a week over the previous ${plural(weeks, 'week')} ` +
      `(users ${change(recentUsers, baseUsers)}, events ${change(input.recent.events, baseEvents)}).`,
  };
}

/** How much an open ticket weighs, by priority. */
export const PRIORITY_LOAD: Record<TicketPriority, number> = { low: 0.5, normal: 1, high: 2, urgent: 3 };
/** A ticket opened in the last 30 days and already solved still says something went wrong. */
const SOLVED_LOAD = 0.25;

/**
 * exp(−load / 4) over open tickets (weighted by priority) and recently solved ones, times 0.6 + 0.4 × the average
 * satisfaction of tickets rated in the last 30 days (no rating: 1). More or more urgent tickets never raise it;
 * better satisfaction never lowers it.
 */
export function supportValue(load: number, satisfaction: number | null): number {
  const base = Math.exp(-Math.max(0, load) / 4);
  const mood = satisfaction === null ? 1 : 0.6 + 0.4 * clamp01(satisfaction);
  return clamp01(base * mood);
}

export function supportFactor(input: SupportInput | null | undefined, now: number): SignalFactor {
  if (!input?.connected) return { reason: 'no support data source connected' };
  const since = now - SUPPORT_DAYS * DAY;
  const open = input.tickets.filter((t) => t.status === 'open');
  const urgent = open.filter((t) => t.priority === 'urgent' || t.priority === 'high');
  const recent = input.tickets.filter((t) => t.openedAt >= since);
  const solvedRecently = input.tickets.filter((t) => t.status === 'solved' && t.openedAt >= since);
  const rated = input.tickets.filter((t) => t.satisfaction !== null && (t.solvedAt ?? t.openedAt) >= since);
  const satisfaction = rated.length === 0 ? null : rated.reduce((s, t) => s + clamp01(t.satisfaction!), 0) / rated.length;
  const load = open.reduce((s, t) => s + PRIORITY_LOAD[t.priority], 0) + SOLVED_LOAD * solvedRecently.length;
  const openText =
    open.length === 0
      ? 'No open tickets'
      : `${plural(open.length, 'open ticket')}${urgent.length > 0 ? ` (${urgent.length} urgent or high)` : ''}`;
  const recentText = recent.length === 0 ? 'none opened in the last 30 days' : `${recent.length} opened in the last 30 days`;
  const moodText =
    satisfaction === null ? '' : `; satisfaction ${Math.round(satisfaction * 100)}% on ${plural(rated.length, 'rated ticket')}`;
  return { value: supportValue(load, satisfaction), explanation: `${openText}; ${recentText}${moodText}.` };
}

/** 1/5 → 0, 3/5 → 0.5, 5/5 → 1. */
export function sentimentValue(rating: number): number {
  return clamp01((rating - 1) / 4);
}

export function sentimentFactor(input: SentimentInput | null | undefined, now: number): SignalFactor {
  if (!input) return { reason: 'no CSM sentiment recorded' };
  if (input.expiresAt <= now) {
    return { reason: `the CSM sentiment of ${isoDay(input.at)} (${input.rating}/5) expired on ${isoDay(input.expiresAt)}` };
  }
  const note = input.note.trim().length > 0 ? `: “${input.note.trim().slice(0, 120)}${input.note.trim().length > 120 ? '…' : ''}”` : '';
  return {
    value: sentimentValue(input.rating),
    explanation: `CSM sentiment ${input.rating}/5${input.by ? ` from ${input.by}` : ''} {{days_since:${input.at}}} ago${note} (counts until ${isoDay(input.expiresAt)}).`,
  };
}

/**
 * The backtest: how well the reconstructed score, h days ahead, told the customers who churned from those who
 * stayed. Pure: reconstructed points and churns in, numbers (and the customers behind each) out.
 *
 * Every customer counts once per horizon h: a churner at h days before its churn, a customer who stayed at h days
 * before the end of the history (the latest moment whose h-day outcome is known). "Flagged" is the level at that
 * moment (the latest weekly point at most a week earlier): red, or red or yellow. A customer without a point
 * there (history too short, or not yet a customer) is left out and counted as such.
 */

export const HORIZONS = [30, 60, 90] as const;
export type Horizon = (typeof HORIZONS)[number];
export type Level = 'green' | 'yellow' | 'red';
export type ChurnKind = 'voluntary' | 'involuntary';

const DAY = 86_400;
/** A point stands for its moment and the week after it (points are weekly). */
const POINT_REACH = 7 * DAY;
/** Below this many customers in a denominator, a rate is shown with its interval and called a small sample. */
export const SMALL_SAMPLE = 20;
const Z = 1.959_963_984_540_054;

export interface Point {
  /** Unix seconds. */
  at: number;
  score: number | null;
  level: Level | null;
  /** The customer had churned by then (a point after the churn, or before a reactivation). */
  churned: boolean;
}

export interface Churn {
  at: number;
  kind: ChurnKind;
  /** MRR lost, in the customer's currency (minor units). */
  mrr: { currency: string; amount: number } | null;
}

export interface BacktestCustomer {
  id: string;
  /** Weekly points, oldest first. */
  points: Point[];
  churn: Churn | null;
}

export interface Rate {
  /** null when the denominator is 0. */
  value: number | null;
  numerator: number;
  denominator: number;
  /** 95 % Wilson score interval. */
  low: number | null;
  high: number | null;
  smallSample: boolean;
}

export interface FlagMetrics {
  flagged: number;
  caught: number;
  precision: Rate;
  recall: Rate;
  /** Precision over the base rate: how many times better than picking customers at random. */
  lift: number | null;
  /** Share of the churned MRR that was flagged ahead, per currency (never added across currencies). */
  capturedMrr: { currency: string; flagged: number; total: number; share: number | null }[];
  customers: { caught: string[]; missed: string[]; falseAlarms: string[] };
}

export interface KindMetrics {
  churners: number;
  stayers: number;
  baseRate: Rate;
  red: FlagMetrics;
  redOrYellow: FlagMetrics;
}

export interface HorizonResult {
  horizon: number;
  /** The moment stayers are judged at (unix seconds). */
  stayersAt: number;
  excluded: { churners: number; stayers: number };
  all: KindMetrics;
  voluntary: KindMetrics;
  involuntary: KindMetrics;
  smallSample: boolean;
}

export interface ChurnRow {
  customerId: string;
  kind: ChurnKind;
  churnedAt: number;
  mrr: Churn['mrr'];
  /** The score and level h days before, per horizon (null: no point then). */
  before: Record<string, { score: number | null; level: Level | null } | null>;
}

/** 95 % Wilson score interval of k successes in n. */
export function wilson(k: number, n: number): { low: number; high: number } | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = Z * Z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

export function rate(k: number, n: number): Rate {
  const ci = wilson(k, n);
  return {
    value: n > 0 ? k / n : null,
    numerator: k,
    denominator: n,
    low: ci?.low ?? null,
    high: ci?.high ?? null,
    smallSample: n < SMALL_SAMPLE,
  };
}

/** The customer's point standing for moment `r`: the latest at or before it, no more than a week old. */
export function pointAt<P extends { at: number } = Point>(points: readonly P[], r: number): P | null {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.at <= r) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const p = found >= 0 ? points[found]! : null;
  return p && r - p.at < POINT_REACH ? p : null;
}

interface Judged {
  id: string;
  churn: Churn | null;
  level: Level | null;
}

function flagMetrics(judged: Judged[], flags: ReadonlySet<string>, baseRate: number | null): FlagMetrics {
  const caught: string[] = [];
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  const mrr = new Map<string, { flagged: number; total: number }>();
  for (const j of judged) {
    const flagged = j.level !== null && flags.has(j.level);
    if (j.churn) {
      (flagged ? caught : missed).push(j.id);
      if (j.churn.mrr && j.churn.mrr.amount > 0) {
        const m = mrr.get(j.churn.mrr.currency) ?? { flagged: 0, total: 0 };
        m.total += j.churn.mrr.amount;
        if (flagged) m.flagged += j.churn.mrr.amount;
        mrr.set(j.churn.mrr.currency, m);
      }
    } else if (flagged) falseAlarms.push(j.id);
  }
  const flagged = caught.length + falseAlarms.length;
  const precision = rate(caught.length, flagged);
  return {
    flagged,
    caught: caught.length,
    precision,
    recall: rate(caught.length, caught.length + missed.length),
    lift: precision.value !== null && baseRate ? precision.value / baseRate : null,
    capturedMrr: [...mrr.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([currency, m]) => ({ currency, flagged: m.flagged, total: m.total, share: m.total > 0 ? m.flagged / m.total : null })),
    customers: { caught, missed, falseAlarms },
  };
}

const RED = new Set<string>(['red']);
const RED_OR_YELLOW = new Set<string>(['red', 'yellow']);

function kindMetrics(judged: Judged[]): KindMetrics {
  const churners = judged.filter((j) => j.churn !== null).length;
  const baseRate = rate(churners, judged.length);
  return {
    churners,
    stayers: judged.length - churners,
    baseRate,
    red: flagMetrics(judged, RED, baseRate.value),
    redOrYellow: flagMetrics(judged, RED_OR_YELLOW, baseRate.value),
  };
}

/** The backtest at one horizon (days), history ending at `end` (unix seconds). */
export function backtestHorizon(customers: readonly BacktestCustomer[], horizon: number, end: number): HorizonResult {
  const stayersAt = end - horizon * DAY;
  const judged: Judged[] = [];
  const excluded = { churners: 0, stayers: 0 };
  for (const c of customers) {
    if (c.churn && c.churn.at <= end) {
      const p = pointAt(c.points, c.churn.at - horizon * DAY);
      if (!p || p.churned) excluded.churners++;
      else judged.push({ id: c.id, churn: c.churn, level: p.level });
    } else {
      const p = pointAt(c.points, stayersAt);
      if (!p || p.churned) excluded.stayers++;
      else judged.push({ id: c.id, churn: null, level: p.level });
    }
  }
  const all = kindMetrics(judged);
  const ofKind = (kind: ChurnKind) => kindMetrics(judged.filter((j) => j.churn === null || j.churn.kind === kind));
  return {
    horizon,
    stayersAt,
    excluded,
    all,
    voluntary: ofKind('voluntary'),
    involuntary: ofKind('involuntary'),
    smallSample: all.churners < SMALL_SAMPLE || all.red.flagged < SMALL_SAMPLE,
  };
}

/** Every churn with its score and level 30, 60 and 90 days before, most recent first. */
export function churnRows(customers: readonly BacktestCustomer[], end: number): ChurnRow[] {
  const rows: ChurnRow[] = [];
  for (const c of customers) {
    if (!c.churn || c.churn.at > end) continue;
    const before: ChurnRow['before'] = {};
    for (const h of HORIZONS) {
      const p = pointAt(c.points, c.churn.at - h * DAY);
      before[String(h)] = p && !p.churned ? { score: p.score, level: p.level } : null;
    }
    rows.push({ customerId: c.id, kind: c.churn.kind, churnedAt: c.churn.at, mrr: c.churn.mrr, before });
  }
  return rows.sort((a, b) => b.churnedAt - a.churnedAt || (a.customerId < b.customerId ? -1 : 1));
}

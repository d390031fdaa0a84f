import { FACTORS, type FactorName, type ScoringConfig } from '../scoring/scoring.config.js';
import { type Churn, pointAt, rate, type Rate, SMALL_SAMPLE } from './backtest.metrics.js';
import { EPS, F, pack, type Packed, scoreOf, search } from './backtest.suggest.search.js';

/**
 * Suggested weights and thresholds, fitted to the organization's own reconstructed history. Pure: stored points
 * (configuration-independent factor values) and churns in, a candidate configuration and its evidence out. Nothing
 * here saves anything: an admin applies a suggestion through the ordinary PUT of the scoring configuration.
 *
 * Time split: the churns judged at the horizon are ordered by date; the older ~2/3 make the fit part (history up to
 * the split moment S), the newer ones the report part (after S). Every fit outcome is at or before S and every fit
 * judgement at or before S − h; every report outcome is after S and every report judgement after S − h. The search
 * (objective and method: `backtest.suggest.search.ts`) sees only the fit part; only the report part may say the
 * suggestion is better, and when it does not, the answer is to keep the current configuration.
 */

const DAY = 86_400;
/** A point stands for its moment and the week after it (points are weekly), as in `backtest.metrics.ts`. */
/** The fit part gets this share of the churns (the older ones). */
const FIT_SHARE = 2 / 3;
/** With fewer churns to fit on, the search learns noise; with fewer newer ones, the check says nothing. */
export const MIN_FIT_CHURNS = 5;
export const MIN_REPORT_CHURNS = 3;

export const FACTOR_WORDS: Record<FactorName, string> = {
  payment_recency: 'payment recency',
  mrr_trend: 'MRR trend',
  failed_payments: 'failed payments',
  usage: 'product usage',
  support: 'support tickets',
  sentiment: 'CSM sentiment',
};

export interface SuggestPoint {
  at: number;
  lifecycle: string;
  /** Values of the factors present, as stored (configuration-independent). */
  factors: Record<string, number>;
}

export interface SuggestCustomer {
  id: string;
  /** Oldest first. */
  points: readonly SuggestPoint[];
  churn: Churn | null;
}

export interface SuggestInput {
  customers: readonly SuggestCustomer[];
  /** End of the history (unix seconds). */
  end: number;
  /** Days ahead. */
  horizon: number;
  current: ScoringConfig;
}

const judgeable = (p: SuggestPoint | null): p is SuggestPoint => p !== null && p.lifecycle !== 'churned';

export type Split = { ok: true; at: number; fitChurns: number; reportChurns: number } | { ok: false; churns: number };

/**
 * Where the history is cut: after the k-th churn judged at the horizon (oldest first), k ≈ 2/3 of them, at least
 * MIN_FIT_CHURNS before and MIN_REPORT_CHURNS after, never between two churns of the same moment.
 */
export function chooseSplit(customers: readonly SuggestCustomer[], end: number, horizon: number): Split {
  const times = customers
    .filter((c) => c.churn && c.churn.at <= end && judgeable(pointAt(c.points, c.churn.at - horizon * DAY)))
    .map((c) => c.churn!.at)
    .sort((a, b) => a - b);
  const n = times.length;
  const lo = MIN_FIT_CHURNS;
  const hi = n - MIN_REPORT_CHURNS;
  if (hi < lo) return { ok: false, churns: n };
  const want = Math.min(hi, Math.max(lo, Math.round(n * FIT_SHARE)));
  // Nearest valid cut to the wanted one (the older side first on a tie): a cut between two distinct moments.
  for (let d = 0; d <= hi - lo; d++) {
    for (const k of [want - d, want + d]) {
      if (k >= lo && k <= hi && times[k - 1]! < times[k]!) return { ok: true, at: times[k - 1]!, fitChurns: k, reportChurns: n - k };
    }
  }
  return { ok: false, churns: n };
}

export interface Judged {
  id: string;
  /** The moment judged. */
  at: number;
  churnAt: number | null;
  point: SuggestPoint;
}

export interface Part {
  judged: Judged[];
  excluded: { churners: number; stayers: number };
}

/**
 * The two parts, each like one backtest: the fit part ends at S (churners at or before S judged h days before their
 * churn, everyone else at S − h), the report part at the end (churners after S likewise, stayers at end − h).
 */
export function judgeParts(customers: readonly SuggestCustomer[], splitAt: number, end: number, horizon: number) {
  const h = horizon * DAY;
  const fit: Part = { judged: [], excluded: { churners: 0, stayers: 0 } };
  const report: Part = { judged: [], excluded: { churners: 0, stayers: 0 } };
  const judge = (part: Part, c: SuggestCustomer, at: number, churnAt: number | null) => {
    const p = pointAt(c.points, at);
    if (judgeable(p)) part.judged.push({ id: c.id, at, churnAt, point: p });
    else part.excluded[churnAt === null ? 'stayers' : 'churners']++;
  };
  for (const c of customers) {
    const churnAt = c.churn && c.churn.at <= end ? c.churn.at : null;
    if (churnAt !== null && churnAt <= splitAt) {
      // Gone by the split: an outcome of the fit part, and no customer of the newer part.
      judge(fit, c, churnAt - h, churnAt);
      continue;
    }
    // Still a customer at S: stayed as far as the fit part knows, whatever happened after S.
    judge(fit, c, splitAt - h, null);
    judge(report, c, churnAt !== null ? churnAt - h : end - h, churnAt);
  }
  return { fit, report };
}

export interface FlagSummary {
  flagged: number;
  caught: number;
  falseAlarms: number;
  precision: Rate;
  recall: Rate;
  lift: number | null;
}

export interface PartMetrics {
  churners: number;
  stayers: number;
  excluded: { churners: number; stayers: number };
  baseRate: Rate;
  red: FlagSummary;
  redOrYellow: FlagSummary;
  /** The objective: F1 of "red or yellow" (null without churners). */
  f1: number | null;
}

function partMetrics(part: Part, p: Packed, config: ScoringConfig): PartMetrics {
  const w = FACTORS.map((f) => config.weights[f]);
  const n = { ry: 0, ryCaught: 0, red: 0, redCaught: 0 };
  for (let i = 0; i < p.n; i++) {
    const s = scoreOf(p, i, w);
    if (s < 0 || s >= config.thresholds.green) continue;
    n.ry++;
    n.ryCaught += p.churned[i]!;
    if (s < config.thresholds.yellow) {
      n.red++;
      n.redCaught += p.churned[i]!;
    }
  }
  const baseRate = rate(p.churners, p.n);
  const flag = (flagged: number, caught: number): FlagSummary => {
    const precision = rate(caught, flagged);
    return {
      flagged,
      caught,
      falseAlarms: flagged - caught,
      precision,
      recall: rate(caught, p.churners),
      lift: precision.value !== null && baseRate.value ? precision.value / baseRate.value : null,
    };
  };
  return {
    churners: p.churners,
    stayers: p.n - p.churners,
    excluded: part.excluded,
    baseRate,
    red: flag(n.red, n.redCaught),
    redOrYellow: flag(n.ry, n.ryCaught),
    f1: p.churners > 0 ? (2 * n.ryCaught) / (n.ry + p.churners) : null,
  };
}

export interface FactorShare {
  factor: FactorName;
  /** Churners flagged ("red or yellow") whose score this factor pulled down the most. */
  churners: number;
  /** Of all churners judged (both parts). */
  share: number;
}

/** Each flagged churner is credited to the factor that cost its score the most points (ties: FACTORS order). */
function factorShares(parts: readonly Packed[], config: ScoringConfig): { shares: FactorShare[]; churners: number } {
  const w = FACTORS.map((f) => config.weights[f]);
  const counts = new Array<number>(F).fill(0);
  let churners = 0;
  for (const p of parts) {
    churners += p.churners;
    for (let i = 0; i < p.n; i++) {
      if (p.churned[i] !== 1) continue;
      const s = scoreOf(p, i, w);
      if (s < 0 || s >= config.thresholds.green) continue;
      let top = -1;
      let lost = 0;
      for (let f = 0; f < F; f++) {
        const cost = p.present[i * F + f] === 1 && w[f]! > 0 ? w[f]! * (1 - p.values[i * F + f]!) : 0;
        if (cost > lost + EPS) [top, lost] = [f, cost];
      }
      if (top >= 0) counts[top]!++;
    }
  }
  const shares = FACTORS.map((factor, f) => ({ factor, churners: counts[f]!, share: churners > 0 ? counts[f]! / churners : 0 }))
    .filter((s) => s.churners > 0)
    .sort((a, b) => b.churners - a.churners || FACTORS.indexOf(a.factor) - FACTORS.indexOf(b.factor));
  return { shares, churners };
}

export const percent = (x: number) => `${Math.round(100 * x)} %`;
const day = (at: number) => new Date(at * 1000).toISOString().slice(0, 10);
const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/** "Failed payments predicted 70 % of your churn; payment recency 20 %; 10 % came with no warning sign 30 days ahead." */
export function reasonSentence(shares: readonly FactorShare[], churners: number, horizon: number): string {
  if (shares.length === 0)
    return `None of your ${churners} churns was flagged ${horizon} days ahead: the data shows no warning sign that early.`;
  const list = shares.map((s, i) =>
    i === 0
      ? `${capital(FACTOR_WORDS[s.factor])} predicted ${percent(s.share)} of your churn`
      : `${FACTOR_WORDS[s.factor]} ${percent(s.share)}`,
  );
  const caught = shares.reduce((n, s) => n + s.churners, 0);
  const missed = churners - caught;
  const tail = missed > 0 ? `; ${percent(missed / churners)} came with no warning sign ${horizon} days ahead` : '';
  return `${list.join('; ')}${tail} (${churners} churns).`;
}

const ratio = (m: PartMetrics) =>
  `flags ${m.redOrYellow.caught} of ${m.churners} churners with ${m.redOrYellow.falseAlarms} false alarm${m.redOrYellow.falseAlarms === 1 ? '' : 's'} (F1 ${(m.f1 ?? 0).toFixed(2)})`;

export type SuggestionStatus = 'suggested' | 'keep_current' | 'too_few_churns';

export interface Suggestion {
  status: SuggestionStatus;
  horizon: number;
  objective: 'f1_red_or_yellow';
  /** Churns with a point h days before them (the ones a suggestion can learn from or be checked on). */
  churns: number;
  split: {
    at: number;
    fit: { churnsFrom: number; churnsTo: number; stayersAt: number };
    report: { churnsFrom: number; churnsTo: number; stayersAt: number };
  } | null;
  current: ScoringConfig;
  suggested: ScoringConfig | null;
  /** Factors the fit part has values for; the others keep their current weight (scaled), nothing says how to change them. */
  fitted: FactorName[];
  fit: { current: PartMetrics; suggested: PartMetrics } | null;
  report: { current: PartMetrics; suggested: PartMetrics } | null;
  shares: FactorShare[];
  /** What each factor predicted, in words (under the suggested configuration). */
  reason: string | null;
  /** What to do, and what the newer part says. */
  verdict: string;
  search: { evaluations: number; passes: number } | null;
}

const churnRange = (part: Part) => {
  const times = part.judged.flatMap((j) => (j.churnAt === null ? [] : [j.churnAt]));
  return { churnsFrom: Math.min(...times), churnsTo: Math.max(...times) };
};

/** The suggestion for one horizon (days), or why there is none. Deterministic. */
export function suggestConfig(input: SuggestInput): Suggestion {
  const { customers, end, horizon, current } = input;
  const split = chooseSplit(customers, end, horizon);
  const none = { split: null, suggested: null, fitted: [], fit: null, report: null, shares: [], reason: null, search: null };
  if (!split.ok) {
    const need = MIN_FIT_CHURNS + MIN_REPORT_CHURNS;
    const verdict =
      split.churns < need
        ? `Only ${split.churns} churn${split.churns === 1 ? '' : 's'} ${split.churns === 1 ? 'has' : 'have'} a score ${horizon} days before ${split.churns === 1 ? 'it' : 'them'}; a suggestion needs at least ${need} (${MIN_FIT_CHURNS} to fit on, ${MIN_REPORT_CHURNS} newer ones to check it on). Keep your current configuration.`
        : `Your ${split.churns} churns fall on too few distinct days to keep ${MIN_REPORT_CHURNS} newer ones apart for checking. Keep your current configuration.`;
    return { status: 'too_few_churns', horizon, objective: 'f1_red_or_yellow', churns: split.churns, current, verdict, ...none };
  }
  const parts = judgeParts(customers, split.at, end, horizon);
  const fitPacked = pack(parts.fit.judged);
  const reportPacked = pack(parts.report.judged);
  const found = search(fitPacked, current);
  const suggested = found.config;
  const fit = { current: partMetrics(parts.fit, fitPacked, current), suggested: partMetrics(parts.fit, fitPacked, suggested) };
  const report = {
    current: partMetrics(parts.report, reportPacked, current),
    suggested: partMetrics(parts.report, reportPacked, suggested),
  };
  const { shares, churners } = factorShares([fitPacked, reportPacked], suggested);
  // Only the newer part, never seen by the search, may claim an improvement.
  const better = (report.suggested.f1 ?? 0) > (report.current.f1 ?? 0) + EPS;
  const small =
    report.current.churners < SMALL_SAMPLE ? ` Only ${report.current.churners} churns are newer: read this as a hint, not proof.` : '';
  const newer = `On the newer part (churns after ${day(split.at)}), never used for fitting`;
  const verdict = better
    ? `${newer}, the suggestion ${ratio(report.suggested)}; your current configuration ${ratio(report.current)}. Nothing changes until an admin saves it.${small}`
    : `${newer}, the suggestion ${ratio(report.suggested)} — no better than your current configuration, which ${ratio(report.current)}. Keep your current configuration.${small}`;
  return {
    status: better ? 'suggested' : 'keep_current',
    horizon,
    objective: 'f1_red_or_yellow',
    churns: split.fitChurns + split.reportChurns,
    split: {
      at: split.at,
      fit: { ...churnRange(parts.fit), stayersAt: split.at - horizon * DAY },
      report: { ...churnRange(parts.report), stayersAt: end - horizon * DAY },
    },
    current,
    suggested,
    fitted: found.fitted,
    fit,
    report,
    shares,
    reason: reasonSentence(shares, churners, horizon),
    verdict,
    search: { evaluations: found.evaluations, passes: found.passes },
  };
}

import { FACTORS, type ScoringConfig } from '../scoring/scoring.config.js';

/**
 * The search behind the suggested configuration (`backtest.suggest.ts`), on judged points packed into typed
 * arrays so that hundreds of candidate configurations over 10k customers take well under a second. Pure.
 *
 * Objective: F1 of "red or yellow" (flagged = score below green) at the horizon. F1 is the harmonic mean of
 * precision and recall, so it needs no tuning parameter and punishes both ways a list fails a customer-success
 * team: flagging everybody (precision falls to the base rate) and flagging nobody (recall 0). "Red or yellow"
 * depends only on the green threshold, so yellow is then chosen for the red list alone by F0.5 (precision counts
 * twice as much as recall): red is the short list that should rarely be wrong.
 *
 * Search: coordinate descent over integer weights 0..50 in steps of 5 (weights only count relative to each other),
 * from the current weights scaled onto that grid and from equal weights, at most 10 passes each; for every weight
 * vector the best green threshold is found exactly from a score histogram. A value replaces another only when it
 * is strictly better, and ties between thresholds go to the one nearest the current: the answer is deterministic
 * and moves nothing without a reason. Factors no fit point has keep their (scaled) current weight: nothing says how
 * to change them.
 */

export const WEIGHT_STEP = 5;
export const MAX_WEIGHT = 50;
const GRID = Array.from({ length: MAX_WEIGHT / WEIGHT_STEP + 1 }, (_, i) => i * WEIGHT_STEP);
const MAX_PASSES = 10;
export const EPS = 1e-12;

/** What the search needs of a judged point. */
export interface Sample {
  churnAt: number | null;
  point: { lifecycle: string; factors: Record<string, number> };
}

/** Judged points packed for the search: factor values (clamped, FACTORS order), which are present, the outcome. */
export interface Packed {
  n: number;
  values: Float64Array;
  present: Uint8Array;
  /** 0 for a trial (no health verdict, never flagged). */
  scorable: Uint8Array;
  churned: Uint8Array;
  churners: number;
}

export const F = FACTORS.length;
const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

export function pack(judged: readonly Sample[]): Packed {
  const n = judged.length;
  const p: Packed = {
    n,
    values: new Float64Array(n * F),
    present: new Uint8Array(n * F),
    scorable: new Uint8Array(n),
    churned: new Uint8Array(n),
    churners: 0,
  };
  judged.forEach((j, i) => {
    p.scorable[i] = j.point.lifecycle === 'trialing' ? 0 : 1;
    p.churned[i] = j.churnAt !== null ? 1 : 0;
    p.churners += p.churned[i]!;
    FACTORS.forEach((name, f) => {
      const v = j.point.factors[name];
      if (typeof v === 'number' && Number.isFinite(v)) {
        p.present[i * F + f] = 1;
        p.values[i * F + f] = clamp01(v);
      }
    });
  });
  return p;
}

/**
 * The 0–100 score of packed point i under weights w, or -1 for none: `scoreFromFactors` + `combine`, term for term
 * in the same order (so the rounding is the same; a property test holds them equal).
 */
export function scoreOf(p: Packed, i: number, w: readonly number[]): number {
  if (p.scorable[i] === 0) return -1;
  let total = 0;
  for (let f = 0; f < F; f++) if (p.present[i * F + f] === 1 && w[f]! > 0) total += w[f]!;
  if (total <= 0) return -1;
  let sum = 0;
  for (let f = 0; f < F; f++) if (p.present[i * F + f] === 1 && w[f]! > 0) sum += p.values[i * F + f]! * w[f]!;
  return Math.min(100, Math.max(0, Math.round((100 * sum) / total)));
}

export function scorePacked(judged: readonly Sample[], config: ScoringConfig): (number | null)[] {
  const p = pack(judged);
  const w = FACTORS.map((f) => config.weights[f]);
  return judged.map((_, i) => {
    const s = scoreOf(p, i, w);
    return s < 0 ? null : s;
  });
}

/** Churners and stayers per score (0–100); customers without a score are never flagged. */
function histogram(p: Packed, w: readonly number[]): { churn: Int32Array; stay: Int32Array } {
  const churn = new Int32Array(101);
  const stay = new Int32Array(101);
  for (let i = 0; i < p.n; i++) {
    const s = scoreOf(p, i, w);
    if (s >= 0) (p.churned[i] === 1 ? churn : stay)[s]!++;
  }
  return { churn, stay };
}

/** The threshold t in [from, to] maximizing `value(caught, flagged)` of "score < t"; ties: nearest `prefer`, then lower. */
function bestThreshold(
  h: { churn: Int32Array; stay: Int32Array },
  from: number,
  to: number,
  prefer: number,
  value: (caught: number, flagged: number) => number,
): { at: number; value: number } {
  let caught = 0;
  let flagged = 0;
  for (let s = 0; s < from; s++) {
    caught += h.churn[s]!;
    flagged += h.churn[s]! + h.stay[s]!;
  }
  let best = { at: from, value: -1 };
  for (let t = from; t <= to; t++) {
    const v = value(caught, flagged);
    if (v > best.value + EPS || (Math.abs(v - best.value) <= EPS && Math.abs(t - prefer) < Math.abs(best.at - prefer)))
      best = { at: t, value: v };
    caught += h.churn[t]!;
    flagged += h.churn[t]! + h.stay[t]!;
  }
  return best;
}

const f1 = (churners: number) => (caught: number, flagged: number) => (churners > 0 ? (2 * caught) / (flagged + churners) : 0);
const f05 = (churners: number) => (caught: number, flagged: number) =>
  caught > 0 ? (1.25 * caught) / (1.25 * caught + 0.25 * (churners - caught) + (flagged - caught)) : 0;

/** Current weights on the search grid (largest → 50); a weight above 0 stays above 0. */
export function scaleWeights(weights: ScoringConfig['weights']): number[] {
  const max = Math.max(...FACTORS.map((f) => weights[f]));
  return FACTORS.map((f) => {
    const w = weights[f];
    return w > 0 ? Math.max(WEIGHT_STEP, Math.round((w / max) * (MAX_WEIGHT / WEIGHT_STEP)) * WEIGHT_STEP) : 0;
  });
}

// The configuration's own rule: sentiment alone cannot score customers.
const valid = (w: readonly number[]) => FACTORS.some((f, i) => f !== 'sentiment' && w[i]! > 0);

export function search(p: Packed, current: ScoringConfig) {
  const known = FACTORS.map((_, f) => {
    for (let i = 0; i < p.n; i++) if (p.scorable[i] === 1 && p.present[i * F + f] === 1) return true;
    return false;
  });
  const scaled = scaleWeights(current.weights);
  let evaluations = 0;
  let passes = 0;
  const evaluate = (w: readonly number[]) => {
    evaluations++;
    return bestThreshold(histogram(p, w), 2, 100, current.thresholds.green, f1(p.churners)).value;
  };
  const descend = (start: number[]) => {
    const w = [...start];
    let best = evaluate(w);
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      passes++;
      let moved = false;
      for (let f = 0; f < F; f++) {
        if (!known[f]) continue;
        let bestValue = w[f]!;
        for (const v of GRID) {
          if (v === w[f]) continue;
          const candidate = w.map((x, k) => (k === f ? v : x));
          if (!valid(candidate)) continue;
          const o = evaluate(candidate);
          if (o > best + EPS) {
            best = o;
            bestValue = v;
          }
        }
        if (bestValue !== w[f]) {
          w[f] = bestValue;
          moved = true;
        }
      }
      if (!moved) break;
    }
    return { w, best };
  };
  const equal = scaled.map((w, f) => (known[f] ? MAX_WEIGHT / 2 : w));
  const a = descend(scaled);
  const b = valid(equal) ? descend(equal) : a;
  const w = b.best > a.best + EPS ? b.w : a.w;
  const hist = histogram(p, w);
  const green = bestThreshold(hist, 2, 100, current.thresholds.green, f1(p.churners)).at;
  const yellow = bestThreshold(hist, 1, green - 1, Math.min(current.thresholds.yellow, green - 1), f05(p.churners)).at;
  const config: ScoringConfig = {
    weights: Object.fromEntries(FACTORS.map((f, i) => [f, w[i]!])) as ScoringConfig['weights'],
    thresholds: { green, yellow },
  };
  return { config, fitted: FACTORS.filter((_, f) => known[f]), evaluations, passes };
}

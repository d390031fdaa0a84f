import { classifyMovement, type InvoiceForHistory, mrrAt, type Movement } from './mrr-history.js';

/**
 * A customer's MRR as a step function per currency: invoices give the past (each billing period's recurring
 * amount), the live subscriptions give the present. Pure.
 */

export interface MrrSegment {
  currency: string;
  /** Unix seconds; the segment holds until the next one of the same currency starts. */
  from: number;
  mrr: number;
  movement: Exclude<Movement, 'none'>;
  delta: number;
}

/** Values closer than this (in minor units) are the same MRR: spreading discounts leaves fractions behind. */
const EPSILON = 0.005;

/** Each moment where an invoice-covered period starts or ends, up to `now`. */
function boundaries(invoices: InvoiceForHistory[], now: number): number[] {
  const set = new Set<number>();
  for (const invoice of invoices) {
    for (const line of invoice.lines) {
      if (!line.subscription || line.periodStart === null || line.periodEnd === null) continue;
      if (line.periodStart <= now) set.add(line.periodStart);
      if (line.periodEnd <= now) set.add(line.periodEnd);
    }
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * The segments of one customer's MRR history.
 * `live` is today's MRR per currency (from subscriptions). When it differs from what the invoices say for
 * today, the change is dated at `liveSince[currency]` (when a previous computation first saw that value) or,
 * failing that, at `now` — so recomputing later never moves a change that was already dated.
 */
export function mrrSegments(
  invoices: InvoiceForHistory[],
  live: Record<string, number>,
  now: number,
  liveSince: Record<string, { mrr: number; from: number }> = {},
): MrrSegment[] {
  const points = new Map<string, { at: number; mrr: number }[]>();
  const push = (currency: string, at: number, mrr: number) => {
    const list = points.get(currency) ?? [];
    list.push({ at, mrr });
    points.set(currency, list);
  };
  const currencies = new Set([...invoices.map((i) => i.currency.toLowerCase()), ...Object.keys(live)]);
  const times = boundaries(invoices, now);
  for (const at of times) {
    const values = mrrAt(invoices, at);
    for (const c of currencies) push(c, at, values[c] ?? 0);
  }
  const lastBoundary = times.at(-1) ?? -Infinity;
  const invoiced = mrrAt(invoices, now);
  for (const c of currencies) {
    const current = live[c] ?? 0;
    if (Math.abs(current - (invoiced[c] ?? 0)) <= EPSILON) continue;
    const known = liveSince[c];
    const at = known && Math.abs(known.mrr - current) <= EPSILON && known.from > lastBoundary && known.from <= now ? known.from : now;
    push(c, at, current);
  }
  const segments: MrrSegment[] = [];
  for (const [currency, list] of points) {
    list.sort((a, b) => a.at - b.at);
    let previous = 0;
    let hadRevenue = false;
    for (const { at, mrr } of list) {
      const value = mrr < EPSILON ? 0 : mrr;
      if (Math.abs(value - previous) <= EPSILON) continue;
      const movement = classifyMovement(previous, value, hadRevenue);
      if (movement !== 'none') segments.push({ currency, from: at, mrr: value, movement, delta: value - previous });
      if (value > 0) hadRevenue = true;
      previous = value;
    }
  }
  return segments.sort((a, b) => a.from - b.from || a.currency.localeCompare(b.currency));
}

/** The step function's value at `at`, per currency. */
export function valueAt(segments: MrrSegment[], at: number): Record<string, number> {
  const result: Record<string, number> = {};
  for (const s of segments) if (s.from <= at) result[s.currency] = s.mrr;
  return result;
}

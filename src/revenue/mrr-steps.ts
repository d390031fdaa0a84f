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

/**
 * What the invoices say about MRR, whatever the time: the invoiced MRR per currency at each moment where an
 * invoice-covered period starts or ends (it is constant in between), past and future. It depends on the
 * invoices only, so it can be kept and reused until they change.
 */
export interface InvoicePoints {
  currencies: string[];
  /** [unix seconds, MRR per currency from that moment], in time order. */
  points: [number, Record<string, number>][];
}

export function invoicePoints(invoices: InvoiceForHistory[]): InvoicePoints {
  const set = new Set<number>();
  for (const invoice of invoices) {
    for (const line of invoice.lines) {
      if (!line.subscription || line.periodStart === null || line.periodEnd === null) continue;
      set.add(line.periodStart);
      set.add(line.periodEnd);
    }
  }
  // Currencies in a fixed order, so that equal points serialize (and fingerprint) equally.
  const sorted = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    currencies: [...new Set(invoices.map((i) => i.currency.toLowerCase()))].sort(),
    points: [...set].sort((a, b) => a - b).map((at) => [at, sorted(mrrAt(invoices, at))]),
  };
}

/**
 * The segments of one customer's MRR history.
 * `live` is today's MRR per currency (from subscriptions). When it differs from what the invoices say for
 * today, the change is dated at `liveSince[currency]` (when a previous computation first saw that value) or,
 * failing that, at `now` — so recomputing later never moves a change that was already dated.
 */
export function mrrSegments(
  invoices: InvoiceForHistory[] | InvoicePoints,
  live: Record<string, number>,
  now: number,
  liveSince: Record<string, { mrr: number; from: number }> = {},
): MrrSegment[] {
  const invoiced = Array.isArray(invoices) ? invoicePoints(invoices) : invoices;
  const points = new Map<string, { at: number; mrr: number }[]>();
  const push = (currency: string, at: number, mrr: number) => {
    const list = points.get(currency) ?? [];
    list.push({ at, mrr });
    points.set(currency, list);
  };
  const currencies = new Set([...invoiced.currencies, ...Object.keys(live)]);
  const past = invoiced.points.filter(([at]) => at <= now);
  for (const [at, values] of past) {
    for (const c of currencies) push(c, at, values[c] ?? 0);
  }
  const lastBoundary = past.at(-1)?.[0] ?? -Infinity;
  // What the invoices say for now: the value from the last moment passed (nothing covers now before the first).
  const invoicedNow = past.at(-1)?.[1] ?? {};
  for (const c of currencies) {
    const current = live[c] ?? 0;
    if (Math.abs(current - (invoicedNow[c] ?? 0)) <= EPSILON) continue;
    const known = liveSince[c];
    const at = known && Math.abs(known.mrr - current) <= EPSILON && known.from > lastBoundary && known.from <= now ? known.from : now;
    push(c, at, current);
  }
  const segments: MrrSegment[] = [];
  for (const [currency, list] of points) {
    sortIfNeeded(list, (a, b) => a.at - b.at);
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
  return sortIfNeeded(segments, (a, b) => a.from - b.from || a.currency.localeCompare(b.currency));
}

/**
 * Sorts in place unless already in order (the usual case: points come in time order). A stable sort leaves an
 * ordered array as it is, so the result is the same; the check allocates nothing, the sort a working copy.
 */
function sortIfNeeded<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  for (let i = 1; i < list.length; i++) if (compare(list[i - 1]!, list[i]!) > 0) return list.sort(compare);
  return list;
}

/** The step function's value at `at`, per currency. */
export function valueAt(segments: MrrSegment[], at: number): Record<string, number> {
  const result: Record<string, number> = {};
  for (const s of segments) if (s.from <= at) result[s.currency] = s.mrr;
  return result;
}

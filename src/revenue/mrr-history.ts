import { monthlyFactor } from './mrr.js';

/**
 * MRR history rebuilt from invoices, so a freshly connected account already has months of history, and the
 * classification of each change. Pure functions of data.
 */

export interface InvoiceForHistory {
  status: string;
  currency: string;
  subtotal: number;
  total: number;
  /** The billing cadence of the subscription the invoice belongs to; null for one-off invoices. */
  interval: string | null;
  intervalCount: number;
  lines: { amount: number; subscription: boolean; periodStart: number | null; periodEnd: number | null }[];
}

const COUNTED = new Set(['paid', 'open', 'uncollectible']);

/** The recurring part of an invoice after its discounts (spread in proportion), before normalising to a month. */
export function recurringAmount(invoice: InvoiceForHistory): number {
  const recurring = invoice.lines.filter((l) => l.subscription).reduce((sum, l) => sum + l.amount, 0);
  if (recurring <= 0 || invoice.subtotal <= 0) return Math.max(0, recurring);
  return Math.max(0, (recurring * Math.max(0, invoice.total)) / invoice.subtotal);
}

const DAY = 86_400;

/**
 * When a subscription began paying (unix seconds): its start (Stripe's `start_date`), or its trial's end when it
 * began with one; null when unknown.
 */
export function billingSince(startedAt: number | null, trialEnd: number | null): number | null {
  if (startedAt === null) return null;
  return trialEnd !== null && trialEnd > startedAt ? trialEnd : startedAt;
}

/**
 * Invoices older than the synced window (12 months) are never read, so a subscription paying since before it
 * would seem to begin with its first invoice held: a monthly customer of two years "new" at the window's start, a
 * year-old annual customer "new" at its renewal (and growing, to the MRR trend factor). The earliest invoice held
 * of each subscription is therefore taken to cover back to when the subscription began paying, at its amount, as
 * nothing earlier is known; an invoice whose period starts there already is returned as it is.
 */
export function coverBackTo(invoice: InvoiceForHistory, since: number | null): InvoiceForHistory {
  if (since === null || !invoice.interval) return invoice;
  const first = firstPeriodStart(invoice);
  // A day's slack: a first invoice's period starts at the subscription's start, give or take Stripe's rounding.
  if (first === Infinity || first - since <= DAY) return invoice;
  return {
    ...invoice,
    lines: invoice.lines.map((l) => (l.subscription && l.periodStart === first && l.periodEnd !== null ? { ...l, periodStart: since } : l)),
  };
}

/** Where the earliest billing period of an invoice's subscription lines starts; Infinity without one. */
export function firstPeriodStart(invoice: InvoiceForHistory): number {
  let first = Infinity;
  for (const l of invoice.lines)
    if (l.subscription && l.periodStart !== null && l.periodEnd !== null) first = Math.min(first, l.periodStart);
  return first;
}

/**
 * `coverBackTo` applied to each subscription's earliest invoice that counts, by `order` (smaller first; the first
 * of equals). `subscriptionOf(k)` and `sinceOf(subscription)` say whose the k-th invoice is and when it began paying.
 */
export function coverEarliestBack(
  invoices: InvoiceForHistory[],
  subscriptionOf: (k: number) => string | null,
  order: (k: number) => number,
  sinceOf: (subscription: string) => number | null,
): InvoiceForHistory[] {
  const earliest = new Map<string, number>();
  for (let k = 0; k < invoices.length; k++) {
    const sub = subscriptionOf(k);
    if (sub === null || !COUNTED.has(invoices[k]!.status)) continue;
    const seen = earliest.get(sub);
    if (seen === undefined || order(k) < order(seen)) earliest.set(sub, k);
  }
  if (earliest.size === 0) return invoices;
  const out = invoices.slice();
  for (const [sub, k] of earliest) out[k] = coverBackTo(out[k]!, sinceOf(sub));
  return out;
}

/** MRR per currency at unix time `at`, from the subscription invoices whose billing period covers it. */
export function mrrAt(invoices: InvoiceForHistory[], at: number): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const invoice of invoices) {
    if (!COUNTED.has(invoice.status) || !invoice.interval) continue;
    const covers = invoice.lines.some(
      (l) => l.subscription && l.periodStart !== null && l.periodEnd !== null && l.periodStart <= at && at < l.periodEnd,
    );
    if (!covers) continue;
    const currency = invoice.currency.toLowerCase();
    totals[currency] = (totals[currency] ?? 0) + recurringAmount(invoice) * monthlyFactor(invoice.interval, invoice.intervalCount);
  }
  return totals;
}

export type Movement = 'new' | 'expansion' | 'contraction' | 'churn' | 'reactivation' | 'none';

/** How MRR moved from one month to the next, for one customer in one currency. */
export function classifyMovement(previous: number, current: number, hadRevenueBefore: boolean): Movement {
  if (previous <= 0 && current > 0) return hadRevenueBefore ? 'reactivation' : 'new';
  if (previous > 0 && current <= 0) return 'churn';
  if (current > previous) return 'expansion';
  if (current < previous) return 'contraction';
  return 'none';
}

export interface MovementStep {
  index: number;
  movement: Movement;
  delta: number;
}

/** The movements of a monthly series (oldest first): one per step where MRR changed. */
export function movements(series: number[]): MovementStep[] {
  const steps: MovementStep[] = [];
  let hadRevenue = (series[0] ?? 0) > 0;
  for (let i = 1; i < series.length; i++) {
    const previous = series[i - 1]!;
    const current = series[i]!;
    const movement = classifyMovement(previous, current, hadRevenue);
    if (movement !== 'none') steps.push({ index: i, movement, delta: current - previous });
    if (current > 0) hadRevenue = true;
  }
  return steps;
}

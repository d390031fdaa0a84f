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

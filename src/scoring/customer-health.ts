import type { PaymentStatus } from '../db/schema.js';
import { billingSince, coverEarliestBack, firstPeriodStart, type InvoiceForHistory } from '../revenue/mrr-history.js';
import { type Discount, type Item, mrrByCurrency, subscriptionMrr, toMajor } from '../revenue/mrr.js';
import { type Lifecycle, lifecycleOf } from './lifecycle.js';
import { type InvoicePoints, invoicePoints, type MrrSegment, mrrSegments, valueAt } from '../revenue/mrr-steps.js';
import type { ScoringConfig } from './scoring.config.js';
import { type ComputedFactors, computeFactors, type ScoreResult, scoreFromFactors, TREND_DAYS } from './scoring.engine.js';
import type { CustomerSignals } from './usage-factors.js';

/**
 * From a customer's stored billing records to everything PulseScore derives from them: MRR now (per
 * currency), its history, and the health score. Pure: records, configuration and a clock in; values out.
 */

const DAY = 86_400;
const unix = (d: Date | null | undefined) => (d ? d.getTime() / 1000 : null);

export interface SubscriptionRecord {
  stripe_subscription_id: string;
  status: string;
  currency: string;
  interval: string | null;
  interval_count: number;
  cancel_at_period_end: boolean;
  items: unknown[];
  discounts: unknown[];
  trial_end?: Date | null;
  /** Stripe's `start_date`. */
  started_at?: Date | null;
  cancel_at?: Date | null;
  canceled_at?: Date | null;
  current_period_end?: Date | null;
  cancellation_reason?: string | null;
}

export interface PaymentRecord {
  status: PaymentStatus;
  failure_code: string | null;
  paid_at: Date;
  disputed?: boolean;
}

export interface DisputeRecord {
  status: string;
  opened_at: Date;
}

export interface InvoiceLineRecord {
  amount: number;
  subscription_item: string | null;
  period_start: number | null;
  period_end: number | null;
}

export interface InvoiceRecord {
  stripe_subscription_id: string | null;
  status: string;
  currency: string;
  subtotal_cents: number;
  total_cents: number;
  lines: unknown[];
}

export interface CustomerRecords {
  currency: string | null;
  subscriptions: SubscriptionRecord[];
  payments: PaymentRecord[];
  invoices: InvoiceRecord[];
  disputes?: DisputeRecord[];
  /**
   * When the customer last paid an invoice with money in it: a payment as much as a charge is, and the only one
   * an annual customer has among the last 90 days of charges.
   */
  lastPaidInvoiceAt?: Date | null;
  /** What the invoices say, kept from an earlier computation; when set, `invoices` is not needed (nor read). */
  invoicePoints?: InvoicePoints;
  /** The open (latest) MRR segments stored by the previous computation, to keep their dates stable. */
  liveSince?: Record<string, { mrr: number; from: number }>;
  /** Product usage (rollups), support tickets and the latest CSM sentiment, when the scoring service loaded them. */
  signals?: CustomerSignals;
}

export interface CustomerHealth {
  mrr: { byCurrency: Record<string, number>; currency: string | null; amount: number; major: number };
  segments: MrrSegment[];
  lifecycle: Lifecycle;
  /** What the invoices say (to keep for the next computation). */
  invoicePoints: InvoicePoints;
  lastPaymentAt: Date | null;
  /** The factors (what is stored) and the score they make under the configuration; sentences unrendered. */
  factors: ComputedFactors;
  score: ScoreResult;
}

function toInvoice(invoice: InvoiceRecord, subs: Map<string, SubscriptionRecord>): InvoiceForHistory {
  const sub = invoice.stripe_subscription_id ? subs.get(invoice.stripe_subscription_id) : undefined;
  const lines = (invoice.lines as InvoiceLineRecord[]).map((l) => ({
    amount: l.amount,
    subscription: l.subscription_item !== null && l.subscription_item !== undefined,
    periodStart: l.period_start,
    periodEnd: l.period_end,
  }));
  return {
    status: invoice.status,
    currency: invoice.currency,
    subtotal: invoice.subtotal_cents,
    total: invoice.total_cents,
    // An invoice of a subscription we no longer hold is still recurring revenue; monthly unless known otherwise.
    interval: invoice.stripe_subscription_id ? (sub?.interval ?? 'month') : null,
    intervalCount: sub?.interval_count ?? 1,
    lines,
  };
}

/** The invoices as the MRR history reads them, each subscription's earliest one covering back to its start (`coverBackTo`). */
function historyInvoices(records: CustomerRecords, subs: Map<string, SubscriptionRecord>): InvoiceForHistory[] {
  const converted = records.invoices.map((i) => toInvoice(i, subs));
  return coverEarliestBack(
    converted,
    (k) => records.invoices[k]!.stripe_subscription_id,
    (k) => firstPeriodStart(converted[k]!),
    (id) => {
      const sub = subs.get(id);
      return sub ? billingSince(unix(sub.started_at ?? null), unix(sub.trial_end ?? null)) : null;
    },
  );
}

/** The currency the customer mostly pays in: the largest MRR (in major units), else the one on record. */
function mainCurrency(byCurrency: Record<string, number>, records: CustomerRecords): string | null {
  const ranked = Object.entries(byCurrency).sort((a, b) => toMajor(b[1], b[0]) - toMajor(a[1], a[0]));
  return (
    ranked[0]?.[0] ??
    records.currency?.toLowerCase() ??
    records.subscriptions[0]?.currency ??
    records.invoices[0]?.currency ??
    records.invoicePoints?.currencies[0] ??
    null
  );
}

export function evaluateCustomer(records: CustomerRecords, now: number, config: ScoringConfig): CustomerHealth {
  const live = mrrByCurrency(
    records.subscriptions.map((s) => ({
      status: s.status,
      currency: s.currency,
      items: s.items as Item[],
      discounts: s.discounts as Discount[],
    })),
    now,
  );
  const subs = new Map(records.subscriptions.map((s) => [s.stripe_subscription_id, s]));
  const points = records.invoicePoints ?? invoicePoints(historyInvoices(records, subs));
  const segments = mrrSegments(points, live, now, records.liveSince);
  const currency = mainCurrency(live, records);
  const amount = currency ? (live[currency] ?? 0) : 0;
  const previous = currency ? (valueAt(segments, now - TREND_DAYS * DAY)[currency] ?? 0) : 0;
  const hadRevenue = segments.length > 0 || amount > 0;
  // Payment evidence: successful charges and paid invoices. An invoice and its charge are one payment; for
  // recency only the latest matters, so the paid invoice stands in as one more success and nothing is counted twice.
  const paid = records.lastPaidInvoiceAt ?? null;
  const payments = [
    ...records.payments.map((p) => ({
      status: p.status,
      failureCode: p.failure_code,
      at: p.paid_at.getTime() / 1000,
      disputed: p.disputed ?? false,
    })),
    ...(paid ? [{ status: 'succeeded' as const, failureCode: null, at: paid.getTime() / 1000, disputed: false }] : []),
  ];
  const successes = payments.filter((p) => p.status === 'succeeded' && !p.disputed).map((p) => p.at * 1000);
  const lifecycle = lifecycleOf(
    records.subscriptions.map((s) => ({
      status: s.status,
      cancelAtPeriodEnd: s.cancel_at_period_end,
      trialEnd: unix(s.trial_end),
      cancelAt: unix(s.cancel_at),
      canceledAt: unix(s.canceled_at),
      currentPeriodEnd: unix(s.current_period_end),
      cancellationReason: s.cancellation_reason ?? null,
      mrr: subscriptionMrr({ status: 'active', currency: s.currency, items: s.items as Item[], discounts: s.discounts as Discount[] }, now),
    })),
    successes.length > 0,
  );
  const factors = computeFactors(
    {
      payments,
      subscriptions: records.subscriptions.map((s) => ({
        status: s.status,
        interval: s.interval,
        intervalCount: s.interval_count,
        cancelAtPeriodEnd: s.cancel_at_period_end,
      })),
      mrr: hadRevenue && currency ? { current: amount, previous, currency } : null,
      disputes: (records.disputes ?? []).map((d) => ({ status: d.status, at: d.opened_at.getTime() / 1000 })),
    },
    now,
    records.signals,
  );
  return {
    mrr: { byCurrency: live, currency, amount, major: currency ? toMajor(amount, currency) : 0 },
    segments,
    lifecycle,
    invoicePoints: points,
    lastPaymentAt: successes.length > 0 ? new Date(Math.max(...successes)) : null,
    factors,
    score: scoreFromFactors(factors, config, lifecycle),
  };
}

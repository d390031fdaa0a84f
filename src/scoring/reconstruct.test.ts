import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CustomerHistory,
  endedAt,
  type HistoryDispute,
  type HistoryInvoice,
  type HistoryPayment,
  type HistorySubscription,
  reconstructAt,
  weeklyMoments,
} from './reconstruct.js';
import { type CustomerRecords, evaluateCustomer } from './customer-health.js';
import { DEFAULT_CONFIG } from './scoring.config.js';
import { priceItem } from '../../test/helpers/billing.js';

const DAY = 86_400;
const NOW = 1_800_000_000;
const ago = (days: number) => NOW - days * DAY;

/** A small deterministic generator for the mutations (fast-check picks its seed). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Rand = ReturnType<typeof rng>;
const pick = <T>(r: Rand, values: readonly T[]): T => values[Math.floor(r() * values.length)]!;
const after = (r: Rand, t: number, days = 200) => t + 1 + Math.floor(r() * days * DAY);

function monthlyInvoices(r: Rand, sub: HistorySubscription, amount: number, until: number): HistoryInvoice[] {
  const out: HistoryInvoice[] = [];
  const period = sub.interval === 'year' ? 365 * DAY : 30 * DAY;
  let start = sub.trialEnd ?? sub.created ?? ago(400);
  const end = Math.min(endedAt(sub) ?? until, until);
  while (start <= end && out.length < 20) {
    const paid = r() < 0.8;
    out.push({
      subscription: sub.id,
      status: paid ? 'paid' : pick(r, ['open', 'uncollectible', 'void']),
      currency: 'usd',
      subtotal: amount,
      total: amount,
      amountPaid: paid ? amount : 0,
      issuedAt: start,
      paidAt: paid ? start + Math.floor(r() * 5 * DAY) : null,
      lines: [{ amount, subscription: true, periodStart: start, periodEnd: start + period }],
    });
    start += period;
  }
  return out;
}

/** A random customer history over the last 400 days (today's records, as the sync stores them). */
function history(seed: number): CustomerHistory {
  const r = rng(seed);
  const subscriptions: HistorySubscription[] = [];
  const invoices: HistoryInvoice[] = [];
  for (let k = 0, n = 1 + Math.floor(r() * 2); k < n; k++) {
    const created = ago(Math.floor(r() * 400));
    const trial = r() < 0.3;
    const ends = r() < 0.5;
    const ended = ends ? Math.min(NOW, created + Math.floor(r() * 300 * DAY)) : null;
    const sub: HistorySubscription = {
      id: `sub_${k}`,
      status: ends ? pick(r, ['canceled', 'canceled', 'incomplete_expired']) : pick(r, ['active', 'past_due', 'unpaid', 'trialing']),
      currency: 'usd',
      interval: r() < 0.8 ? 'month' : 'year',
      intervalCount: 1,
      created,
      trialStart: trial ? created : null,
      trialEnd: trial ? created + 14 * DAY : null,
      canceledAt: ended !== null ? ended - (r() < 0.5 ? 0 : Math.floor(r() * 20 * DAY)) : r() < 0.2 ? NOW - DAY : null,
      endedAt: ended !== null && r() < 0.8 ? ended : null,
      cancellationReason: ends ? pick(r, ['cancellation_requested', 'payment_failed', 'payment_disputed']) : null,
    };
    subscriptions.push(sub);
    invoices.push(...monthlyInvoices(r, sub, pick(r, [2900, 4900, 9900]), NOW));
  }
  const payments: HistoryPayment[] = Array.from({ length: Math.floor(r() * 8) }, () => randomPayment(r, ago(400)));
  const disputes: HistoryDispute[] = r() < 0.2 ? [randomDispute(r, ago(200))] : [];
  return { currency: 'usd', subscriptions, payments, invoices, disputes };
}

function randomPayment(r: Rand, from: number): HistoryPayment {
  const at = from + Math.floor(r() * Math.max(DAY, NOW - from));
  const status = pick(r, ['succeeded', 'succeeded', 'failed', 'refunded', 'pending'] as const);
  const disputed = status === 'succeeded' && r() < 0.2;
  return {
    status,
    failureCode: status === 'failed' ? pick(r, ['card_declined', 'insufficient_funds', 'stolen_card', 'expired_card']) : null,
    at,
    amount: pick(r, [2900, 4900, 9900]),
    currency: 'usd',
    refundedAt: status === 'refunded' ? at + Math.floor(r() * 30 * DAY) : null,
    disputed,
    disputedAt: disputed ? at + Math.floor(r() * 30 * DAY) : null,
  };
}

function randomDispute(r: Rand, from: number): HistoryDispute {
  const openedAt = from + Math.floor(r() * Math.max(DAY, NOW - from));
  return {
    status: pick(r, ['needs_response', 'under_review', 'won', 'lost']),
    openedAt,
    evidenceDueBy: r() < 0.7 ? openedAt + 14 * DAY : null,
  };
}

/** Changes everything that happened after `t` (and only that), the way a different future would have. */
function rewriteAfter(h: CustomerHistory, t: number, r: Rand): CustomerHistory {
  const subscriptions = h.subscriptions.map((s): HistorySubscription => {
    if (s.created !== null && s.created > t) {
      const created = after(r, t);
      return {
        ...s,
        created,
        trialStart: null,
        trialEnd: null,
        status: pick(r, ['active', 'canceled']),
        endedAt: r() < 0.5 ? after(r, created) : null,
      };
    }
    const ended = endedAt(s);
    if (ended !== null && ended <= t) return s;
    const end = r() < 0.5 ? after(r, t) : null;
    const keepCancel = s.canceledAt !== null && s.canceledAt <= t;
    const canceledAt = keepCancel ? s.canceledAt : end !== null ? end : r() < 0.3 ? after(r, t) : null;
    return {
      ...s,
      status: end !== null ? pick(r, ['canceled', 'incomplete_expired']) : pick(r, ['active', 'past_due', 'unpaid', 'trialing', 'paused']),
      endedAt: end,
      canceledAt,
      cancellationReason: keepCancel ? s.cancellationReason : pick(r, [null, 'cancellation_requested', 'payment_failed']),
      interval: s.interval,
      trialEnd: s.trialEnd !== null && s.trialStart !== null && s.trialStart <= t && s.trialEnd > t ? after(r, t, 30) : s.trialEnd,
    };
  });
  const invoices = h.invoices
    .filter((i) => i.issuedAt <= t || r() < 0.6)
    .map((i): HistoryInvoice => {
      if (i.issuedAt > t)
        return { ...i, issuedAt: after(r, t), total: pick(r, [0, 1000, 99_900]), status: pick(r, ['paid', 'open', 'void']), paidAt: null };
      if ((i.paidAt !== null && i.paidAt <= t) || i.status === 'void') return i;
      const paidAt = r() < 0.5 ? after(r, t) : null;
      return {
        ...i,
        paidAt,
        status: paidAt !== null ? 'paid' : pick(r, ['open', 'uncollectible']),
        amountPaid: paidAt !== null ? pick(r, [i.total, 1]) : 0,
      };
    });
  for (let k = 0; k < 3; k++) {
    const issuedAt = after(r, t);
    invoices.push({
      subscription: pick(r, [null, 'sub_0', 'sub_9']),
      status: 'paid',
      currency: 'usd',
      subtotal: 7000,
      total: 7000,
      amountPaid: 7000,
      issuedAt,
      paidAt: issuedAt,
      lines: [{ amount: 7000, subscription: true, periodStart: issuedAt - 40 * DAY, periodEnd: issuedAt + 30 * DAY }],
    });
  }
  const payments = h.payments
    .filter((p) => p.at <= t || r() < 0.5)
    .map((p): HistoryPayment => {
      if (p.at > t) return randomPayment(r, t + 1);
      let next = p;
      const refundOpen = p.status === 'succeeded' || (p.status === 'refunded' && p.refundedAt !== null && p.refundedAt > t);
      if (refundOpen)
        next = r() < 0.5 ? { ...next, status: 'succeeded', refundedAt: null } : { ...next, status: 'refunded', refundedAt: after(r, t) };
      const disputeOpen = !p.disputed || (p.disputedAt !== null && p.disputedAt > t);
      if (disputeOpen)
        next = r() < 0.5 ? { ...next, disputed: false, disputedAt: null } : { ...next, disputed: true, disputedAt: after(r, t) };
      return next;
    });
  payments.push(randomPayment(r, t + 1));
  const disputes = h.disputes
    .filter((d) => d.openedAt <= t)
    .map((d) => ((d.evidenceDueBy ?? d.openedAt + 21 * DAY) > t ? { ...d, status: pick(r, ['won', 'lost', 'under_review']) } : d));
  if (r() < 0.5) disputes.push(randomDispute(r, t + 1));
  return { ...h, subscriptions, invoices, payments, disputes };
}

const view = (h: CustomerHistory, t: number) => {
  const r = reconstructAt(h, t, DEFAULT_CONFIG);
  return { score: r.score.score, level: r.score.level, factors: r.factors, lifecycle: r.lifecycle, mrr: r.mrr };
};

describe('reconstructAt', () => {
  it('no data after T changes the score at T (leakage property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 399 }), fc.integer(), (seed, daysAgo, futureSeed) => {
        const h = history(seed);
        const t = ago(daysAgo) + 3_600;
        const other = rewriteAfter(h, t, rng(futureSeed));
        expect(view(other, t)).toEqual(view(h, t));
      }),
      { numRuns: 400 },
    );
  });

  it('the property test can fail: changing data before T does change some scores', () => {
    let moved = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const h = history(seed);
      const t = ago(30);
      const earlier = { ...h, payments: [...h.payments, { ...randomPayment(rng(seed), ago(60)), status: 'failed' as const, at: t - DAY }] };
      if (JSON.stringify(view(earlier, t)) !== JSON.stringify(view(h, t))) moved++;
    }
    expect(moved).toBeGreaterThan(50);
  });

  const sub = (over: Partial<HistorySubscription> = {}): HistorySubscription => ({
    id: 'sub_1',
    status: 'active',
    currency: 'usd',
    interval: 'month',
    intervalCount: 1,
    created: ago(300),
    trialStart: null,
    trialEnd: null,
    canceledAt: null,
    endedAt: null,
    cancellationReason: null,
    ...over,
  });
  const paidMonths = (from: number, to: number, amount = 4900, id = 'sub_1'): HistoryInvoice[] => {
    const out: HistoryInvoice[] = [];
    for (let s = from; s < to; s += 30 * DAY) {
      out.push({
        subscription: id,
        status: 'paid',
        currency: 'usd',
        subtotal: amount,
        total: amount,
        amountPaid: amount,
        issuedAt: s,
        paidAt: s + 3_600,
        lines: [{ amount, subscription: true, periodStart: s, periodEnd: s + 30 * DAY }],
      });
    }
    return out;
  };
  const charge = (at: number, status: HistoryPayment['status'] = 'succeeded', failureCode: string | null = null): HistoryPayment => ({
    status,
    failureCode,
    at,
    amount: 4900,
    currency: 'usd',
    refundedAt: null,
    disputed: false,
    disputedAt: null,
  });

  it('a customer who canceled later was active and healthy before, canceling after asking, churned after the end', () => {
    const h: CustomerHistory = {
      currency: 'usd',
      subscriptions: [sub({ status: 'canceled', canceledAt: ago(40), endedAt: ago(20), cancellationReason: 'cancellation_requested' })],
      payments: [],
      invoices: paidMonths(ago(300), ago(20)),
      disputes: [],
    };
    const before = reconstructAt(h, ago(60));
    expect(before.lifecycle.state).toBe('active');
    expect(before.score.level).toBe('green');
    expect(before.mrr).toEqual({ currency: 'usd', amount: 4900 });
    expect(reconstructAt(h, ago(30)).lifecycle.state).toBe('canceling');
    const after = reconstructAt(h, ago(10));
    expect(after.lifecycle).toMatchObject({ state: 'churned', churn: 'voluntary' });
    expect(after.mrr.amount).toBe(0);
  });

  it('failing charges on an unpaid invoice make the customer past due and red, before the subscription was canceled for it', () => {
    const invoices = paidMonths(ago(300), ago(60));
    invoices.push({ ...paidMonths(ago(60), ago(59))[0]!, status: 'uncollectible', paidAt: null, amountPaid: 0 });
    const h: CustomerHistory = {
      currency: 'usd',
      subscriptions: [sub({ status: 'canceled', canceledAt: ago(35), endedAt: ago(35), cancellationReason: 'payment_failed' })],
      payments: [
        charge(ago(60), 'failed', 'card_declined'),
        charge(ago(55), 'failed', 'insufficient_funds'),
        charge(ago(50), 'failed', 'card_declined'),
      ],
      invoices,
      disputes: [],
    };
    const at = reconstructAt(h, ago(45));
    expect(at.lifecycle.state).toBe('past_due');
    expect(at.score.level).toBe('red');
    expect(reconstructAt(h, ago(30)).lifecycle).toMatchObject({ state: 'churned', churn: 'involuntary' });
  });

  it('a trial has no score; the subscription did not exist before it was created', () => {
    const h: CustomerHistory = {
      currency: 'usd',
      subscriptions: [sub({ created: ago(100), trialStart: ago(100), trialEnd: ago(86) })],
      payments: [],
      invoices: paidMonths(ago(86), NOW),
      disputes: [],
    };
    expect(reconstructAt(h, ago(90)).score.score).toBeNull();
    expect(reconstructAt(h, ago(90)).lifecycle.state).toBe('trialing');
    expect(reconstructAt(h, ago(120)).lifecycle.state).toBe('no_billing');
    expect(reconstructAt(h, ago(120)).score.score).toBeNull();
  });

  it('at today, a steady customer is scored exactly as the live scoring scores it', () => {
    const h: CustomerHistory = {
      currency: 'usd',
      subscriptions: [sub()],
      payments: [charge(ago(75)), charge(ago(45)), charge(ago(15))],
      invoices: paidMonths(ago(315), NOW),
      disputes: [],
    };
    const item = priceItem();
    const records: CustomerRecords = {
      currency: 'usd',
      subscriptions: [
        {
          stripe_subscription_id: 'sub_1',
          status: 'active',
          currency: 'usd',
          interval: 'month',
          interval_count: 1,
          cancel_at_period_end: false,
          items: [item],
          discounts: [],
        },
      ],
      payments: h.payments.map((p) => ({ status: p.status, failure_code: p.failureCode, paid_at: new Date(p.at * 1000) })),
      invoices: h.invoices.map((i) => ({
        stripe_subscription_id: i.subscription,
        status: i.status,
        currency: i.currency,
        subtotal_cents: i.subtotal,
        total_cents: i.total,
        lines: i.lines.map((l) => ({ amount: l.amount, subscription_item: 'si', period_start: l.periodStart, period_end: l.periodEnd })),
      })),
      lastPaidInvoiceAt: new Date(h.invoices.at(-1)!.paidAt! * 1000),
    };
    const live = evaluateCustomer(records, NOW, DEFAULT_CONFIG);
    const rebuilt = reconstructAt(h, NOW);
    expect(rebuilt.score.score).toBe(live.score.score);
    expect(rebuilt.factors).toEqual(live.factors);
    expect(rebuilt.lifecycle).toEqual(live.lifecycle);
  });

  it('weekly moments end at the last moment and step back by 7 days', () => {
    expect(weeklyMoments(ago(20), NOW)).toEqual([ago(14), ago(7), NOW]);
  });
});

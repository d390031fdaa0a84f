import { describe, expect, it } from 'vitest';
import { type CustomerRecords, evaluateCustomer, type SubscriptionRecord } from './customer-health.js';
import { DEFAULT_CONFIG } from './scoring.config.js';
import { renderScore } from './scoring.engine.js';

/** A customer's stored billing records → state and score: the cases a new user would call wrong. */

const DAY = 86_400;
const NOW = 1_800_000_000;
const at = (daysAgo: number) => new Date((NOW - daysAgo * DAY) * 1000);

const item = (amount: number, interval = 'month') => ({
  id: 'si_1',
  price_id: 'price_1',
  currency: 'usd',
  billing_scheme: 'per_unit',
  unit_amount: amount,
  unit_amount_decimal: null,
  tiers_mode: null,
  tiers: null,
  transform_quantity: null,
  interval,
  interval_count: 1,
  usage_type: 'licensed',
  quantity: 1,
  discounts: [],
});

const sub = (over: Partial<SubscriptionRecord> = {}): SubscriptionRecord => ({
  stripe_subscription_id: 'sub_1',
  status: 'active',
  currency: 'usd',
  interval: 'month',
  interval_count: 1,
  cancel_at_period_end: false,
  items: [item(4900)],
  discounts: [],
  ...over,
});

const records = (over: Partial<CustomerRecords>): CustomerRecords => ({
  currency: 'usd',
  subscriptions: [],
  payments: [],
  invoices: [],
  invoicePoints: { currencies: [], points: [] },
  ...over,
});

const evaluate = (r: CustomerRecords) => {
  const health = evaluateCustomer(r, NOW, DEFAULT_CONFIG);
  return { ...health, score: renderScore(health.score, NOW) };
};

describe('payment evidence from invoices as well as charges', () => {
  it('judges an annual customer paid by invoice 200 days ago on its yearly cadence', () => {
    const yearly = sub({ interval: 'year', items: [item(120_000, 'year')] });
    const h = evaluate(records({ subscriptions: [yearly], lastPaidInvoiceAt: at(200) }));
    expect(h.lastPaymentAt).toEqual(at(200));
    const recency = h.factors.payment_recency;
    expect('value' in recency && recency.value).toBe(1);
    expect(h.score.explanation).not.toMatch(/no successful payment/);
    // The same customer judged monthly would be late: the cadence is what makes 200 days fine.
    const monthly = evaluate(records({ subscriptions: [sub()], lastPaidInvoiceAt: at(200) }));
    const late = monthly.factors.payment_recency;
    expect('value' in late && late.value).toBe(0);
  });

  it('counts an invoice and its charge as one payment, and the latest of all', () => {
    const h = evaluate(
      records({
        subscriptions: [sub()],
        payments: [{ status: 'succeeded', failure_code: null, paid_at: at(40) }],
        lastPaidInvoiceAt: at(10),
      }),
    );
    expect(h.lastPaymentAt).toEqual(at(10));
  });

  it('does not take a refunded or uncaptured charge for a payment', () => {
    const h = evaluate(
      records({
        subscriptions: [sub()],
        payments: [
          { status: 'refunded', failure_code: null, paid_at: at(2) },
          { status: 'uncaptured', failure_code: null, paid_at: at(1) },
        ],
      }),
    );
    expect(h.lastPaymentAt).toBeNull();
  });
});

describe('states before scores', () => {
  it('gives a trial no health verdict, but says when it ends', () => {
    const trial = sub({ status: 'trialing', trial_end: at(-5) });
    const h = evaluate(records({ subscriptions: [trial] }));
    expect(h.lifecycle).toMatchObject({ state: 'trialing' });
    expect(h.score.score).toBeNull();
    expect(h.score.explanation).toBe('Trial — ends in 5 days: no health score until it is paid for.');
    expect(h.score.explanation).not.toMatch(/Healthy/);
  });

  it('gives a customer billed nothing (a 100 % coupon) no score: absence of failures is not health', () => {
    const coupon = {
      id: 'di_1',
      coupon_id: 'FREE',
      percent_off: 100,
      amount_off: null,
      currency: null,
      duration: 'forever',
      start: null,
      end: null,
    };
    const h = evaluate(records({ subscriptions: [sub({ discounts: [coupon] })] }));
    expect(h.lifecycle.state).toBe('free');
    expect(h.score.score).toBeNull();
    expect(h.factors.failed_payments).toEqual({ reason: 'no payment attempts yet' });
  });

  it('marks a score carried by a single factor as provisional', () => {
    // One paid charge and nothing else: only the failed-payments factor… and recency; drop recency's weight.
    const h = evaluateCustomer(records({ payments: [{ status: 'succeeded', failure_code: null, paid_at: at(3) }] }), NOW, {
      ...DEFAULT_CONFIG,
      weights: { ...DEFAULT_CONFIG.weights, payment_recency: 0 },
    });
    expect(h.score.coverage).toMatchObject({ present: 1, provisional: true });
    expect(h.score.explanation).toMatch(/Provisional: only one factor/);
    const full = evaluate(records({ subscriptions: [sub()], payments: [{ status: 'succeeded', failure_code: null, paid_at: at(3) }] }));
    expect(full.score.coverage.provisional).toBe(false);
    expect(full.score.coverage.billing).toBeGreaterThanOrEqual(2);
  });

  it('tells voluntary from involuntary churn', () => {
    const voluntary = evaluate(
      records({ subscriptions: [sub({ status: 'canceled', canceled_at: at(5), cancellation_reason: 'cancellation_requested' })] }),
    );
    const involuntary = evaluate(
      records({ subscriptions: [sub({ status: 'canceled', canceled_at: at(5), cancellation_reason: 'payment_failed' })] }),
    );
    expect(voluntary.lifecycle).toMatchObject({ state: 'churned', churn: 'voluntary' });
    expect(involuntary.lifecycle).toMatchObject({ state: 'churned', churn: 'involuntary' });
  });
});

describe('subscriptions older than the synced invoices', () => {
  // The sync reads 12 months of invoices: an annual customer of 15 months has only its renewal held.
  const line = (amount: number, from: number, days: number) => ({
    amount,
    subscription_item: 'si_1',
    period_start: from,
    period_end: from + days * DAY,
  });
  const invoiceOf = (amount: number, from: number, days: number) => ({
    stripe_subscription_id: 'sub_1',
    status: 'paid',
    currency: 'usd',
    subtotal_cents: amount,
    total_cents: amount,
    lines: [line(amount, from, days)],
  });

  it('does not count an annual renewal as new MRR, nor as growth', () => {
    const yearly = sub({ interval: 'year', items: [item(120_000, 'year')], started_at: at(450) });
    const renewal = invoiceOf(120_000, NOW - 85 * DAY, 365);
    const h = evaluate(records({ subscriptions: [yearly], invoices: [renewal], invoicePoints: undefined, lastPaidInvoiceAt: at(85) }));
    expect(h.segments).toEqual([{ currency: 'usd', from: NOW - 450 * DAY, mrr: 10_000, movement: 'new', delta: 10_000 }]);
    const trend = h.factors.mrr_trend;
    expect('value' in trend && trend.explanation).not.toMatch(/new recurring revenue/);
    // Without its start known, the renewal is all there is to go by.
    const unknown = evaluate(
      records({ subscriptions: [sub({ ...yearly, started_at: null })], invoices: [renewal], invoicePoints: undefined }),
    );
    expect(unknown.segments.map((s) => s.from)).toEqual([NOW - 85 * DAY]);
  });

  it('starts a monthly customer’s history at its subscription, not at the first invoice held', () => {
    const monthly = sub({ started_at: at(700) });
    const invoices = [400, 370, 340].map((d) => invoiceOf(4900, NOW - d * DAY, 30));
    const h = evaluate(records({ subscriptions: [monthly], invoices, invoicePoints: undefined }));
    expect(h.segments[0]).toMatchObject({ from: NOW - 700 * DAY, movement: 'new', mrr: 4900 });
  });

  it('begins a subscription that started with a trial at the trial’s end (no MRR during the trial)', () => {
    const trialed = sub({ started_at: at(100), trial_end: at(86) });
    const invoices = [86, 56, 26].map((d) => invoiceOf(4900, NOW - d * DAY, 30));
    const h = evaluate(records({ subscriptions: [trialed], invoices, invoicePoints: undefined }));
    expect(h.segments[0]).toMatchObject({ from: NOW - 86 * DAY, movement: 'new', mrr: 4900 });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disputeRisk, type DisputeInput, LOST_WINDOW_DAYS } from './dispute-risk.js';
import { computeFactors, type CustomerBilling, type PaymentInput, scoreCustomer } from './scoring.engine.js';

const NOW = 1_800_000_000;
const DAY = 86_400;
const monthly = [{ status: 'active', interval: 'month', intervalCount: 1, cancelAtPeriodEnd: false }];
const paid = (daysAgo: number, extra: Partial<PaymentInput> = {}): PaymentInput => ({
  status: 'succeeded',
  failureCode: null,
  at: NOW - daysAgo * DAY,
  ...extra,
});
const dispute = (status: string, daysAgo = 5): DisputeInput => ({ status, at: NOW - daysAgo * DAY });
const healthy = (extra: Partial<CustomerBilling> = {}): CustomerBilling => ({
  payments: [paid(3), paid(33), paid(63)],
  subscriptions: monthly,
  mrr: { current: 50_000, previous: 50_000, currency: 'usd' },
  ...extra,
});
const failures = (billing: CustomerBilling) => {
  const f = computeFactors(billing, NOW).failed_payments;
  if ('reason' in f) throw new Error(f.reason);
  return f;
};

describe('disputes in the score', () => {
  it.each<[string, DisputeInput[], { open: number; lost: number; clause: string | null }]>([
    ['none', [], { open: 0, lost: 0, clause: null }],
    ['an inquiry awaiting a response', [dispute('warning_needs_response')], { open: 1, lost: 0, clause: '1 open dispute' }],
    ['an inquiry under review', [dispute('warning_under_review')], { open: 1, lost: 0, clause: '1 open dispute' }],
    ['a chargeback awaiting evidence', [dispute('needs_response')], { open: 1, lost: 0, clause: '1 open dispute' }],
    ['a chargeback under review', [dispute('under_review')], { open: 1, lost: 0, clause: '1 open dispute' }],
    ['an appeal', [dispute('appeal_needs_response'), dispute('appeal_under_review')], { open: 2, lost: 0, clause: '2 open disputes' }],
    ['won', [dispute('won')], { open: 0, lost: 0, clause: null }],
    ['prevented', [dispute('prevented')], { open: 0, lost: 0, clause: null }],
    ['an inquiry closed', [dispute('warning_closed')], { open: 0, lost: 0, clause: null }],
    ['lost recently', [dispute('lost', 20)], { open: 0, lost: 1, clause: '1 dispute lost in the last 90 days' }],
    ['lost long ago', [dispute('lost', LOST_WINDOW_DAYS + 1)], { open: 0, lost: 0, clause: null }],
    [
      'open and lost',
      [dispute('needs_response'), dispute('lost', 10), dispute('lost', 30)],
      { open: 1, lost: 2, clause: '1 open dispute and 2 disputes lost in the last 90 days' },
    ],
  ])('%s', (_, disputes, expected) => {
    expect(disputeRisk(disputes, NOW)).toMatchObject(expected);
  });

  it('an open dispute is a strong negative: a customer otherwise healthy falls out of green, and the sentence says why', () => {
    const before = scoreCustomer(healthy(), NOW);
    const after = scoreCustomer(healthy({ disputes: [dispute('needs_response')] }), NOW);
    expect(before.level).toBe('green');
    expect(after.level).not.toBe('green');
    expect(after.score!).toBeLessThanOrEqual(before.score! - 15);
    expect(failures(healthy({ disputes: [dispute('needs_response')] })).explanation).toBe(
      'No failed payments in the last 30 days; 1 open dispute.',
    );
    expect(failures(healthy({ disputes: [dispute('needs_response')] })).value).toBeLessThan(0.2);
  });

  it('a won dispute weighs nothing', () => {
    expect(scoreCustomer(healthy({ disputes: [dispute('won')] }), NOW).score).toBe(scoreCustomer(healthy(), NOW).score);
  });

  it('a disputed payment is not a successful one, and neither is a refunded one', () => {
    const onlyDisputed = healthy({ payments: [paid(3, { disputed: true })] });
    expect(computeFactors(onlyDisputed, NOW).payment_recency).toEqual({ reason: 'no successful payment yet' });
    const lastDisputed = healthy({ payments: [paid(3, { disputed: true }), paid(40)] });
    const recency = computeFactors(lastDisputed, NOW).payment_recency;
    expect('value' in recency && recency.explanation).toMatch(/^Last successful payment \{\{days_since:\d+\}\} ago/);
    expect('value' in recency && recency.value).toBeLessThan(1);
    const refunded = healthy({ payments: [{ status: 'refunded', failureCode: null, at: NOW - 3 * DAY }] });
    expect(computeFactors(refunded, NOW).payment_recency).toEqual({ reason: 'no successful payment yet' });
  });

  it('more disputes, or a dispute still open, never raise the score (property)', () => {
    const status = fc.constantFrom('needs_response', 'under_review', 'warning_needs_response', 'lost', 'won', 'warning_closed');
    const disputes = fc.array(fc.record({ status, at: fc.integer({ min: NOW - 200 * DAY, max: NOW }) }), { maxLength: 5 });
    fc.assert(
      fc.property(disputes, disputes, (some, more) => {
        const a = scoreCustomer(healthy({ disputes: some }), NOW).score!;
        const b = scoreCustomer(healthy({ disputes: [...some, ...more] }), NOW).score!;
        expect(b).toBeLessThanOrEqual(a);
        const v = failures(healthy({ disputes: [...some, ...more] })).value;
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { type ChurnEvent, churnKind, splitChurn } from './churn.js';

const DAY = 86_400;
const NOW = 1_800_000_000;

const event = (overrides: Partial<ChurnEvent>): ChurnEvent => ({
  customerId: 'c1',
  currency: 'usd',
  lost: 10_000,
  at: NOW - 10 * DAY,
  subscription: { status: 'canceled', cancellationReason: 'cancellation_requested' },
  customerChurn: null,
  ...overrides,
});

describe('churn kind', () => {
  it.each([
    [{ status: 'canceled', cancellationReason: 'cancellation_requested' }, null, 'voluntary'],
    [{ status: 'canceled', cancellationReason: null }, 'involuntary', 'voluntary'],
    [{ status: 'canceled', cancellationReason: 'payment_failed' }, null, 'involuntary'],
    [{ status: 'canceled', cancellationReason: 'payment_disputed' }, null, 'involuntary'],
    [{ status: 'unpaid', cancellationReason: null }, null, 'involuntary'],
    [{ status: 'incomplete_expired', cancellationReason: null }, null, 'involuntary'],
    [null, 'involuntary', 'involuntary'],
    [null, 'voluntary', 'voluntary'],
    [null, null, 'voluntary'],
  ] as const)('%j with lifecycle %s is %s', (subscription, customerChurn, kind) => {
    expect(churnKind({ subscription, customerChurn })).toBe(kind);
  });
});

describe('churn windows', () => {
  it('counts customers once and MRR per currency, in the window (now − days, now]', () => {
    const events = [
      event({ customerId: 'a', lost: 10_000 }),
      event({ customerId: 'a', currency: 'eur', lost: 5_000 }),
      event({
        customerId: 'b',
        at: NOW - 45 * DAY,
        subscription: { status: 'canceled', cancellationReason: 'payment_failed' },
        lost: 2_000,
      }),
      event({ customerId: 'c', currency: 'jpy', lost: 12_000, subscription: null, customerChurn: 'involuntary' }),
      event({ customerId: 'd', at: NOW - 30 * DAY }), // exactly 30 days ago: outside the 30-day window
      event({ customerId: 'e', at: NOW - 91 * DAY }),
      event({ customerId: 'f', at: NOW + DAY }),
    ];
    expect(splitChurn(events, NOW, [30, 90])).toEqual([
      { days: 30, voluntary: { customers: 1, mrr: { usd: 10_000, eur: 5_000 } }, involuntary: { customers: 1, mrr: { jpy: 12_000 } } },
      {
        days: 90,
        voluntary: { customers: 2, mrr: { usd: 20_000, eur: 5_000 } },
        involuntary: { customers: 2, mrr: { usd: 2_000, jpy: 12_000 } },
      },
    ]);
    expect(splitChurn([], NOW, [30])).toEqual([{ days: 30, voluntary: { customers: 0, mrr: {} }, involuntary: { customers: 0, mrr: {} } }]);
  });
});

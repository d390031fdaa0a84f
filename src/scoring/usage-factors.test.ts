import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeFactors, renderSentence, scoreFromFactors } from './scoring.engine.js';
import { DEFAULT_CONFIG, scoringConfigSchema } from './scoring.config.js';
import {
  keptShare,
  sentimentFactor,
  sentimentValue,
  supportFactor,
  supportValue,
  type TicketInput,
  type UsageInput,
  usageFactor,
  usageValue,
} from './usage-factors.js';

const NOW = 1_800_000_000;
const DAY = 86_400;
const usage = (recentUsers: number, recentEvents: number, baseUsers: number, baseEvents: number, days = 56): UsageInput => ({
  recent: { userDays: recentUsers * 7, events: recentEvents },
  baseline: { userDays: baseUsers * days, events: (baseEvents / 7) * days, days },
});
const ticket = (t: Partial<TicketInput>): TicketInput => ({
  priority: 'normal',
  status: 'open',
  openedAt: NOW - 2 * DAY,
  solvedAt: null,
  satisfaction: null,
  ...t,
});
const valueOf = (f: { value: number } | { reason: string }) => ('value' in f ? f.value : null);

describe('usage factor', () => {
  it.each([
    ['stable usage does not weigh', usage(10, 500, 10, 500), 1, 1],
    ['growth is as good as stable', usage(20, 900, 10, 500), 1, 1],
    ['half the users and events', usage(5, 250, 10, 500), 0.34, 0.37],
    ['users steady, events halved', usage(10, 250, 10, 500), 0.67, 0.69],
    ['nothing in the last week', usage(0, 0, 10, 500), 0, 0.02],
  ])('%s', (_name, input, min, max) => {
    const v = usageValue(input);
    expect(v).toBeGreaterThanOrEqual(min);
    expect(v).toBeLessThanOrEqual(max);
  });

  it('is absent without usage, and without two weeks of history', () => {
    expect(usageFactor(null)).toEqual({ reason: 'no product usage matched to this customer in the last 9 weeks' });
    expect(usageFactor(usage(0, 0, 0, 0))).toHaveProperty('reason');
    expect(usageFactor(usage(3, 40, 3, 40, 3))).toEqual({ reason: 'usage data started 10 days ago; a baseline needs two weeks' });
  });

  it('says what moved', () => {
    const f = usageFactor(usage(4, 210, 5, 260));
    expect('explanation' in f && f.explanation).toBe(
      'Active users 4 a day and 210 events in the last 7 days, against 5 a day and 260 a week over the previous 8 weeks (users −20%, events −19%).',
    );
  });

  const amount = fc.double({ min: 0, max: 1e5, noNaN: true });
  const input = fc.record({ ru: amount, re: amount, bu: amount, be: amount, days: fc.integer({ min: 7, max: 56 }) });
  const make = (i: { ru: number; re: number; bu: number; be: number; days: number }) => usage(i.ru, i.re, i.bu, i.be, i.days);

  it('stays in [0, 1], rises with recent usage and falls with the baseline', () => {
    fc.assert(
      fc.property(input, fc.double({ min: 0, max: 1e4, noNaN: true }), (i, more) => {
        const v = usageValue(make(i));
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(usageValue(make({ ...i, ru: i.ru + more }))).toBeGreaterThanOrEqual(v - 1e-12);
        expect(usageValue(make({ ...i, re: i.re + more }))).toBeGreaterThanOrEqual(v - 1e-12);
        expect(usageValue(make({ ...i, bu: i.bu + more }))).toBeLessThanOrEqual(v + 1e-12);
        expect(usageValue(make({ ...i, be: i.be + more }))).toBeLessThanOrEqual(v + 1e-12);
      }),
    );
  });

  it('has no jumps: a small change of any input moves it a little', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1000, noNaN: true }), (recent, baseline) => {
        const a = keptShare(recent, baseline, 0.1);
        expect(Math.abs(keptShare(recent + 1e-6, baseline, 0.1) - a)).toBeLessThan(1e-4);
        expect(Math.abs(keptShare(recent, baseline + 1e-6, 0.1) - a)).toBeLessThan(1e-4);
      }),
    );
  });
});

describe('support factor', () => {
  it.each([
    ['no tickets', [], 1],
    ['one open normal ticket', [ticket({})], 0.7788],
    ['one open urgent ticket', [ticket({ priority: 'urgent' })], 0.4724],
    ['one solved in the last 30 days, rated good', [ticket({ status: 'solved', solvedAt: NOW - DAY, satisfaction: 1 })], 0.9394],
    ['one solved, rated bad', [ticket({ status: 'solved', solvedAt: NOW - DAY, satisfaction: 0 })], 0.5636],
    ['an old solved ticket does not count', [ticket({ status: 'solved', openedAt: NOW - 90 * DAY, solvedAt: NOW - 80 * DAY })], 1],
  ])('%s', (_name, tickets, expected) => {
    expect(valueOf(supportFactor({ connected: true, tickets }, NOW))).toBeCloseTo(expected, 3);
  });

  it('is absent without a support data source, and explains itself', () => {
    expect(supportFactor(null, NOW)).toEqual({ reason: 'no support data source connected' });
    const f = supportFactor(
      {
        connected: true,
        tickets: [ticket({ priority: 'urgent' }), ticket({}), ticket({ status: 'solved', solvedAt: NOW, satisfaction: 0.5 })],
      },
      NOW,
    );
    expect('explanation' in f && f.explanation).toBe(
      '2 open tickets (1 urgent or high); 3 opened in the last 30 days; satisfaction 50% on 1 rated ticket.',
    );
  });

  it('more load never raises it, more satisfaction never lowers it, and it stays in [0, 1]', () => {
    const sat = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null });
    fc.assert(
      fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), sat, (load, more, s) => {
        const v = supportValue(load, s);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(supportValue(load + more, s)).toBeLessThanOrEqual(v);
        if (s !== null) expect(supportValue(load, Math.min(1, s + more / 10))).toBeGreaterThanOrEqual(v);
        expect(Math.abs(supportValue(load + 1e-6, s) - v)).toBeLessThan(1e-5);
      }),
    );
  });
});

describe('sentiment factor', () => {
  const s = { rating: 2, note: 'Champion left; new VP unconvinced', by: 'Ana', at: NOW - 3 * DAY, expiresAt: NOW + 27 * DAY };

  it('counts the latest until it expires, then visibly stops', () => {
    const f = sentimentFactor(s, NOW);
    expect(valueOf(f)).toBe(0.25);
    expect('explanation' in f && renderSentence(f.explanation, NOW)).toBe(
      'CSM sentiment 2/5 from Ana 3 days ago: “Champion left; new VP unconvinced” (counts until Feb 11, 2027).',
    );
    expect(sentimentFactor(s, s.expiresAt)).toEqual({ reason: 'the CSM sentiment of Jan 12, 2027 (2/5) expired on Feb 11, 2027' });
    expect(sentimentFactor(null, NOW)).toEqual({ reason: 'no CSM sentiment recorded' });
  });

  it('rises with the rating, within [0, 1]', () => {
    expect([1, 2, 3, 4, 5].map(sentimentValue)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});

describe('in the score', () => {
  const billing = { payments: [{ status: 'succeeded' as const, failureCode: null, at: NOW - 5 * DAY }], subscriptions: [], mrr: null };

  it('usage, support and sentiment are absent without data, and their weight goes to the others', () => {
    const f = computeFactors(billing, NOW);
    expect(f.usage).toHaveProperty('reason');
    expect(f.support).toHaveProperty('reason');
    expect(f.sentiment).toHaveProperty('reason');
  });

  it('the explanation names the usage fact that moved the score', () => {
    const f = computeFactors(billing, NOW, { usage: usage(1, 20, 10, 500), support: { connected: true, tickets: [] } });
    const score = scoreFromFactors(f, DEFAULT_CONFIG);
    expect(score.factors.map((x) => x.name)).toEqual(['payment_recency', 'failed_payments', 'usage', 'support']);
    expect(score.explanation).toMatch(/Main concern: Active users 1 a day and 20 events in the last 7 days/);
  });

  it('a stored configuration without a sentiment weight stays valid, with the default', () => {
    const stored = {
      weights: { payment_recency: 25, mrr_trend: 25, failed_payments: 20, usage: 15, support: 15 },
      thresholds: { green: 70, yellow: 40 },
    };
    expect(scoringConfigSchema.parse(stored).weights.sentiment).toBe(5);
  });
});

import { describe, expect, it } from 'vitest';
import { type AlertEvent, type CustomerFacts, decide, HYSTERESIS_POINTS, type RuleSpec, type RuleState } from './alerts.rules.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const fresh: RuleState = { active: false, lastFiredAt: null };
const facts = (over: Partial<CustomerFacts> = {}): CustomerFacts => ({
  id: 'c1',
  score: 80,
  level: 'green',
  mrrMajor: 100,
  windowMax: null,
  thresholds: { green: 70, yellow: 40 },
  ...over,
});
let n = 0;
const event = (type: string, payload: Record<string, unknown> = {}): AlertEvent => ({ id: `e${++n}`, type, payload });
const rule = (over: Partial<RuleSpec>): RuleSpec => ({
  kind: 'score_below',
  params: { threshold: 40 },
  minMrr: null,
  cooldownMinutes: 0,
  ...over,
});

/** Runs a sequence of scores through a state-based rule and counts the alerts. */
function run(spec: RuleSpec, scores: { score: number | null; level?: CustomerFacts['level']; windowMax?: number }[]): number {
  let state = fresh;
  let fired = 0;
  for (const s of scores) {
    const d = decide(
      spec,
      event('score.changed'),
      facts({ score: s.score, level: s.level ?? null, windowMax: s.windowMax ?? null }),
      state,
      NOW,
    );
    if (d.fire) fired++;
    state = { active: d.active, lastFiredAt: d.fire ? NOW : state.lastFiredAt };
  }
  return fired;
}

describe('alert rules', () => {
  it('each kind fires on its own events only', () => {
    const cases: [RuleSpec, string, CustomerFacts][] = [
      [rule({ kind: 'score_below', params: { threshold: 40 } }), 'score.changed', facts({ score: 30, level: 'red' })],
      [rule({ kind: 'score_drop', params: { points: 20, days: 7 } }), 'score.changed', facts({ score: 50, windowMax: 80 })],
      [rule({ kind: 'risk_level', params: { level: 'red' } }), 'risk_level.changed', facts({ score: 20, level: 'red' })],
      [rule({ kind: 'payment_failed' }), 'payment.failed', facts()],
      [rule({ kind: 'subscription_canceled' }), 'subscription.canceled', facts()],
    ];
    const types = ['score.changed', 'risk_level.changed', 'payment.failed', 'subscription.canceled', 'sync.completed'];
    for (const [spec, trigger, f] of cases) {
      expect(
        decide(spec, event(trigger, { chargeId: 'ch_1', subscriptionId: 'sub_1' }), f, fresh, NOW).fire,
        `${spec.kind} on ${trigger}`,
      ).toBe(true);
      for (const other of types.filter(
        (t) =>
          t !== trigger &&
          !(spec.kind.startsWith('score') || spec.kind === 'risk_level' ? ['score.changed', 'risk_level.changed'] : []).includes(t),
      )) {
        expect(decide(spec, event(other), f, fresh, NOW).fire, `${spec.kind} on ${other}`).toBe(false);
      }
    }
  });

  it('alerts once while a customer stays below the threshold, and again only after clearly recovering', () => {
    const spec = rule({ kind: 'score_below', params: { threshold: 40 } });
    expect(run(spec, [{ score: 30 }, { score: 25 }, { score: 35 }])).toBe(1);
    // Flapping around the threshold (inside the hysteresis band) does not alert on every crossing.
    expect(run(spec, [{ score: 39 }, { score: 41 }, { score: 38 }, { score: 42 }, { score: 39 }])).toBe(1);
    expect(run(spec, [{ score: 39 }, { score: 40 + HYSTERESIS_POINTS }, { score: 39 }])).toBe(2);
    expect(run(spec, [{ score: null }, { score: 60 }])).toBe(0);
  });

  it('alerts on a drop of N points within the window, once until the drop shrinks', () => {
    const spec = rule({ kind: 'score_drop', params: { points: 20, days: 7 } });
    expect(
      run(spec, [
        { score: 70, windowMax: 80 },
        { score: 55, windowMax: 80 },
        { score: 50, windowMax: 80 },
      ]),
    ).toBe(1);
    expect(
      run(spec, [
        { score: 55, windowMax: 80 },
        { score: 75, windowMax: 80 },
        { score: 55, windowMax: 80 },
      ]),
    ).toBe(2);
  });

  it('alerts when a customer becomes red (or yellow or worse), with a margin before it counts as recovered', () => {
    const red = rule({ kind: 'risk_level', params: { level: 'red' } });
    expect(
      run(red, [
        { score: 35, level: 'red' },
        { score: 41, level: 'yellow' },
        { score: 38, level: 'red' },
      ]),
    ).toBe(1);
    expect(
      run(red, [
        { score: 35, level: 'red' },
        { score: 60, level: 'yellow' },
        { score: 38, level: 'red' },
      ]),
    ).toBe(2);
    const yellow = rule({ kind: 'risk_level', params: { level: 'yellow' } });
    expect(
      run(yellow, [
        { score: 80, level: 'green' },
        { score: 60, level: 'yellow' },
        { score: 30, level: 'red' },
      ]),
    ).toBe(1);
  });

  it('respects the cooldown and the MRR filter', () => {
    const spec = rule({ kind: 'payment_failed', cooldownMinutes: 60 });
    const recent: RuleState = { active: false, lastFiredAt: new Date(NOW.getTime() - 30 * 60_000) };
    expect(decide(spec, event('payment.failed', { chargeId: 'ch_2' }), facts(), recent, NOW).fire).toBe(false);
    const old: RuleState = { active: false, lastFiredAt: new Date(NOW.getTime() - 61 * 60_000) };
    expect(decide(spec, event('payment.failed', { chargeId: 'ch_2' }), facts(), old, NOW).fire).toBe(true);
    const big = rule({ kind: 'payment_failed', minMrr: 500 });
    expect(decide(big, event('payment.failed', { chargeId: 'ch_3' }), facts({ mrrMajor: 100 }), fresh, NOW).fire).toBe(false);
    expect(decide(big, event('payment.failed', { chargeId: 'ch_3' }), facts({ mrrMajor: 500 }), fresh, NOW).fire).toBe(true);
    // A state entered during the cooldown still counts as entered: no alert later while it lasts.
    const below = rule({ kind: 'score_below', params: { threshold: 40 }, cooldownMinutes: 60 });
    const during = decide(below, event('score.changed'), facts({ score: 30 }), recent, NOW);
    expect(during).toMatchObject({ fire: false, active: true });
  });

  it('names each situation after its subject, so reprocessing never doubles an alert', () => {
    const spec = rule({ kind: 'payment_failed' });
    const a = decide(spec, event('payment.failed', { chargeId: 'ch_9' }), facts(), fresh, NOW);
    const b = decide(spec, event('payment.failed', { chargeId: 'ch_9' }), facts(), fresh, NOW);
    expect(a.situation).toBe(b.situation);
  });
});

describe('trial rules', () => {
  const DAY = 86_400;
  const inDays = (d: number) => Math.floor(NOW.getTime() / 1000) + d * DAY;
  const trial = (days: number, hasPaymentMethod: boolean, over: Record<string, unknown> = {}) =>
    event('trial.ending', { subscriptionId: 'sub_1', trialEnd: inDays(days), hasPaymentMethod, planName: 'Pro', ...over });
  const decideTrial = (spec: RuleSpec, e: AlertEvent) => decide(spec, e, facts({ score: null, level: null }), fresh, NOW);
  const ending = rule({ kind: 'trial_ending', params: { days: 3 } });
  const noCard = rule({ kind: 'trial_card_missing', params: { days: 3 } });

  it.each<[string, RuleSpec, AlertEvent, boolean]>([
    ['ending in 2 days, card on file: "trial ending" fires', ending, trial(2, true), true],
    ['ending in 2 days, card on file: "card missing" stays quiet', noCard, trial(2, true), false],
    ['ending in 2 days, no card: both fire', noCard, trial(2, false), true],
    ['ending in 2 days, no card: "trial ending" too', ending, trial(2, false), true],
    ['ending in exactly 3 days: inside the window', ending, trial(3, true), true],
    ['ending in 10 days: outside a 3-day window', ending, trial(10, false), false],
    ['ending in 10 days: inside a 14-day window', rule({ kind: 'trial_ending', params: { days: 14 } }), trial(10, true), true],
    ['no window set: 3 days by default', rule({ kind: 'trial_card_missing', params: {} }), trial(3, false), true],
    ['no window set, 4 days left: quiet', rule({ kind: 'trial_card_missing', params: {} }), trial(4, false), false],
    ['already ended: quiet', ending, trial(-1, false), false],
    ['a malformed event: quiet', ending, trial(2, false, { trialEnd: 'soon' }), false],
    ['another event type: quiet', ending, event('score.changed'), false],
  ])('%s', (_, spec, e, fires) => {
    expect(decideTrial(spec, e).fire).toBe(fires);
  });

  it('fires once per trial: the situation is the subscription and its trial end, whatever day it is seen', () => {
    const a = decideTrial(noCard, trial(3, false));
    const b = decideTrial(noCard, { ...trial(2, false), payload: { ...trial(3, false).payload } });
    expect(a.situation).toBe(`trial_card_missing:sub_1:${inDays(3)}`);
    expect(b.situation).toBe(a.situation);
    // An extended trial is a new one.
    expect(decideTrial(noCard, trial(2, false)).situation).not.toBe(a.situation);
  });

  it('respects the MRR filter and the cooldown', () => {
    expect(
      decide(rule({ kind: 'trial_ending', params: { days: 3 }, minMrr: 500 }), trial(2, true), facts({ mrrMajor: 100 }), fresh, NOW).fire,
    ).toBe(false);
    const recent = { active: false, lastFiredAt: new Date(NOW.getTime() - 60_000) };
    expect(
      decide(rule({ kind: 'trial_ending', params: { days: 3 }, cooldownMinutes: 60 }), trial(2, true), facts(), recent, NOW).fire,
    ).toBe(false);
  });
});

import type { AlertKind } from '../db/schema.js';

/**
 * Whether an event makes a rule fire for a customer: a pure function of the rule, the event, the customer's
 * current facts, the rule's state for that customer and the time. State-based rules (score below, score drop,
 * risk level) alert when a customer enters the state and not again until it has clearly left it
 * (hysteresis); event-based rules (payment failed, subscription canceled) alert once per event. A cooldown
 * per rule and customer bounds how often anything fires.
 */

export const HYSTERESIS_POINTS = 5;

export interface RuleSpec {
  kind: AlertKind;
  params: { threshold?: number; points?: number; days?: number; level?: 'red' | 'yellow' };
  /** Only customers with at least this MRR (major units of their main currency). */
  minMrr: number | null;
  cooldownMinutes: number;
}

export interface AlertEvent {
  id: string;
  type: string;
  payload: Record<string, unknown>;
}

export interface CustomerFacts {
  id: string;
  score: number | null;
  level: 'green' | 'yellow' | 'red' | null;
  mrrMajor: number;
  /** The highest score within the rule's window (score-drop rules). */
  windowMax: number | null;
  thresholds: { green: number; yellow: number };
}

export interface RuleState {
  active: boolean;
  lastFiredAt: Date | null;
}

export interface Decision {
  fire: boolean;
  /** Identifies the situation: one alert per rule and situation, whatever reprocessing happens. */
  situation: string | null;
  /** The state to store (state-based rules). */
  active: boolean;
}

/** Which events each kind of rule listens to. */
export const TRIGGERS: Record<AlertKind, string[]> = {
  score_below: ['score.changed', 'risk_level.changed'],
  score_drop: ['score.changed', 'risk_level.changed'],
  risk_level: ['risk_level.changed', 'score.changed'],
  payment_failed: ['payment.failed'],
  subscription_canceled: ['subscription.canceled'],
  trial_ending: ['trial.ending'],
  trial_card_missing: ['trial.ending'],
};

/** Days before the end of a trial that a trial rule warns, unless it says otherwise. */
export const TRIAL_DEFAULT_DAYS = 3;
const DAY_MS = 86_400_000;

/** What the trial watch (`alerts.trials.ts`) puts in a `trial.ending` event. */
interface TrialFacts {
  subscriptionId: string;
  /** Unix seconds. */
  trialEnd: number;
  hasPaymentMethod: boolean;
}

function trialFacts(payload: Record<string, unknown>): TrialFacts | null {
  const { subscriptionId, trialEnd, hasPaymentMethod } = payload;
  if (typeof subscriptionId !== 'string' || typeof trialEnd !== 'number' || typeof hasPaymentMethod !== 'boolean') return null;
  return { subscriptionId, trialEnd, hasPaymentMethod };
}

const daysLeft = (trialEnd: number, now: Date) => Math.max(0, Math.ceil((trialEnd * 1000 - now.getTime()) / DAY_MS));

const RANK = { green: 0, yellow: 1, red: 2 } as const;

/** In the alerting state, clearly out of it, or in between (keep whatever it was). */
function position(rule: RuleSpec, facts: CustomerFacts): 'inside' | 'outside' | 'between' {
  const { score } = facts;
  if (score === null) return 'outside';
  switch (rule.kind) {
    case 'score_below': {
      const x = rule.params.threshold ?? 40;
      return score < x ? 'inside' : score >= x + HYSTERESIS_POINTS ? 'outside' : 'between';
    }
    case 'score_drop': {
      const n = rule.params.points ?? 20;
      const drop = (facts.windowMax ?? score) - score;
      return drop >= n ? 'inside' : drop < n / 2 ? 'outside' : 'between';
    }
    case 'risk_level': {
      const target = rule.params.level ?? 'red';
      if (facts.level && RANK[facts.level] >= RANK[target]) return 'inside';
      // Back out only with a margin above the level's upper threshold, so a score hovering on it stays quiet.
      const upper = target === 'red' ? facts.thresholds.yellow : facts.thresholds.green;
      return score >= upper + HYSTERESIS_POINTS ? 'outside' : 'between';
    }
    default:
      return 'outside';
  }
}

export function decide(rule: RuleSpec, event: AlertEvent, facts: CustomerFacts, state: RuleState, now: Date): Decision {
  const keep: Decision = { fire: false, situation: null, active: state.active };
  if (!TRIGGERS[rule.kind].includes(event.type)) return keep;
  const bigEnough = rule.minMrr === null || facts.mrrMajor >= rule.minMrr;
  const cooled = !state.lastFiredAt || now.getTime() - state.lastFiredAt.getTime() >= rule.cooldownMinutes * 60_000;

  if (rule.kind === 'payment_failed' || rule.kind === 'subscription_canceled') {
    const subject = String(event.payload.chargeId ?? event.payload.subscriptionId ?? event.id);
    const fire = bigEnough && cooled;
    return { fire, situation: fire ? `${rule.kind}:${subject}` : null, active: state.active };
  }

  if (rule.kind === 'trial_ending' || rule.kind === 'trial_card_missing') {
    // Once per trial (its end date: a trial that is extended is a new one) and rule, inside the rule's window.
    const trial = trialFacts(event.payload);
    if (!trial || trial.trialEnd * 1000 <= now.getTime()) return keep;
    if (daysLeft(trial.trialEnd, now) > (rule.params.days ?? TRIAL_DEFAULT_DAYS)) return keep;
    if (rule.kind === 'trial_card_missing' && trial.hasPaymentMethod) return keep;
    const fire = bigEnough && cooled;
    return { fire, situation: fire ? `${rule.kind}:${trial.subscriptionId}:${trial.trialEnd}` : null, active: state.active };
  }

  const where = position(rule, facts);
  if (where === 'outside') return { fire: false, situation: null, active: false };
  if (where === 'between' || state.active) return keep;
  // Entering the state: it counts as entered even when the cooldown or the MRR filter keeps it quiet, so that
  // it does not fire later while the customer is still in it.
  const fire = bigEnough && cooled;
  return { fire, situation: fire ? `${rule.kind}:${facts.id}:${event.id}` : null, active: true };
}

/** The alert's words, for every channel. */
export function describe(
  rule: RuleSpec,
  ruleName: string,
  customer: { name: string | null; email: string | null },
  facts: CustomerFacts,
  event: AlertEvent,
  now: Date = new Date(),
) {
  const who = customer.name ?? customer.email ?? 'A customer';
  const score = facts.score === null ? 'no score' : `score ${facts.score}`;
  switch (rule.kind) {
    case 'score_below':
      return {
        title: `${who}: health score fell below ${rule.params.threshold}`,
        body: `${who} now has ${score} (${facts.level ?? 'no level'}).`,
      };
    case 'score_drop':
      return {
        title: `${who}: score dropped ${(facts.windowMax ?? 0) - (facts.score ?? 0)} points`,
        body: `${who} went from ${facts.windowMax} to ${facts.score} within ${rule.params.days ?? 30} days.`,
      };
    case 'risk_level':
      return { title: `${who} is now ${facts.level === 'red' ? 'critical (red)' : 'at risk (yellow)'}`, body: `${who} has ${score}.` };
    case 'payment_failed': {
      const code = typeof event.payload.failureCode === 'string' ? event.payload.failureCode.replace(/_/g, ' ') : 'declined';
      const message = typeof event.payload.failureMessage === 'string' ? ` ${event.payload.failureMessage}` : '';
      return { title: `${who}: payment failed (${code})`, body: `A payment by ${who} failed.${message} Current ${score}.` };
    }
    case 'trial_ending':
    case 'trial_card_missing': {
      const trial = trialFacts(event.payload);
      const left = trial ? daysLeft(trial.trialEnd, now) : null;
      const when = left === null ? 'soon' : left <= 1 ? 'within a day' : `in ${left} days`;
      const plan = typeof event.payload.planName === 'string' ? ` of ${event.payload.planName}` : '';
      if (trial && !trial.hasPaymentMethod)
        return {
          title: `${who}: trial ends ${when}, no card on file`,
          body:
            `The trial${plan} by ${who} ends ${when} and no payment method is on file: unless one is added, Stripe ` +
            `cannot charge the first invoice (the subscription is canceled, paused or left unpaid, as its trial settings say).`,
        };
      return { title: `${who}: trial ends ${when}`, body: `The trial${plan} by ${who} ends ${when}; a card is on file.` };
    }
    case 'subscription_canceled':
      return {
        title: `${who} canceled ${typeof event.payload.planName === 'string' ? event.payload.planName : 'a subscription'}`,
        body: `${who} canceled a subscription. Current ${score}.`,
      };
  }
  return { title: `${ruleName}: ${who}`, body: `${who} matched the rule ${ruleName}.` };
}

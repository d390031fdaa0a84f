import { isZeroDecimal, toMajor } from '../revenue/mrr.js';
import type { z } from 'zod';
import type { createCustomersRepo } from './customers.repo.js';
import type { timelineResponse } from './customers.schemas.js';

type TimelineType = z.infer<typeof timelineResponse>['events'][number]['type'];
type Repo = ReturnType<typeof createCustomersRepo>;

/** What a customer's timeline is told from, as the repository reads it. */
export interface TimelineSources {
  subs: Awaited<ReturnType<Repo['subscriptions']>>;
  payments: Awaited<ReturnType<Repo['payments']>>;
  disputes: Awaited<ReturnType<Repo['disputes']>>;
  mrr: Awaited<ReturnType<Repo['mrrHistory']>>;
  scores: Awaited<ReturnType<Repo['scoreHistory']>>;
}

/** Payments, disputes, subscription changes, MRR movements and score changes, in words, newest first (500 at most). */
export function buildTimeline({ subs, payments, disputes, mrr, scores }: TimelineSources) {
  type Event = { at: Date; type: TimelineType; title: string; detail: Record<string, unknown> };
  const events: Event[] = [];
  const money = (cents: number, currency: string) =>
    `${toMajor(cents, currency).toFixed(isZeroDecimal(currency) ? 0 : 2)} ${currency.toUpperCase()}`;
  const outcome: Record<(typeof payments)[number]['status'], string> = {
    succeeded: 'succeeded',
    failed: 'failed',
    pending: 'pending',
    refunded: 'was refunded',
    uncaptured: 'was authorized but not captured',
  };
  for (const p of payments) {
    const code = p.status === 'failed' && p.failure_code ? ` (${p.failure_code.replace(/_/g, ' ')})` : '';
    const partly = p.status === 'succeeded' && Number(p.amount_refunded_cents) > 0;
    events.push({
      at: p.paid_at,
      type: `payment.${p.status}` as const,
      title: `Payment of ${money(p.amount_cents, p.currency)} ${outcome[p.status]}${code}${partly ? `; ${money(Number(p.amount_refunded_cents), p.currency)} refunded` : ''}`,
      detail: { id: p.stripe_payment_id, failureCode: p.failure_code, failureMessage: p.failure_message },
    });
  }
  for (const d of disputes) {
    events.push({
      at: d.opened_at,
      type: 'payment.disputed',
      title: `Payment of ${money(Number(d.amount_cents), d.currency)} disputed${d.reason ? ` (${d.reason.replace(/_/g, ' ')})` : ''}: ${d.status.replace(/_/g, ' ')}`,
      detail: { id: d.stripe_dispute_id, chargeId: d.stripe_charge_id, status: d.status, reason: d.reason },
    });
  }
  for (const s of subs) {
    const plan = s.plan_name ?? s.stripe_subscription_id;
    if (s.started_at)
      events.push({
        at: s.started_at,
        type: 'subscription.started',
        title: `Subscribed to ${plan}`,
        detail: { id: s.stripe_subscription_id },
      });
    if (s.canceled_at) {
      events.push(
        s.cancel_at_period_end && s.status !== 'canceled'
          ? {
              at: s.canceled_at,
              type: 'subscription.cancel_scheduled',
              title: `Cancellation of ${plan} scheduled for the period end`,
              detail: { id: s.stripe_subscription_id },
            }
          : { at: s.canceled_at, type: 'subscription.canceled', title: `Canceled ${plan}`, detail: { id: s.stripe_subscription_id } },
      );
    }
    if (s.trial_end && s.status === 'trialing')
      events.push({ at: s.trial_end, type: 'trial.ends', title: `Trial of ${plan} ends`, detail: { id: s.stripe_subscription_id } });
  }
  for (const m of mrr) {
    const delta = Number(m.delta);
    events.push({
      at: m.valid_from,
      type: 'mrr.changed',
      title: `MRR ${m.movement}: ${delta >= 0 ? '+' : '−'}${money(Math.abs(delta), m.currency)} → ${money(Number(m.mrr), m.currency)}`,
      detail: { movement: m.movement, mrr: Number(m.mrr), delta, currency: m.currency },
    });
  }
  for (const h of scores) {
    const detail = {
      score: h.score,
      previousScore: h.previous_score,
      level: h.risk_level,
      previousLevel: h.previous_level,
      changed: h.changed,
    };
    // A change worked out afterwards from the billing history is not one anybody saw happen: it says so.
    const note = h.reason === 'reconstructed' ? ' (reconstructed from billing history)' : '';
    if (h.risk_level !== h.previous_level) {
      events.push({
        at: h.computed_at,
        type: 'risk_level.changed',
        title: `Risk level ${h.previous_level ?? 'none'} → ${h.risk_level ?? 'none'}${note}`,
        detail,
      });
    }
    // Kept for its factors or its level, the same score is no score change.
    if (h.score === h.previous_score) continue;
    events.push({
      at: h.computed_at,
      type: 'score.changed',
      title: `Score ${h.previous_score ?? 'N/A'} → ${h.score ?? 'N/A'}${note}`,
      detail,
    });
  }
  events.sort((a, b) => b.at.getTime() - a.at.getTime());
  return { events: events.slice(0, 500).map((e) => ({ ...e, at: e.at.toISOString() })) };
}

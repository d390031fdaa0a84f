import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { notFound } from '../core/errors.js';
import type { OrgContext } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { type Discount, isZeroDecimal, type Item, subscriptionMrr, toMajor } from '../revenue/mrr.js';
import type { ScoringConfig } from '../scoring/scoring.config.js';
import { storedLifecycle } from '../scoring/lifecycle.js';
import { explainScore } from '../scoring/scoring.engine.js';
import { createScoringRepo } from '../scoring/scoring.repo.js';
import type { ScoringService } from '../scoring/scoring.service.js';
import { createCustomersRepo } from './customers.repo.js';
import type { CustomerFilter, CustomerListQuery, timelineResponse } from './customers.schemas.js';
import type { z } from 'zod';

type TimelineType = z.infer<typeof timelineResponse>['events'][number]['type'];

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function summary(
  r: {
    id: string;
    external_id: string;
    name: string | null;
    email: string | null;
    score: number | null;
    risk_level: 'green' | 'yellow' | 'red' | null;
    score_factors: unknown;
    mrr: string;
    mrr_currency: string | null;
    mrr_major: string;
    mrr_by_currency: Record<string, number>;
    last_payment_at: Date | null;
    first_seen_at: Date;
    scored_at: Date | null;
    lifecycle_state: string | null;
    lifecycle_churn: string | null;
    lifecycle_at: Date | null;
  },
  config: ScoringConfig,
  now: number,
) {
  const lifecycle = storedLifecycle(r);
  // Why a customer has no score, in the words of its last computation.
  const reason = () =>
    explainScore(r.score_factors, config, now, lifecycle)?.explanation ??
    'Not scored yet: the first score is computed right after the sync.';
  return {
    id: r.id,
    externalId: r.external_id,
    name: r.name,
    email: r.email,
    score: r.score,
    riskLevel: r.risk_level,
    scoreReason: r.score === null ? reason() : null,
    mrr: { amount: Number(r.mrr), currency: r.mrr_currency, display: Number(r.mrr_major), byCurrency: r.mrr_by_currency },
    lastPaymentAt: iso(r.last_payment_at),
    firstSeenAt: r.first_seen_at.toISOString(),
    scoredAt: iso(r.scored_at),
  };
}

const CSV_COLUMNS = ['id', 'stripe_id', 'name', 'email', 'risk_level', 'score', 'mrr', 'currency', 'last_payment_at', 'customer_since'];

/** Quotes a CSV cell, and defuses values a spreadsheet would run as a formula. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function createCustomersService(deps: { db: Kysely<Database>; scoring: Pick<ScoringService, 'rescoreCustomer'> }) {
  const repo = createCustomersRepo(deps.db);
  const scoring = createScoringRepo(deps.db);

  async function load(ctx: OrgContext, id: string) {
    // Ids are UUIDs; anything else cannot exist (and must not reach the database as a cast error).
    const row = UUID.test(id) ? await repo.find(ctx.orgId, id) : undefined;
    if (!row) throw notFound('Customer');
    return row;
  }

  return {
    async list(ctx: OrgContext, query: CustomerListQuery) {
      const [{ rows, total }, config] = await Promise.all([
        repo.list(ctx.orgId, query, query.pageSize, (query.page - 1) * query.pageSize),
        scoring.config(ctx.orgId),
      ]);
      const now = Date.now() / 1000;
      return {
        customers: rows.map((r) => summary(r, config, now)),
        total,
        page: query.page,
        pageSize: query.pageSize,
        pages: Math.max(1, Math.ceil(total / query.pageSize)),
      };
    },

    async detail(ctx: OrgContext, id: string) {
      const [row, config] = await Promise.all([load(ctx, id), scoring.config(ctx.orgId)]);
      const [subs, payments, history] = await Promise.all([
        repo.subscriptions(ctx.orgId, row.external_id),
        repo.payments(ctx.orgId, row.external_id, 50),
        repo.mrrHistory(ctx.orgId, row.id),
      ]);
      const now = Date.now() / 1000;
      const explained = explainScore(row.score_factors, config, now, storedLifecycle(row));
      return {
        customer: {
          ...summary(row, config, now),
          currency: row.currency,
          metadata: row.metadata,
          deletedAt: iso(row.deleted_at),
        },
        score: {
          score: row.score,
          level: row.risk_level,
          explanation: explained?.explanation ?? null,
          factors: explained?.factors ?? [],
          absent: (explained?.absent ?? []).map((a) => ({ name: a.name, reason: a.reason })),
          scoredAt: iso(row.scored_at),
          stale: row.score_dirty_at !== null,
        },
        subscriptions: subs.map((s) => ({
          id: s.stripe_subscription_id,
          status: s.status,
          planName: s.plan_name,
          amountCents: s.amount_cents,
          currency: s.currency,
          interval: s.interval,
          intervalCount: s.interval_count,
          mrr: subscriptionMrr(
            { status: s.status, currency: s.currency, items: s.items as Item[], discounts: s.discounts as Discount[] },
            now,
          ),
          currentPeriodEnd: iso(s.current_period_end),
          cancelAtPeriodEnd: s.cancel_at_period_end,
          canceledAt: iso(s.canceled_at),
          trialEnd: iso(s.trial_end),
          startedAt: iso(s.started_at),
        })),
        payments: payments.map((p) => ({
          id: p.stripe_payment_id,
          amountCents: p.amount_cents,
          currency: p.currency,
          status: p.status,
          failureCode: p.failure_code,
          failureMessage: p.failure_message,
          paidAt: p.paid_at.toISOString(),
          amountRefundedCents: Number(p.amount_refunded_cents),
          disputed: p.disputed,
        })),
        mrrHistory: history.map((h) => ({
          currency: h.currency,
          from: h.valid_from.toISOString(),
          to: iso(h.valid_to),
          mrr: Number(h.mrr),
          movement: h.movement,
          delta: Number(h.delta),
        })),
      };
    },

    async scoreHistory(ctx: OrgContext, id: string) {
      const row = await load(ctx, id);
      const rows = await repo.scoreHistory(ctx.orgId, row.id);
      return {
        history: rows.reverse().map((h) => ({
          at: h.computed_at.toISOString(),
          score: h.score,
          level: h.risk_level as 'green' | 'yellow' | 'red' | null,
          previousScore: h.previous_score,
          previousLevel: h.previous_level as 'green' | 'yellow' | 'red' | null,
          factors: h.factors,
          changed: h.changed,
          reason: h.reason,
        })),
      };
    },

    /** Payments, subscription changes, MRR movements and score changes, newest first. */
    async timeline(ctx: OrgContext, id: string) {
      const row = await load(ctx, id);
      const [subs, payments, disputes, mrr, scores] = await Promise.all([
        repo.subscriptions(ctx.orgId, row.external_id),
        repo.payments(ctx.orgId, row.external_id, 200),
        repo.disputes(ctx.orgId, row.external_id, 50),
        repo.mrrHistory(ctx.orgId, row.id),
        repo.scoreHistory(ctx.orgId, row.id, 200),
      ]);
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
        if (h.risk_level !== h.previous_level) {
          events.push({
            at: h.computed_at,
            type: 'risk_level.changed',
            title: `Risk level ${h.previous_level ?? 'none'} → ${h.risk_level ?? 'none'}`,
            detail,
          });
        }
        events.push({
          at: h.computed_at,
          type: 'score.changed',
          title: `Score ${h.previous_score ?? 'N/A'} → ${h.score ?? 'N/A'}`,
          detail,
        });
      }
      events.sort((a, b) => b.at.getTime() - a.at.getTime());
      return { events: events.slice(0, 500).map((e) => ({ ...e, at: e.at.toISOString() })) };
    },

    /** The filtered list as CSV, produced chunk by chunk. */
    exportCsv(ctx: OrgContext, filter: CustomerFilter): Readable {
      async function* lines() {
        yield `${CSV_COLUMNS.join(',')}\r\n`;
        for await (const rows of repo.each(ctx.orgId, filter)) {
          let out = '';
          for (const r of rows) {
            const currency = r.mrr_currency ?? '';
            out += `${[
              r.id,
              r.external_id,
              r.name,
              r.email,
              r.risk_level ?? 'none',
              r.score,
              currency ? toMajor(Number(r.mrr), currency).toFixed(isZeroDecimal(currency) ? 0 : 2) : '0',
              currency.toUpperCase(),
              iso(r.last_payment_at),
              r.first_seen_at.toISOString(),
            ]
              .map(csvCell)
              .join(',')}\r\n`;
          }
          yield out;
        }
      }
      return Readable.from(lines());
    },

    async recalculate(ctx: OrgContext, id: string) {
      const row = await load(ctx, id);
      await deps.scoring.rescoreCustomer(ctx.orgId, row.id, 'manual');
      return this.detail(ctx, id);
    },
  };
}

export type CustomersService = ReturnType<typeof createCustomersService>;

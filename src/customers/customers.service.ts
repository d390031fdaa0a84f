import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { notFound } from '../core/errors.js';
import type { OrgContext } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { type Discount, type Item, subscriptionMrr } from '../revenue/mrr.js';
import type { ScoringConfig } from '../scoring/scoring.config.js';
import { classifyFailure } from '../revenue/payment-failures.js';
import { describeBilling, describeItem } from '../revenue/billing-text.js';
import { describeLifecycle, storedLifecycle } from '../scoring/lifecycle.js';
import { explainScore } from '../scoring/scoring.engine.js';
import { createScoringRepo } from '../scoring/scoring.repo.js';
import type { ScoringService } from '../scoring/scoring.service.js';
import { type CurrencyContext, createCurrencyReader, customerMrr } from '../currencies/currencies.service.js';
import { convertedMrrSql } from '../currencies/currencies.repo.js';
import { createCustomersRepo } from './customers.repo.js';
import { csvLines } from './customers.export.js';
import { buildTimeline } from './customers.timeline.js';
import type { CustomerFilter, CustomerListQuery } from './customers.schemas.js';

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
  money: CurrencyContext,
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
    state: {
      value: lifecycle?.state ?? null,
      churn: lifecycle?.churn ?? null,
      at: lifecycle?.at ? new Date(lifecycle.at * 1000).toISOString() : null,
      label: lifecycle ? describeLifecycle(lifecycle, now) : 'Not scored yet',
    },
    mrr: {
      amount: Number(r.mrr),
      currency: r.mrr_currency,
      display: Number(r.mrr_major),
      byCurrency: r.mrr_by_currency,
      inReporting: customerMrr(money, r.mrr_by_currency),
    },
    lastPaymentAt: iso(r.last_payment_at),
    firstSeenAt: r.first_seen_at.toISOString(),
    scoredAt: iso(r.scored_at),
  };
}

export function createCustomersService(deps: { db: Kysely<Database>; scoring: Pick<ScoringService, 'rescoreCustomer'> }) {
  const repo = createCustomersRepo(deps.db);
  const scoring = createScoringRepo(deps.db);
  const currencies = createCurrencyReader(deps.db);

  /** MRR sorts by the reporting currency: converted with today's rates, those without a rate after the others. */
  const mrrKey = (money: CurrencyContext) => (money.reporting.currency ? convertedMrrSql(money.reporting.currency, money.factors()) : null);

  /**
   * The converted MRR an order needs, or null: the MRR order always uses it; the attention order (by MRR within a
   * rank) only when some MRR is in another currency — otherwise raw amounts compare alike and its index gives the
   * order. No other order compares amounts.
   */
  async function sortKey(orgId: string, sort: CustomerFilter['sort'], money: Promise<CurrencyContext>) {
    if (sort === 'mrr') return mrrKey(await money);
    if (sort === 'attention' && (await currencies.mixesCurrencies(orgId, await money))) return mrrKey(await money);
    return null;
  }

  async function load(ctx: OrgContext, id: string) {
    // Ids are UUIDs; anything else cannot exist (and must not reach the database as a cast error).
    const row = UUID.test(id) ? await repo.find(ctx.orgId, id) : undefined;
    if (!row) throw notFound('Customer');
    return row;
  }

  return {
    async list(ctx: OrgContext, query: CustomerListQuery) {
      // The orders by MRR need the rates first; any other order reads them alongside.
      const pending = currencies.context(ctx.orgId);
      const key = await sortKey(ctx.orgId, query.sort, pending);
      const [{ rows, total }, config, money] = await Promise.all([
        repo.list(ctx.orgId, query, query.pageSize, (query.page - 1) * query.pageSize, key),
        scoring.config(ctx.orgId),
        pending,
      ]);
      const now = Date.now() / 1000;
      return {
        reportingCurrency: money.reporting,
        customers: rows.map((r) => summary(r, config, now, money)),
        total,
        page: query.page,
        pageSize: query.pageSize,
        pages: Math.max(1, Math.ceil(total / query.pageSize)),
      };
    },

    async detail(ctx: OrgContext, id: string) {
      const [row, config, money] = await Promise.all([load(ctx, id), scoring.config(ctx.orgId), currencies.context(ctx.orgId)]);
      const [subs, payments, history, nextRetry] = await Promise.all([
        repo.subscriptions(ctx.orgId, row.external_id),
        repo.payments(ctx.orgId, row.external_id, 50),
        repo.mrrHistory(ctx.orgId, row.id),
        repo.nextRetry(ctx.orgId, row.external_id),
      ]);
      const now = Date.now() / 1000;
      // A failure a later payment made good needs nothing more; the latest ones are told what happens next.
      const lastSuccess = Math.max(0, ...payments.filter((p) => p.status === 'succeeded').map((p) => p.paid_at.getTime()));
      const failure = (p: (typeof payments)[number]) => {
        if (p.status !== 'failed' && !p.disputed) return null;
        const advice = classifyFailure({
          code: p.failure_code,
          declineCode: p.decline_code,
          adviceCode: p.advice_code,
          nextRetryAt: nextRetry ? nextRetry.getTime() / 1000 : null,
          disputed: p.disputed,
        });
        if (!p.disputed && p.paid_at.getTime() < lastSuccess) {
          return { class: advice.class, nextRetryAt: null, advice: 'Made good since: a later payment succeeded.' };
        }
        return { ...advice, nextRetryAt: advice.nextRetryAt ? new Date(advice.nextRetryAt * 1000).toISOString() : null };
      };
      const explained = explainScore(row.score_factors, config, now, storedLifecycle(row));
      return {
        customer: {
          ...summary(row, config, now, money),
          // Stripe's customer.currency is often null: the currency it is billed in says the same.
          currency: row.currency ?? row.mrr_currency ?? subs[0]?.currency ?? payments[0]?.currency ?? null,
          metadata: row.metadata,
          // The customer's default, or a live subscription's own (which Stripe charges first).
          hasPaymentMethod:
            subs.some((s) => s.has_payment_method && s.status !== 'canceled') || row.has_payment_method === true
              ? true
              : (row.has_payment_method ?? null),
          deletedAt: iso(row.deleted_at),
        },
        score: {
          score: row.score,
          level: row.risk_level,
          explanation: explained?.explanation ?? null,
          factors: explained?.factors ?? [],
          absent: (explained?.absent ?? []).map((a) => ({ name: a.name, reason: a.reason })),
          coverage: explained?.coverage ?? null,
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
          currentPeriodStart: iso(s.current_period_start),
          billing: describeBilling(s.items as Item[], s.currency),
          items: (s.items as (Item & { product_name?: string | null })[]).map((i) => ({
            description: describeItem(i),
            quantity: i.quantity,
            unitAmount: i.unit_amount ?? (i.unit_amount_decimal !== null ? Number(i.unit_amount_decimal) : null),
          })),
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
          failure: failure(p),
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

    /** Changes whenever anything on the customer's page does: what an open page polls before reloading. */
    async version(ctx: OrgContext, id: string) {
      const version = UUID.test(id) ? await repo.version(ctx.orgId, id) : null;
      if (version === null) throw notFound('Customer');
      return { version };
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
      return buildTimeline({ subs, payments, disputes, mrr, scores });
    },

    /** The filtered list as CSV, produced chunk by chunk. */
    exportCsv(ctx: OrgContext, filter: CustomerFilter): Readable {
      const rows = async function* () {
        const key = await sortKey(ctx.orgId, filter.sort, currencies.context(ctx.orgId));
        yield* repo.each(ctx.orgId, filter, 2000, key);
      };
      return Readable.from(csvLines(rows()));
    },

    async recalculate(ctx: OrgContext, id: string) {
      const row = await load(ctx, id);
      await deps.scoring.rescoreCustomer(ctx.orgId, row.id, 'manual');
      return this.detail(ctx, id);
    },
  };
}

export type CustomersService = ReturnType<typeof createCustomersService>;

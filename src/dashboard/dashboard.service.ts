import type { Kysely } from 'kysely';
import type { OrgContext } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { toMajor } from '../revenue/mrr.js';
import { explainScore } from '../scoring/scoring.engine.js';
import { createScoringRepo } from '../scoring/scoring.repo.js';
import { convertedMrrSql } from '../currencies/currencies.repo.js';
import { type CurrencyContext, createCurrencyReader, presentConversion } from '../currencies/currencies.service.js';
import { splitChurn } from '../revenue/churn.js';
import { dayOf } from '../revenue/exchange-rates.js';
import { createDashboardRepo, type RiskCounts, type ScoreState } from './dashboard.repo.js';

const DAY = 86_400_000;
const round1 = (n: number) => Math.round(n * 10) / 10;
const diff = (now: number | null, then: number | null | undefined) =>
  now === null || then === null || then === undefined ? null : round1(now - then);
const riskDiff = (now: RiskCounts, then: ScoreState | null): RiskCounts | null =>
  then
    ? {
        green: now.green - then.risk.green,
        yellow: now.yellow - then.risk.yellow,
        red: now.red - then.risk.red,
        none: now.none - then.risk.none,
        churned: now.churned - then.risk.churned,
      }
    : null;
const monthStart = (d: Date, back: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1));
const CHURN_WINDOWS = [30, 90];
const perCurrency = (byCurrency: Record<string, number>) =>
  Object.entries(byCurrency)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, amount]) => ({ currency, amount, display: toMajor(amount, currency) }));

export function createDashboardService(deps: { db: Kysely<Database>; now?: () => number }) {
  const repo = createDashboardRepo(deps.db);
  const scoring = createScoringRepo(deps.db);
  const currencies = createCurrencyReader(deps.db);
  const clock = deps.now ?? Date.now;

  /**
   * Today's MRR in the reporting currency: its own MRR plus other currencies converted with today's rates, each
   * beside its own amount; those without a rate left out, with the customers paying in them. The changes are at
   * today's rates too (constant currency), so that a rate never shows up as growth.
   */
  async function headline(
    orgId: string,
    money: CurrencyContext,
    now: Record<string, number>,
    m7: Record<string, number>,
    m30: Record<string, number>,
  ) {
    const conversion = money.convert(now);
    if (!conversion) return null;
    const { total, customers } = await currencies.repo.payingIn(
      orgId,
      conversion.leftOut.map((p) => p.currency),
      10,
    );
    const reasons = new Map(conversion.leftOut.map((p) => [p.currency, p.reason!]));
    return {
      ...presentConversion(conversion),
      change7d: conversion.amount - money.convert(m7)!.amount,
      change30d: conversion.amount - money.convert(m30)!.amount,
      leftOutCustomers: {
        total,
        customers: customers.map((c) => ({ ...c, display: toMajor(c.amount, c.currency), reason: reasons.get(c.currency)! })),
      },
    };
  }

  /** Churned customers and MRR lost over 30 and 90 days, voluntary and involuntary, per currency and in the reporting one. */
  async function churn(orgId: string, money: CurrencyContext, now: Date) {
    const events = await repo.churnEvents(orgId, new Date(now.getTime() - Math.max(...CHURN_WINDOWS) * DAY), now);
    const bucket = (b: { customers: number; mrr: Record<string, number> }) => {
      const converted = money.convert(b.mrr);
      return { customers: b.customers, mrr: perCurrency(b.mrr), inReporting: converted ? presentConversion(converted) : null };
    };
    return {
      currency: money.reporting.currency,
      windows: splitChurn(events, now.getTime() / 1000, CHURN_WINDOWS).map((w) => ({
        days: w.days,
        voluntary: bucket(w.voluntary),
        involuntary: bucket(w.involuntary),
      })),
    };
  }

  return {
    async summary(ctx: OrgContext) {
      const now = new Date(clock());
      const d7 = new Date(now.getTime() - 7 * DAY);
      const d30 = new Date(now.getTime() - 30 * DAY);
      const { orgId } = ctx;
      const pendingMoney = currencies.context(orgId, now.getTime());
      const [scores, s7, s30, c7, c30, mrrNow, m7, m30, mostAtRisk, drops, config, money] = await Promise.all([
        repo.currentScores(orgId),
        repo.scoresAt(orgId, d7),
        repo.scoresAt(orgId, d30),
        repo.customerCount(orgId, d7),
        repo.customerCount(orgId, d30),
        repo.mrrAt(orgId, now),
        repo.mrrAt(orgId, d7),
        repo.mrrAt(orgId, d30),
        // Equal scores are ordered by revenue: converted to the reporting currency when amounts are in several.
        pendingMoney.then(async (m) =>
          repo.mostAtRisk(
            orgId,
            10,
            (await currencies.mixesCurrencies(orgId, m)) ? convertedMrrSql(m.reporting.currency!, m.factors()) : null,
          ),
        ),
        repo.biggestDrops(orgId, d30, 10),
        scoring.config(orgId),
        pendingMoney,
      ]);
      const reporting = money.reporting.currency;
      const [mrrHeadline, churnSplit] = await Promise.all([headline(orgId, money, mrrNow, m7, m30), churn(orgId, money, now)]);
      const atRisk = scores.risk.yellow + scores.risk.red;
      const atRiskThen = (s: ScoreState | null) => (s ? s.risk.yellow + s.risk.red : null);
      // The reporting currency first (the one the dashboard headlines), then the others by code: amounts in
      // different currencies are not compared.
      const billed = [...new Set([...Object.keys(mrrNow), ...Object.keys(m7), ...Object.keys(m30)])].sort(
        (a, b) => Number(b === reporting) - Number(a === reporting) || a.localeCompare(b),
      );
      return {
        asOf: now.toISOString(),
        customers: { value: scores.customers, change7d: scores.customers - c7, change30d: scores.customers - c30 },
        reportingCurrency: money.reporting,
        headline: mrrHeadline,
        churn: churnSplit,
        mrr: billed.map((currency) => {
          const value = mrrNow[currency] ?? 0;
          return {
            currency,
            value,
            display: toMajor(value, currency),
            change7d: value - (m7[currency] ?? 0),
            change30d: value - (m30[currency] ?? 0),
          };
        }),
        averageScore: {
          value: scores.averageScore === null ? null : round1(scores.averageScore),
          change7d: diff(scores.averageScore, s7?.averageScore),
          change30d: diff(scores.averageScore, s30?.averageScore),
        },
        atRisk: { value: atRisk, change7d: diff(atRisk, atRiskThen(s7)), change30d: diff(atRisk, atRiskThen(s30)) },
        risk: { current: scores.risk, change7d: riskDiff(scores.risk, s7), change30d: riskDiff(scores.risk, s30) },
        mostAtRisk: mostAtRisk.map((c) => ({
          id: c.id,
          name: c.name,
          email: c.email,
          score: c.score,
          riskLevel: c.risk_level,
          mrr: Number(c.mrr),
          currency: c.mrr_currency,
          explanation: explainScore(c.score_factors, config, now.getTime() / 1000)?.explanation ?? null,
        })),
        biggestDrops: drops.map((d) => ({
          id: d.id,
          name: d.name,
          email: d.email,
          score: d.score,
          riskLevel: d.risk_level as 'green' | 'yellow' | 'red',
          before: d.before,
          drop: d.drop,
        })),
      };
    },

    async scoreDistribution(ctx: OrgContext) {
      const [buckets, scores, config] = await Promise.all([
        repo.histogram(ctx.orgId),
        repo.currentScores(ctx.orgId),
        scoring.config(ctx.orgId),
      ]);
      return {
        buckets: buckets.map((count, i) => ({ from: i * 10, to: i === 9 ? 100 : i * 10 + 9, count })),
        risk: scores.risk,
        thresholds: config.thresholds,
      };
    },

    /** MRR at the start of each of the last `months` months and now, per currency, with the movements of each month. */
    async mrrTrend(ctx: OrgContext, months: number) {
      const now = new Date(clock());
      const moments = [...Array.from({ length: months }, (_, i) => monthStart(now, months - 1 - i)), now];
      const [series, moves, money] = await Promise.all([
        repo.mrrSeries(ctx.orgId, moments),
        repo.movements(ctx.orgId, monthStart(now, months - 1)),
        currencies.context(ctx.orgId, now.getTime()),
      ]);
      const points = moments.map((at) => {
        const byCurrency = Object.fromEntries(series.filter((s) => s.at.getTime() === at.getTime()).map((s) => [s.currency, s.mrr]));
        // Each moment at the rates in force on its own day: a rate is used from its date on, never before.
        const converted = money.convert(byCurrency, dayOf(at.getTime()));
        return {
          at: at.toISOString(),
          month: at.toISOString().slice(0, 7),
          byCurrency,
          inReporting: converted && {
            amount: converted.amount,
            display: converted.display,
            complete: converted.complete,
            leftOut: converted.leftOut.map((p) => ({ currency: p.currency, amount: p.amount, reason: p.reason! })),
          },
        };
      });
      const byKey = new Map<
        string,
        { month: string; currency: string; new: number; expansion: number; contraction: number; churn: number; reactivation: number }
      >();
      for (const m of moves) {
        const month = m.month.toISOString().slice(0, 7);
        const key = `${month}:${m.currency}`;
        const entry = byKey.get(key) ?? { month, currency: m.currency, new: 0, expansion: 0, contraction: 0, churn: 0, reactivation: 0 };
        entry[m.movement as 'new'] += m.total;
        byKey.set(key, entry);
      }
      return { reportingCurrency: money.reporting.currency, points, movements: [...byKey.values()] };
    },
  };
}

export type DashboardService = ReturnType<typeof createDashboardService>;

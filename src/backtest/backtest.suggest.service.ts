import type { Kysely } from 'kysely';
import type { OrgContext } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { createScoringRepo } from '../scoring/scoring.repo.js';
import { createBacktestRepo, type ReferencePoint, runStatus } from './backtest.repo.js';
import { chooseSplit, type SuggestCustomer, type SuggestPoint, suggestConfig } from './backtest.suggest.js';

const DAY = 86_400;
const iso = (at: number) => new Date(at * 1000).toISOString();

/**
 * Suggested weights and thresholds (GET /scoring/backtest/suggestion). Reads only: the reconstructed history, the
 * churns and the saved configuration. Any member may read it; applying it is the ordinary configuration save.
 */
export function createBacktestSuggestionService(deps: { db: Kysely<Database> }) {
  const repo = createBacktestRepo(deps.db);
  const scoring = createScoringRepo(deps.db);

  /** Reference points grouped per customer, oldest first, each stored point once. */
  function group(into: Map<string, SuggestPoint[]>, refs: readonly ReferencePoint[]) {
    for (const r of refs) {
      const list = into.get(r.customerId) ?? [];
      if (!list.some((p) => p.at === r.at)) list.push({ at: r.at, lifecycle: r.lifecycle, factors: r.factors });
      into.set(r.customerId, list);
    }
    for (const list of into.values()) list.sort((a, b) => a.at - b.at);
  }

  return {
    async suggestion(ctx: OrgContext, horizon: number) {
      const orgId = ctx.orgId;
      const [run, current, churns] = await Promise.all([repo.run(orgId), scoring.config(orgId), repo.churns(orgId)]);
      const head = {
        status: runStatus(run),
        historyStart: run?.historyStart ? iso(run.historyStart) : null,
        historyEnd: run?.historyEnd ? iso(run.historyEnd) : null,
        horizon,
      };
      if (!run || run.historyEnd === null || run.historyStart === null) return { ...head, suggestion: null };
      const end = run.historyEnd;
      const h = horizon * DAY;
      const churnOf = new Map(churns.map((c) => [c.customerId, c.churn]));
      // First the churners' points h days before their churn: they decide where the history is split.
      const points = new Map<string, SuggestPoint[]>();
      group(points, await repo.referencePoints(orgId, [], [h]));
      const churners = (): SuggestCustomer[] => [...churnOf].map(([id, churn]) => ({ id, churn, points: points.get(id) ?? [] }));
      const split = chooseSplit(churners(), end, horizon);
      let customers = churners();
      if (split.ok) {
        // Then everyone's point at the two moments customers who stayed are judged at (S − h and end − h).
        const [ids, refs] = await Promise.all([repo.allCustomerIds(orgId), repo.referencePoints(orgId, [split.at - h, end - h], [])]);
        group(points, refs);
        customers = [...new Set([...ids, ...churnOf.keys()])].map((id) => ({
          id,
          churn: churnOf.get(id) ?? null,
          points: points.get(id) ?? [],
        }));
      }
      const s = suggestConfig({ customers, end, horizon, current });
      const period = (p: { churnsFrom: number; churnsTo: number; stayersAt: number }) => ({
        churnsFrom: iso(p.churnsFrom),
        churnsTo: iso(p.churnsTo),
        stayersAt: iso(p.stayersAt),
      });
      return {
        ...head,
        suggestion: {
          status: s.status,
          objective: s.objective,
          churns: s.churns,
          split: s.split ? { at: iso(s.split.at), fit: period(s.split.fit), report: period(s.split.report) } : null,
          current: s.current,
          suggested: s.suggested,
          fitted: s.fitted,
          fit: s.fit,
          report: s.report,
          shares: s.shares,
          reason: s.reason,
          verdict: s.verdict,
        },
      };
    },
  };
}

export type BacktestSuggestionService = ReturnType<typeof createBacktestSuggestionService>;

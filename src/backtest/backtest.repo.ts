import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CustomerHistory, HistoryInvoice } from '../scoring/reconstruct.js';
import type { StoredPoint } from './backtest.history.js';
import type { Churn, Level } from './backtest.metrics.js';

/** The SQL of the reconstruction and the backtest; every statement filtered by `org_id`. */

const epoch = (column: string) => sql.raw(`extract(epoch from ${column})::float8`);
const json = (v: unknown) => JSON.stringify(v);
/** Reconstructed points per insert statement. */
const INSERT_BATCH = 2_500;

export interface ReferencePoint {
  customerId: string;
  at: number;
  score: number | null;
  level: Level | null;
  lifecycle: string;
  factors: Record<string, number>;
}

export interface RunRow {
  status: 'running' | 'done' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  historyStart: number | null;
  historyEnd: number | null;
  customers: number;
  points: number;
  error: string | null;
}

/** Where the reconstructed history stands, as the API says it. */
export function runStatus(run: RunRow | null): 'not_built' | 'building' | 'ready' | 'failed' {
  if (!run) return 'not_built';
  return run.status === 'done' ? 'ready' : run.status === 'running' ? 'building' : 'failed';
}

export function createBacktestRepo(db: Kysely<Database>) {
  return {
    async customerIds(orgId: string, after: string | null, limit: number): Promise<string[]> {
      let q = db
        .selectFrom('customers')
        .select('id')
        .where('org_id', '=', orgId)
        .where('deleted_at', 'is', null)
        .orderBy('id')
        .limit(limit);
      if (after) q = q.where('id', '>', after);
      return (await q.execute()).map((r) => r.id);
    },

    /** Every (not deleted) customer of the organization. */
    async allCustomerIds(orgId: string): Promise<string[]> {
      return (await db.selectFrom('customers').select('id').where('org_id', '=', orgId).where('deleted_at', 'is', null).execute()).map(
        (r) => r.id,
      );
    },

    /** Everything the reconstruction reads of some customers: their records, with the moments each came to be. */
    async histories(orgId: string, ids: string[]): Promise<Map<string, CustomerHistory>> {
      const out = new Map<string, CustomerHistory>();
      if (ids.length === 0) return out;
      const customers = await db
        .selectFrom('customers')
        .select(['id', 'external_id', 'currency'])
        .where('org_id', '=', orgId)
        .where('id', 'in', ids)
        .execute();
      const byExternal = new Map<string, CustomerHistory>();
      for (const c of customers) {
        const h: CustomerHistory = { currency: c.currency, subscriptions: [], payments: [], invoices: [], disputes: [] };
        out.set(c.id, h);
        byExternal.set(c.external_id, h);
      }
      const externals = customers.map((c) => c.external_id);
      if (externals.length === 0) return out;
      const [subs, payments, invoices, disputes] = await Promise.all([
        sql<{
          customer: string;
          id: string;
          status: string;
          currency: string;
          interval: string | null;
          interval_count: number;
          created: number | null;
          trial_start: number | null;
          trial_end: number | null;
          canceled_at: number | null;
          ended_at: number | null;
          reason: string | null;
        }>`
          select stripe_customer_id as customer, stripe_subscription_id as id, status, currency, interval, interval_count,
            ${epoch('started_at')} as created, ${epoch('trial_start')} as trial_start, ${epoch('trial_end')} as trial_end,
            ${epoch('canceled_at')} as canceled_at, ${epoch('ended_at')} as ended_at, cancellation_reason as reason
          from subscriptions where org_id = ${orgId} and stripe_customer_id = any(${externals}) order by stripe_subscription_id`.execute(
          db,
        ),
        sql<{
          customer: string;
          status: string;
          failure_code: string | null;
          at: number;
          amount: number;
          currency: string;
          refunded_at: number | null;
          disputed: boolean;
          disputed_at: number | null;
        }>`
          select p.stripe_customer_id as customer, p.status, p.failure_code, ${epoch('p.paid_at')} as at, p.amount_cents::float8 as amount,
            p.currency, p.disputed,
            (select extract(epoch from max(r.refunded_at))::float8 from refunds r
              where r.org_id = p.org_id and r.stripe_charge_id = p.stripe_payment_id and r.status = 'succeeded') as refunded_at,
            (select extract(epoch from min(d.opened_at))::float8 from disputes d
              where d.org_id = p.org_id and d.stripe_charge_id = p.stripe_payment_id) as disputed_at
          from payments p where p.org_id = ${orgId} and p.stripe_customer_id = any(${externals}) order by p.paid_at, p.stripe_payment_id`.execute(
          db,
        ),
        sql<{
          customer: string;
          subscription: string | null;
          status: string;
          currency: string;
          subtotal: number;
          total: number;
          amount_paid: number;
          issued_at: number;
          paid_at: number | null;
          lines: HistoryInvoice['lines'];
        }>`
          select i.stripe_customer_id as customer, i.stripe_subscription_id as subscription, i.status, i.currency,
            i.subtotal_cents::float8 as subtotal, i.total_cents::float8 as total, i.amount_paid_cents::float8 as amount_paid,
            ${epoch('i.issued_at')} as issued_at, ${epoch('i.paid_at')} as paid_at,
            coalesce((select json_agg(json_build_object('amount', (l ->> 'amount')::float8, 'subscription', (l ->> 'subscription_item') is not null,
              'periodStart', (l ->> 'period_start')::float8, 'periodEnd', (l ->> 'period_end')::float8))
              from jsonb_array_elements(i.lines) l), '[]'::json) as lines
          from invoices i where i.org_id = ${orgId} and i.stripe_customer_id = any(${externals}) order by i.issued_at, i.stripe_invoice_id`.execute(
          db,
        ),
        sql<{ customer: string; status: string; opened_at: number; evidence_due_by: number | null }>`
          select stripe_customer_id as customer, status, ${epoch('opened_at')} as opened_at, ${epoch('evidence_due_by')} as evidence_due_by
          from disputes where org_id = ${orgId} and stripe_customer_id = any(${externals}) order by opened_at, stripe_dispute_id`.execute(
          db,
        ),
      ]);
      for (const s of subs.rows) {
        byExternal.get(s.customer)?.subscriptions.push({
          id: s.id,
          status: s.status,
          currency: s.currency,
          interval: s.interval,
          intervalCount: s.interval_count,
          created: s.created,
          trialStart: s.trial_start,
          trialEnd: s.trial_end,
          canceledAt: s.canceled_at,
          endedAt: s.ended_at,
          cancellationReason: s.reason,
        });
      }
      for (const p of payments.rows) {
        byExternal.get(p.customer)?.payments.push({
          status: p.status as CustomerHistory['payments'][number]['status'],
          failureCode: p.failure_code,
          at: p.at,
          amount: p.amount,
          currency: p.currency,
          refundedAt: p.refunded_at,
          disputed: p.disputed,
          disputedAt: p.disputed_at,
        });
      }
      for (const i of invoices.rows) {
        byExternal.get(i.customer)?.invoices.push({
          subscription: i.subscription,
          status: i.status,
          currency: i.currency,
          subtotal: i.subtotal,
          total: i.total,
          amountPaid: i.amount_paid,
          issuedAt: i.issued_at,
          paidAt: i.paid_at,
          lines: i.lines,
        });
      }
      for (const d of disputes.rows) {
        byExternal.get(d.customer)?.disputes.push({ status: d.status, openedAt: d.opened_at, evidenceDueBy: d.evidence_due_by });
      }
      return out;
    },

    /** When the organization's records begin (unix seconds). */
    async firstRecordAt(orgId: string): Promise<number | null> {
      const row = await sql<{ first: number | null }>`
        select extract(epoch from least(
          (select min(started_at) from subscriptions where org_id = ${orgId}),
          (select min(issued_at) from invoices where org_id = ${orgId}),
          (select min(paid_at) from payments where org_id = ${orgId})))::float8 as first`.execute(db);
      return row.rows[0]?.first ?? null;
    },

    async startRun(orgId: string): Promise<void> {
      await sql`
        insert into reconstruction_runs (org_id, status, started_at) values (${orgId}, 'running', now())
        on conflict (org_id) do update set status = 'running', started_at = now(), error = null`.execute(db);
    },

    async finishRun(orgId: string, r: { start: number; end: number; customers: number; points: number }): Promise<void> {
      await sql`
        update reconstruction_runs set status = 'done', finished_at = now(), history_start = to_timestamp(${r.start}),
          history_end = to_timestamp(${r.end}), customers = ${r.customers}, points = ${r.points}, error = null
        where org_id = ${orgId}`.execute(db);
      // A rebuild can replace most of the table at once: without fresh statistics the planner takes the backtest's
      // per-customer lookups for a few rows of the (org_id, at) index, where a week holds every customer's point —
      // one backtest then reads the organization's points once per customer (minutes, at 10k customers).
      await sql`analyze score_reconstructions, reconstructed_churns`.execute(db);
    },

    async failRun(orgId: string, error: string): Promise<void> {
      await sql`update reconstruction_runs set status = 'failed', finished_at = now(), error = ${error} where org_id = ${orgId}`.execute(
        db,
      );
    },

    async run(orgId: string): Promise<RunRow | null> {
      const row = await sql<{
        status: RunRow['status'];
        started_at: Date;
        finished_at: Date | null;
        history_start: number | null;
        history_end: number | null;
        customers: number;
        points: number;
        error: string | null;
      }>`
        select status, started_at, finished_at, ${epoch('history_start')} as history_start, ${epoch('history_end')} as history_end,
          customers, points, error from reconstruction_runs where org_id = ${orgId}`.execute(db);
      const r = row.rows[0];
      return r
        ? {
            status: r.status,
            startedAt: r.started_at,
            finishedAt: r.finished_at,
            historyStart: r.history_start,
            historyEnd: r.history_end,
            customers: r.customers,
            points: r.points,
            error: r.error,
          }
        : null;
    },

    /**
     * Replaces the points and churns of some customers (one transaction). Points go in as JSON a few thousand at a
     * time, so that no single serialization holds the event loop for long.
     */
    async replace(orgId: string, ids: string[], points: Map<string, StoredPoint[]>, churns: Map<string, Churn>): Promise<void> {
      const churnRows = [...churns].map(([id, c]) => ({
        c: id,
        at: c.at,
        k: c.kind,
        m: c.mrr?.amount ?? null,
        cur: c.mrr?.currency ?? null,
      }));
      await db.transaction().execute(async (trx) => {
        await sql`delete from score_reconstructions where org_id = ${orgId} and customer_id = any(${ids}::uuid[])`.execute(trx);
        await sql`delete from reconstructed_churns where org_id = ${orgId} and customer_id = any(${ids}::uuid[])`.execute(trx);
        let rows: { c: string; at: number; s: number | null; l: Level | null; st: string; f: Record<string, number> }[] = [];
        const flush = async () => {
          if (rows.length === 0) return;
          const batch = json(rows);
          rows = [];
          await sql`
            insert into score_reconstructions (org_id, customer_id, at, score, risk_level, lifecycle_state, factors)
            select ${orgId}, x.c, to_timestamp(x.at), x.s, x.l, x.st, x.f
            from jsonb_to_recordset(${batch}::jsonb) as x(c uuid, at float8, s smallint, l text, st text, f jsonb)
            join customers cu on cu.id = x.c and cu.org_id = ${orgId}`.execute(trx);
        };
        for (const [id, list] of points) {
          for (const p of list) rows.push({ c: id, at: p.at, s: p.score, l: p.level, st: p.lifecycle, f: p.factors });
          if (rows.length >= INSERT_BATCH) await flush();
        }
        await flush();
        if (churnRows.length > 0) {
          await sql`
            insert into reconstructed_churns (org_id, customer_id, churned_at, kind, mrr, currency)
            select ${orgId}, x.c, to_timestamp(x.at), x.k, x.m, x.cur
            from jsonb_to_recordset(${json(churnRows)}::jsonb) as x(c uuid, at float8, k text, m numeric, cur text)
            join customers cu on cu.id = x.c and cu.org_id = ${orgId}`.execute(trx);
        }
      });
    },

    /** Points and churns of customers no longer in the organization's list (deleted): removed after a rebuild. */
    async removeDeleted(orgId: string): Promise<void> {
      await sql`
        delete from score_reconstructions r using customers c
        where r.org_id = ${orgId} and c.id = r.customer_id and c.deleted_at is not null`.execute(db);
      await sql`
        delete from reconstructed_churns r using customers c
        where r.org_id = ${orgId} and c.id = r.customer_id and c.deleted_at is not null`.execute(db);
    },

    async churns(orgId: string): Promise<{ customerId: string; churn: Churn }[]> {
      const rows = await sql<{ customer_id: string; at: number; kind: Churn['kind']; mrr: number | null; currency: string | null }>`
        select customer_id, ${epoch('churned_at')} as at, kind, mrr::float8 as mrr, currency
        from reconstructed_churns where org_id = ${orgId}`.execute(db);
      return rows.rows.map((r) => ({
        customerId: r.customer_id,
        churn: { at: r.at, kind: r.kind, mrr: r.currency && r.mrr !== null ? { currency: r.currency, amount: r.mrr } : null },
      }));
    },

    /**
     * The points standing for some moments: for every customer its point at each `moments` (stayers' moments),
     * and for churners their point at each `offsets` (seconds) before the churn — the latest at or before, within a week.
     */
    async referencePoints(orgId: string, moments: number[], offsets: number[]): Promise<ReferencePoint[]> {
      const rows = await sql<{
        customer_id: string;
        at: number;
        score: number | null;
        risk_level: Level | null;
        lifecycle_state: string;
        factors: Record<string, number>;
      }>`
        with refs as (
          select c.id as customer_id, m.at from customers c cross join unnest(${moments}::float8[]) as m(at)
          where c.org_id = ${orgId} and c.deleted_at is null
          union
          select ch.customer_id, extract(epoch from ch.churned_at)::float8 - o.off from reconstructed_churns ch
          cross join unnest(${offsets}::float8[]) as o(off) where ch.org_id = ${orgId}
        )
        select distinct p.customer_id, extract(epoch from p.at)::float8 as at, p.score, p.risk_level, p.lifecycle_state, p.factors
        from refs r cross join lateral (
          select * from score_reconstructions s
          where s.customer_id = r.customer_id and s.org_id = ${orgId}
            and s.at <= to_timestamp(r.at) and s.at > to_timestamp(r.at) - interval '7 days'
          order by s.at desc limit 1) p`.execute(db);
      return rows.rows.map((r) => ({
        customerId: r.customer_id,
        at: r.at,
        score: r.score,
        level: r.risk_level,
        lifecycle: r.lifecycle_state,
        factors: r.factors,
      }));
    },

    async names(orgId: string, ids: string[]): Promise<{ id: string; name: string | null; email: string | null }[]> {
      if (ids.length === 0) return [];
      return db.selectFrom('customers').select(['id', 'name', 'email']).where('org_id', '=', orgId).where('id', 'in', ids).execute();
    },
  };
}

export type BacktestRepo = ReturnType<typeof createBacktestRepo>;

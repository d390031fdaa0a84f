import { type Kysely, type SqlBool, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { InvoicePoints, MrrSegment } from '../revenue/mrr-steps.js';
import type { CustomerRecords, InvoiceRecord, PaymentRecord, SubscriptionRecord } from './customer-health.js';
import { DEFAULT_CONFIG, type ScoringConfig, scoringConfigSchema } from './scoring.config.js';
import type { Lifecycle } from './lifecycle.js';
import type { ComputedFactors } from './scoring.engine.js';
import { historySince, type InvoiceLineRow, invoiceLines } from './invoice-lines.repo.js';

/**
 * Kept invoice points are used while the customer's billing data is unchanged, and refreshed from the invoices
 * after a week or two (spread over customers), so that invoices leaving the history window leave it too.
 */
const POINTS_DAYS = 7;

export interface StoredScore {
  id: string;
  external_id: string;
  score: number | null;
  risk_level: 'green' | 'yellow' | 'red' | null;
  summary_fingerprint: string | null;
  mrr_fingerprint: string | null;
  detail_fingerprint: string | null;
}

/** What `records` knows of a customer besides its billing records. */
export interface StoredForScoring extends StoredScore {
  /** The invoice points were computed from the invoices now (none kept, kept ones stale, or billing data changed). */
  points_fresh: boolean;
}

export interface ScoredCustomer {
  id: string;
  mrr: number;
  mrrCurrency: string | null;
  mrrMajor: number;
  mrrByCurrency: Record<string, number>;
  lastPaymentAt: Date | null;
  score: number | null;
  level: 'green' | 'yellow' | 'red' | null;
  /** Where the customer stands in its billing life (trialing, churned, …), before any score. */
  lifecycle: Lifecycle;
  /** What the score is made of (stored; independent of the configuration). */
  factors: ComputedFactors;
  segments: MrrSegment[];
  /** What the invoices say, to keep, when computed from them now; null when the kept ones were used. */
  invoicePoints: InvoicePoints | null;
  /** The latest paid invoice, kept with the invoice points (written only when those are). */
  lastPaidInvoiceAt: Date | null;
  /**
   * Digests of the list columns (score, level, MRR, last payment), of the factors and of the MRR history:
   * unchanged ones are not written again.
   */
  summaryFingerprint: string;
  detailFingerprint: string;
  mrrFingerprint: string;
  writeSummary: boolean;
  writeDetail: boolean;
  writeMrr: boolean;
}

export interface HistoryEntry {
  customerId: string;
  externalId: string;
  score: number | null;
  level: string | null;
  previousScore: number | null;
  previousLevel: string | null;
  factors: Record<string, number>;
  changed: { name: string; from: number | null; to: number | null }[];
}

const json = (v: unknown) => JSON.stringify(v);

/** A charge that does not count as the payment of an invoice of the same amount and currency a day either side. */
interface SpoiledCharge {
  currency: string;
  amount: number;
  at: number;
}

const DAY_MS = 86_400_000;

/** The lines of these customers' invoices among `lines`. */
function onlyOf(lines: InvoiceLineRow[], customers: string[]): InvoiceLineRow[] {
  const wanted = new Set(customers);
  return lines.filter((l) => wanted.has(l.customer));
}

/** The least and greatest of some uuids (lower-case text sorts as PostgreSQL orders uuids: byte by byte). */
export function idRange(ids: readonly string[]): [string, string] {
  let lo = ids[0]!.toLowerCase();
  let hi = lo;
  for (const raw of ids) {
    const id = raw.toLowerCase();
    if (id < lo) lo = id;
    if (id > hi) hi = id;
  }
  return [lo, hi];
}

export function createScoringRepo(db: Kysely<Database>) {
  return {
    async config(orgId: string): Promise<ScoringConfig> {
      const row = await db.selectFrom('scoring_configs').select('config').where('org_id', '=', orgId).executeTakeFirst();
      const parsed = row ? scoringConfigSchema.safeParse(row.config) : null;
      return parsed?.success ? parsed.data : DEFAULT_CONFIG;
    },

    async saveConfig(orgId: string, config: ScoringConfig, userId: string | null): Promise<void> {
      await db
        .insertInto('scoring_configs')
        .values({ org_id: orgId, config: json(config), updated_by: userId, updated_at: new Date() })
        .onConflict((oc) => oc.column('org_id').doUpdateSet({ config: json(config), updated_by: userId, updated_at: new Date() }))
        .execute();
    },

    /** The next page of customer ids (keyset on id), optionally only those whose billing data changed. */
    async customerIds(orgId: string, after: string | null, limit: number, onlyDirty: boolean): Promise<string[]> {
      let q = db.selectFrom('customers').select('id').where('org_id', '=', orgId).orderBy('id').limit(limit);
      if (after) q = q.where('id', '>', after);
      if (onlyDirty) q = q.where('score_dirty_at', 'is not', null);
      return (await q.execute()).map((r) => r.id);
    },

    /** The factor values behind the stored scores of some customers (for score history). */
    async factorValues(orgId: string, ids: string[]): Promise<Map<string, Record<string, number>>> {
      if (ids.length === 0) return new Map();
      const rows = await sql<{ id: string; values: Record<string, number> | null }>`
        select customer_id as id,
          (select jsonb_object_agg(f.key, (f.value ->> 'value')::float8) from jsonb_each(factors) f where f.value ? 'value') as values
        from customer_scores where org_id = ${orgId} and customer_id = any(${ids}::uuid[])`.execute(db);
      return new Map(rows.rows.map((r) => [r.id, r.values ?? {}]));
    },

    /**
     * Everything the score and the MRR history of these customers are computed from, and what is stored now:
     * the customers (with their kept invoice points, while their billing data is unchanged), then
     * subscriptions, payments and — only for customers without usable kept points — invoice lines, side by side.
     */
    async records(
      orgId: string,
      ids: string[],
      now: Date,
      reuseKept = true,
      sweptLines?: InvoiceLineRow[],
    ): Promise<{ records: Map<string, CustomerRecords>; stored: StoredForScoring[] }> {
      const records = new Map<string, CustomerRecords>();
      if (ids.length === 0) return { records, stored: [] };
      const since = historySince(now);
      // The ids' range as well as the ids: with a list alone the planner guessed a (parallel) scan of every customer
      // of the organization for each batch (450 ms for 1000 customers of 100k, 7 ms over the primary key's range).
      const [lo, hi] = idRange(ids);
      const customers = (
        await sql<
          StoredScore & {
            currency: string | null;
            open: [string, number, number][] | null;
            points: InvoicePoints | null;
            paid: Date | null;
          }
        >`
          select c.id, c.external_id, c.currency, c.score, c.risk_level, c.summary_fingerprint, c.mrr_fingerprint,
            s.fingerprint as detail_fingerprint,
            case when ${reuseKept}::boolean and c.score_dirty_at is null
                  and s.invoice_points_at > ${now}::timestamptz - make_interval(days => ${POINTS_DAYS} + (abs(hashtext(c.id::text)::bigint) % ${POINTS_DAYS})::int)
                 then s.invoice_points end as points,
            s.last_paid_invoice_at as paid,
            (select json_agg(json_build_array(h.currency, h.mrr::float8, extract(epoch from h.valid_from)::float8))
             from mrr_history h where h.customer_id = c.id and h.valid_to is null) as open
          from customers c left join customer_scores s on s.customer_id = c.id
          where c.org_id = ${orgId} and c.id = any(${ids}::uuid[]) and c.id between ${lo}::uuid and ${hi}::uuid`.execute(db)
      ).rows;
      const externals = customers.map((c) => c.external_id);
      const ofCustomers = sql<SqlBool>`stripe_customer_id = any(${externals})`;
      const needInvoices = customers.filter((c) => c.points === null).map((c) => c.external_id);
      const [subs, payments, invoices, disputes] = await Promise.all([
        db
          .selectFrom('subscriptions')
          .select([
            'stripe_customer_id',
            'stripe_subscription_id',
            'status',
            'currency',
            'interval',
            'interval_count',
            'cancel_at_period_end',
            'items',
            'discounts',
            'trial_end',
            'started_at',
            'cancel_at',
            'canceled_at',
            'current_period_end',
            'cancellation_reason',
          ])
          .where('org_id', '=', orgId)
          .where(ofCustomers)
          .execute(),
        db
          .selectFrom('payments')
          .select(['stripe_customer_id', 'status', 'failure_code', 'paid_at', 'disputed', 'currency', 'amount_cents'])
          .where('org_id', '=', orgId)
          .where(ofCustomers)
          .execute(),
        // Read in a sweep over the organization's invoices (see invoice-lines.repo.ts), or looked up for this batch.
        // Customers with kept invoice points use those either way.
        sweptLines ? Promise.resolve(onlyOf(sweptLines, needInvoices)) : invoiceLines(db, orgId, since, needInvoices),
        db
          .selectFrom('disputes')
          .select(['stripe_customer_id', 'status', 'opened_at'])
          .where('org_id', '=', orgId)
          .where(ofCustomers)
          .execute(),
      ]);
      const byExternal = new Map<string, CustomerRecords>();
      for (const c of customers) {
        const liveSince: Record<string, { mrr: number; from: number }> = {};
        for (const [currency, mrr, from] of c.open ?? []) liveSince[currency] = { mrr, from };
        const rec: CustomerRecords = { currency: c.currency, subscriptions: [], payments: [], invoices: [], liveSince };
        if (c.points) rec.invoicePoints = c.points;
        records.set(c.id, rec);
        byExternal.set(c.external_id, rec);
      }
      for (const s of subs) byExternal.get(s.stripe_customer_id)?.subscriptions.push(s as SubscriptionRecord);
      for (const p of payments) byExternal.get(p.stripe_customer_id)?.payments.push(p as PaymentRecord);
      for (const d of disputes) {
        const rec = d.stripe_customer_id ? byExternal.get(d.stripe_customer_id) : undefined;
        if (rec) (rec.disputes ??= []).push({ status: d.status, opened_at: d.opened_at });
      }
      const byInvoice = new Map<string, InvoiceRecord>();
      for (const row of invoices) {
        let invoice = byInvoice.get(row.invoice);
        if (!invoice) {
          invoice = {
            stripe_subscription_id: row.subscription,
            status: row.status,
            currency: row.currency,
            subtotal_cents: row.subtotal,
            total_cents: row.total,
            lines: [],
          };
          byInvoice.set(row.invoice, invoice);
          byExternal.get(row.customer)?.invoices.push(invoice);
        }
        if (row.amount !== null) {
          invoice.lines.push({
            amount: row.amount,
            subscription_item: row.recurring ? 'recurring' : null,
            period_start: row.period_start,
            period_end: row.period_end,
          });
        }
      }
      // A paid invoice is a payment too (annual customers have none among the charges of the last 90 days): the
      // latest one with money in it, unless its payment was disputed or refunded in full. At the current API version
      // an invoice names its charge only through `invoice.payments` (which the sync does not expand), so the
      // invoice's charge is the customer's charge of the same amount and currency made within a day of the invoice
      // being paid. Worked out from the invoices read for the MRR history; kept with the invoice points otherwise.
      const spoiled = new Map<string, SpoiledCharge[]>();
      for (const p of payments) {
        if (!p.disputed && p.status !== 'refunded') continue;
        const list = spoiled.get(p.stripe_customer_id) ?? [];
        list.push({ currency: p.currency, amount: Number(p.amount_cents), at: p.paid_at.getTime() });
        spoiled.set(p.stripe_customer_id, list);
      }
      const counts = (customer: string, currency: string, amount: number, paidAt: Date) =>
        !spoiled.get(customer)?.some((c) => c.currency === currency && c.amount === amount && Math.abs(c.at - paidAt.getTime()) <= DAY_MS);
      const lastPaid = new Map<string, Date>();
      for (const c of customers) if (c.points && c.paid) lastPaid.set(c.external_id, c.paid);
      const seenInvoice = new Set<string>();
      for (const row of invoices) {
        if (row.paid_at === null || seenInvoice.has(row.invoice)) continue;
        seenInvoice.add(row.invoice);
        const paidAt = new Date(row.paid_at * 1000);
        const best = lastPaid.get(row.customer);
        if ((!best || paidAt > best) && counts(row.customer, row.currency, row.amount_paid, paidAt)) lastPaid.set(row.customer, paidAt);
      }
      // Invoices older than the history window (a biennial customer's) are looked up only for customers without a
      // newer one: per customer, the newest paid invoice first (invoices_paid_idx), so that the check runs on one row.
      const older = needInvoices.filter((e) => !lastPaid.has(e));
      if (older.length > 0) {
        const rows = await sql<{ customer: string; paid_at: Date }>`
          select x.customer, p.paid_at
          from unnest(${older}::text[]) as x(customer)
          cross join lateral (
            select i.paid_at from invoices i
            where i.org_id = ${orgId} and i.stripe_customer_id = x.customer and i.status = 'paid' and i.amount_paid_cents > 0
              and i.paid_at is not null and i.issued_at < ${since}
              and not exists (
                select 1 from payments p
                where p.org_id = i.org_id and p.stripe_customer_id = i.stripe_customer_id and (p.disputed or p.status = 'refunded')
                  and p.currency = i.currency and p.amount_cents = i.amount_paid_cents
                  and p.paid_at between i.paid_at - interval '1 day' and i.paid_at + interval '1 day')
            order by i.paid_at desc
            limit 1) p`.execute(db);
        for (const r of rows.rows) lastPaid.set(r.customer, r.paid_at);
      }
      for (const [external, rec] of byExternal) rec.lastPaidInvoiceAt = lastPaid.get(external) ?? null;
      const stored = customers.map(({ currency: _c, open: _o, points, paid: _p, ...rest }) => ({ ...rest, points_fresh: points === null }));
      return { records, stored };
    },

    /**
     * Stores new scores, MRR and MRR history, appends score history and events for what changed, and clears
     * the re-score flag of customers not changed again since `startedAt` — all in one transaction.
     */
    async save(orgId: string, scored: ScoredCustomer[], history: HistoryEntry[], reason: string, startedAt: Date): Promise<void> {
      if (scored.length === 0) return;
      const summaries = scored.filter((s) => s.writeSummary);
      const details = scored.filter((s) => s.writeDetail);
      const mrrChanged = scored.filter((s) => s.writeMrr);
      const now = new Date();
      await db.transaction().execute(async (trx) => {
        if (summaries.length > 0) {
          const rows = summaries.map((s) => ({
            id: s.id,
            mrr: s.mrr,
            mrr_currency: s.mrrCurrency,
            mrr_major: s.mrrMajor,
            mrr_by_currency: s.mrrByCurrency,
            last_payment_at: s.lastPaymentAt?.toISOString() ?? null,
            score: s.score,
            risk_level: s.level,
            lifecycle_state: s.lifecycle.state,
            lifecycle_churn: s.lifecycle.churn,
            lifecycle_at: s.lifecycle.at === null ? null : new Date(s.lifecycle.at * 1000).toISOString(),
            summary_fingerprint: s.summaryFingerprint,
            mrr_fingerprint: s.mrrFingerprint,
          }));
          await sql`
            update customers c set
              mrr = x.mrr, mrr_currency = x.mrr_currency, mrr_major = x.mrr_major, mrr_by_currency = x.mrr_by_currency,
              last_payment_at = x.last_payment_at, score = x.score, risk_level = x.risk_level,
              lifecycle_state = x.lifecycle_state, lifecycle_churn = x.lifecycle_churn, lifecycle_at = x.lifecycle_at,
              summary_fingerprint = x.summary_fingerprint, mrr_fingerprint = x.mrr_fingerprint,
              score_dirty_at = case when c.score_dirty_at <= ${startedAt} then null else c.score_dirty_at end
            from jsonb_to_recordset(${json(rows)}::jsonb) as x(
              id uuid, mrr numeric, mrr_currency text, mrr_major numeric, mrr_by_currency jsonb, last_payment_at timestamptz,
              score smallint, risk_level text, lifecycle_state text, lifecycle_churn text, lifecycle_at timestamptz,
              summary_fingerprint text, mrr_fingerprint text)
            where c.id = x.id and c.org_id = ${orgId}`.execute(trx);
        }
        // Customers whose list columns came out the same only lose their re-score flag (untouched rows are not rewritten).
        const unchanged = scored.filter((s) => !s.writeSummary).map((s) => s.id);
        if (unchanged.length > 0) {
          await sql`
            update customers set score_dirty_at = null
            where org_id = ${orgId} and id = any(${unchanged}::uuid[]) and score_dirty_at <= ${startedAt}`.execute(trx);
        }
        if (details.length > 0) {
          const rows = details.map((s) => ({
            id: s.id,
            factors: s.factors,
            fingerprint: s.detailFingerprint,
            points: s.invoicePoints,
            paid: s.lastPaidInvoiceAt?.toISOString() ?? null,
          }));
          // Kept invoice points are replaced only by ones computed from the invoices now.
          await sql`
            insert into customer_scores (customer_id, org_id, factors, fingerprint, scored_at, invoice_points, invoice_points_at, last_paid_invoice_at)
            select x.id, ${orgId}, x.factors, x.fingerprint, ${now}, x.points, case when x.points is not null then ${now}::timestamptz end,
              case when x.points is not null then x.paid end
            from jsonb_to_recordset(${json(rows)}::jsonb) as x(id uuid, factors jsonb, fingerprint text, points jsonb, paid timestamptz)
            on conflict (customer_id) do update set
              factors = excluded.factors, fingerprint = excluded.fingerprint, scored_at = excluded.scored_at,
              invoice_points = coalesce(excluded.invoice_points, customer_scores.invoice_points),
              invoice_points_at = coalesce(excluded.invoice_points_at, customer_scores.invoice_points_at),
              last_paid_invoice_at = case when excluded.invoice_points is not null then excluded.last_paid_invoice_at
                                          else customer_scores.last_paid_invoice_at end
            where customer_scores.org_id = excluded.org_id`.execute(trx);
        }

        const rewrite = mrrChanged.map((s) => s.id);
        if (rewrite.length > 0) {
          await sql`delete from mrr_history where org_id = ${orgId} and customer_id = any(${rewrite}::uuid[])`.execute(trx);
        }
        const segments = mrrChanged.flatMap((s) =>
          s.segments.map((seg, i) => {
            const next = s.segments.slice(i + 1).find((n) => n.currency === seg.currency);
            return {
              customer_id: s.id,
              currency: seg.currency,
              valid_from: new Date(seg.from * 1000).toISOString(),
              valid_to: next ? new Date(next.from * 1000).toISOString() : null,
              mrr: seg.mrr,
              movement: seg.movement,
              delta: seg.delta,
            };
          }),
        );
        if (segments.length > 0) {
          await sql`
            insert into mrr_history (org_id, customer_id, currency, valid_from, valid_to, mrr, movement, delta)
            select ${orgId}, x.customer_id, x.currency, x.valid_from, x.valid_to, x.mrr, x.movement, x.delta
            from jsonb_to_recordset(${json(segments)}::jsonb) as x(
              customer_id uuid, currency text, valid_from timestamptz, valid_to timestamptz, mrr numeric, movement text, delta numeric)
            on conflict do nothing`.execute(trx);
        }

        if (history.length > 0) {
          const entries = history.map((h) => ({
            customer_id: h.customerId,
            score: h.score,
            risk_level: h.level,
            previous_score: h.previousScore,
            previous_level: h.previousLevel,
            factors: h.factors,
            changed: h.changed,
          }));
          await sql`
            insert into score_history (org_id, customer_id, score, risk_level, previous_score, previous_level, factors, changed, reason, computed_at)
            select ${orgId}, x.customer_id, x.score, x.risk_level, x.previous_score, x.previous_level, x.factors, x.changed, ${reason}, ${now}
            from jsonb_to_recordset(${json(entries)}::jsonb) as x(
              customer_id uuid, score smallint, risk_level text, previous_score smallint, previous_level text, factors jsonb, changed jsonb)`.execute(
            trx,
          );
          const events = history
            .filter((h) => h.previousLevel !== null || h.previousScore !== null)
            .flatMap((h) => {
              const payload = {
                customerId: h.customerId,
                score: h.score,
                previousScore: h.previousScore,
                level: h.level,
                previousLevel: h.previousLevel,
                changed: h.changed,
                reason,
              };
              const stamp = now.getTime();
              // A new configuration moves every score a little: only the level changes it causes are events.
              const out =
                reason === 'config'
                  ? []
                  : [{ type: 'score.changed', customer: h.externalId, payload, key: `score.changed:${h.customerId}:${stamp}` }];
              if (h.level !== h.previousLevel) {
                out.push({
                  type: 'risk_level.changed',
                  customer: h.externalId,
                  payload,
                  key: `risk_level.changed:${h.customerId}:${stamp}`,
                });
              }
              return out;
            });
          await sql`
            insert into org_events (org_id, type, customer_external_id, payload, occurred_at, dedup_key)
            select ${orgId}, x.type, x.customer, x.payload, ${now}, x.key
            from jsonb_to_recordset(${json(events)}::jsonb) as x(type text, customer text, payload jsonb, key text)
            on conflict (org_id, dedup_key) do nothing`.execute(trx);
        }
      });
    },

    /** Organizations with customers, for the daily re-score. */
    async organizationsWithCustomers(): Promise<string[]> {
      const rows = await db.selectFrom('customers').select('org_id').distinct().execute();
      return rows.map((r) => r.org_id);
    },
  };
}

export type ScoringRepo = ReturnType<typeof createScoringRepo>;

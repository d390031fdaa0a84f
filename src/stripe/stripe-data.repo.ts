import { type Kysely, sql } from 'kysely';
import { stripNul } from '../db/pg-text.js';
import type { Database } from '../db/schema.js';
import type { CustomerRow, DisputeRow, InvoiceRow, PaymentRow, RefundRow } from './stripe.mapping.js';
import type { SubscriptionRow } from './subscription.mapping.js';

/** Which Stripe state a write reflects: newer (or equal) versions win, older ones are ignored. */
export interface SourceVersion {
  ts: number;
  eventId: string | null;
  /** Only overwrite strictly older state (events), instead of older-or-equal (syncs, re-fetches). */
  strict?: boolean;
}

type Synced = 'customers' | 'subscriptions' | 'payments' | 'invoices' | 'refunds' | 'disputes';
type Versioned = Synced | 'stripe_catalog';

/**
 * Insert-or-update keyed by (org, Stripe id). Rows from an older Stripe state than the stored one are skipped,
 * so events applied in any order converge on the newest state. Text keeps everything but NUL, which
 * PostgreSQL cannot store (`stripNul`). Returns the number of rows written.
 */
async function upsert(
  db: Kysely<Database>,
  table: Versioned,
  keys: string[],
  rows: Record<string, unknown>[],
  version: SourceVersion,
): Promise<number> {
  if (rows.length === 0) return 0;
  const values = rows.map((r) => ({ ...stripNul(r), source_ts: version.ts, source_event_id: version.eventId }));
  const columns = Object.keys(values[0]!).filter((c) => c !== 'org_id' && !keys.includes(c));
  const res = await db
    .insertInto(table)
    .values(values as never)
    .onConflict((oc) =>
      oc
        .columns(['org_id', ...keys] as never)
        .doUpdateSet(Object.fromEntries([...columns.map((c) => [c, sql.ref(`excluded.${c}`)]), ['updated_at', sql`now()`]]) as never)
        .where(sql.ref(`${table}.source_ts`), version.strict ? '<' : '<=', sql.ref('excluded.source_ts')),
    )
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0);
}

/** JSON for a jsonb column: strings keep everything but NUL (see `stripNul`). */
const json = (v: unknown) => JSON.stringify(stripNul(v));

/** The Stripe id column of each synced table. */
const KEYS: Record<Synced, string> = {
  customers: 'external_id',
  subscriptions: 'stripe_subscription_id',
  payments: 'stripe_payment_id',
  invoices: 'stripe_invoice_id',
  refunds: 'stripe_refund_id',
  disputes: 'stripe_dispute_id',
};

export type CatalogType = 'price' | 'product' | 'coupon';
export interface CatalogRow {
  object_type: CatalogType;
  stripe_id: string;
  data: Record<string, unknown>;
  deleted?: boolean;
}

export function createStripeDataRepo(db: Kysely<Database>) {
  return {
    upsertCustomers(orgId: string, rows: CustomerRow[], version: SourceVersion) {
      return upsert(
        db,
        'customers',
        [KEYS.customers],
        rows.map((r) => ({ ...r, org_id: orgId, metadata: json(r.metadata), score_dirty_at: new Date() })),
        version,
      );
    },
    async markCustomerDeleted(orgId: string, externalId: string, version: SourceVersion): Promise<void> {
      await db
        .updateTable('customers')
        .set({
          deleted_at: sql`now()`,
          source_ts: version.ts,
          source_event_id: version.eventId,
          score_dirty_at: sql`now()`,
          updated_at: sql`now()`,
        })
        .where('org_id', '=', orgId)
        .where('external_id', '=', externalId)
        .where('source_ts', '<=', version.ts)
        .execute();
    },
    upsertSubscriptions(orgId: string, rows: SubscriptionRow[], version: SourceVersion) {
      return upsert(
        db,
        'subscriptions',
        [KEYS.subscriptions],
        rows.map((r) => ({ ...r, org_id: orgId, items: json(r.items), discounts: json(r.discounts) })),
        version,
      );
    },
    upsertPayments(orgId: string, rows: PaymentRow[], version: SourceVersion) {
      return upsert(
        db,
        'payments',
        [KEYS.payments],
        rows.map((r) => ({ ...r, org_id: orgId })),
        version,
      );
    },
    upsertInvoices(orgId: string, rows: InvoiceRow[], version: SourceVersion) {
      return upsert(
        db,
        'invoices',
        [KEYS.invoices],
        rows.map((r) => ({ ...r, org_id: orgId, lines: json(r.lines) })),
        version,
      );
    },
    upsertRefunds(orgId: string, rows: RefundRow[], version: SourceVersion) {
      return upsert(
        db,
        'refunds',
        [KEYS.refunds],
        rows.map((r) => ({ ...r, org_id: orgId })),
        version,
      );
    },
    upsertDisputes(orgId: string, rows: DisputeRow[], version: SourceVersion) {
      return upsert(
        db,
        'disputes',
        [KEYS.disputes],
        rows.map((r) => ({ ...r, org_id: orgId })),
        version,
      );
    },
    upsertCatalog(orgId: string, rows: CatalogRow[], version: SourceVersion) {
      return upsert(
        db,
        'stripe_catalog',
        ['object_type', 'stripe_id'],
        rows.map((r) => ({
          org_id: orgId,
          object_type: r.object_type,
          stripe_id: r.stripe_id,
          data: json(r.data),
          deleted: r.deleted ?? false,
        })),
        version,
      );
    },
    /** Catalog objects by type and id (the ones stored; unknown ids are simply absent). */
    async catalog(orgId: string, wanted: { type: CatalogType; ids: string[] }[]) {
      const rows = await Promise.all(
        wanted
          .filter((w) => w.ids.length > 0)
          .map((w) =>
            db
              .selectFrom('stripe_catalog')
              .select(['object_type', 'stripe_id', 'data'])
              .where('org_id', '=', orgId)
              .where('object_type', '=', w.type)
              .where('stripe_id', 'in', w.ids)
              .execute(),
          ),
      );
      return rows.flat();
    },
    async markPaymentDisputed(orgId: string, chargeId: string): Promise<void> {
      await db
        .updateTable('payments')
        .set({ disputed: true, updated_at: sql`now()` })
        .where('org_id', '=', orgId)
        .where('stripe_payment_id', '=', chargeId)
        .where('disputed', '=', false)
        .execute();
    },
    /** The customer of a stored charge, to attribute a dispute or a refund that names only the charge. */
    async customerOfCharge(orgId: string, chargeId: string): Promise<string | null> {
      const row = await db
        .selectFrom('payments')
        .select('stripe_customer_id')
        .where('org_id', '=', orgId)
        .where('stripe_payment_id', '=', chargeId)
        .executeTakeFirst();
      return row?.stripe_customer_id ?? null;
    },
    /** Records objects a sync run could not import; each counts once per run however often its page is retried. */
    async recordSkipped(runId: string, orgId: string, skipped: { type: string; id: string; reason: string }[]): Promise<number> {
      if (skipped.length === 0) return 0;
      const res = await db
        .insertInto('sync_skipped')
        .values(
          stripNul(skipped).map((s) => ({
            run_id: runId,
            org_id: orgId,
            object_type: s.type,
            object_id: s.id,
            reason: s.reason.slice(0, 500),
          })),
        )
        .onConflict((oc) => oc.columns(['run_id', 'object_type', 'object_id']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0);
    },
    /** The stored version of one object, to tell stale events from new ones. */
    async version(orgId: string, table: Synced, stripeId: string): Promise<{ ts: number; eventId: string | null } | null> {
      const key = KEYS[table];
      const row = await db
        .selectFrom(table)
        .select(['source_ts', 'source_event_id'])
        .where('org_id', '=', orgId)
        .where(sql.ref(key), '=', stripeId)
        .executeTakeFirst();
      return row ? { ts: Number(row.source_ts), eventId: row.source_event_id } : null;
    },
    /** Flags customers whose billing data changed, for the scoring engine to pick up. */
    async markDirty(orgId: string, externalIds: string[]): Promise<void> {
      if (externalIds.length === 0) return;
      await db
        .updateTable('customers')
        .set({ score_dirty_at: sql`now()` })
        .where('org_id', '=', orgId)
        .where('external_id', 'in', externalIds)
        .execute();
    },
    async markAllDirty(orgId: string): Promise<void> {
      await db
        .updateTable('customers')
        .set({ score_dirty_at: sql`now()` })
        .where('org_id', '=', orgId)
        .execute();
    },
    async touchLastSeen(orgId: string, externalId: string, at: Date): Promise<void> {
      await db
        .updateTable('customers')
        .set({ last_seen_at: at })
        .where('org_id', '=', orgId)
        .where('external_id', '=', externalId)
        .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', at)]))
        .execute();
    },
    /** Appends to the organization's event log once per dedup key. */
    async logEvent(input: {
      orgId: string;
      type: string;
      customer: string | null;
      payload: Record<string, unknown>;
      occurredAt: Date;
      dedupKey: string;
    }): Promise<boolean> {
      const res = await db
        .insertInto('org_events')
        .values({
          org_id: input.orgId,
          type: input.type,
          customer_external_id: input.customer,
          payload: json(input.payload),
          occurred_at: input.occurredAt,
          dedup_key: input.dedupKey,
        })
        .onConflict((oc) => oc.columns(['org_id', 'dedup_key']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    /** How many of each synced object the organization holds (tests compare these with the sync's counts). */
    async counts(orgId: string) {
      const one = (table: Synced) =>
        db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('org_id', '=', orgId)
          .executeTakeFirstOrThrow()
          .then((r) => Number(r.n));
      const catalog = await db
        .selectFrom('stripe_catalog')
        .select(['object_type', (eb) => eb.fn.countAll<string>().as('n')])
        .where('org_id', '=', orgId)
        .groupBy('object_type')
        .execute();
      const ofType = (t: CatalogType) => Number(catalog.find((r) => r.object_type === t)?.n ?? 0);
      const [customers, subscriptions, payments, invoices, refunds, disputes] = await Promise.all(
        (['customers', 'subscriptions', 'payments', 'invoices', 'refunds', 'disputes'] as const).map(one),
      );
      return {
        customers,
        subscriptions,
        payments,
        invoices,
        refunds,
        disputes,
        prices: ofType('price'),
        products: ofType('product'),
        coupons: ofType('coupon'),
      };
    },
  };
}

export type StripeDataRepo = ReturnType<typeof createStripeDataRepo>;

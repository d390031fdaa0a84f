import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { CustomerRow, InvoiceRow, PaymentRow, SubscriptionRow } from './stripe.mapping.js';

/** Which Stripe state a write reflects: newer (or equal) versions win, older ones are ignored. */
export interface SourceVersion {
  ts: number;
  eventId: string | null;
  /** Only overwrite strictly older state (events), instead of older-or-equal (syncs, re-fetches). */
  strict?: boolean;
}

type Synced = 'customers' | 'subscriptions' | 'payments' | 'invoices';

/**
 * Insert-or-update keyed by (org, Stripe id). Rows from an older Stripe state than the stored one are skipped,
 * so events applied in any order converge on the newest state. Returns the number of rows written.
 */
async function upsert(
  db: Kysely<Database>,
  table: Synced,
  key: string,
  rows: Record<string, unknown>[],
  version: SourceVersion,
): Promise<number> {
  if (rows.length === 0) return 0;
  const values = rows.map((r) => ({ ...r, source_ts: version.ts, source_event_id: version.eventId }));
  const columns = Object.keys(values[0]!).filter((c) => c !== 'org_id' && c !== key);
  const res = await db
    .insertInto(table)
    .values(values as never)
    .onConflict((oc) =>
      oc
        .columns(['org_id', key] as never)
        .doUpdateSet(Object.fromEntries([...columns.map((c) => [c, sql.ref(`excluded.${c}`)]), ['updated_at', sql`now()`]]) as never)
        .where(sql.ref(`${table}.source_ts`), version.strict ? '<' : '<=', sql.ref('excluded.source_ts')),
    )
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0);
}

const json = (v: unknown) => JSON.stringify(v);

export function createStripeDataRepo(db: Kysely<Database>) {
  return {
    upsertCustomers(orgId: string, rows: CustomerRow[], version: SourceVersion) {
      return upsert(
        db,
        'customers',
        'external_id',
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
        'stripe_subscription_id',
        rows.map((r) => ({ ...r, org_id: orgId, items: json(r.items), discounts: json(r.discounts) })),
        version,
      );
    },
    upsertPayments(orgId: string, rows: PaymentRow[], version: SourceVersion) {
      return upsert(
        db,
        'payments',
        'stripe_payment_id',
        rows.map((r) => ({ ...r, org_id: orgId })),
        version,
      );
    },
    upsertInvoices(orgId: string, rows: InvoiceRow[], version: SourceVersion) {
      return upsert(
        db,
        'invoices',
        'stripe_invoice_id',
        rows.map((r) => ({ ...r, org_id: orgId, lines: json(r.lines) })),
        version,
      );
    },
    /** The stored version of one object, to tell stale events from new ones. */
    async version(orgId: string, table: Synced, stripeId: string): Promise<{ ts: number; eventId: string | null } | null> {
      const key = {
        customers: 'external_id',
        subscriptions: 'stripe_subscription_id',
        payments: 'stripe_payment_id',
        invoices: 'stripe_invoice_id',
      }[table];
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
    async counts(orgId: string) {
      const one = (table: Synced) =>
        db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('org_id', '=', orgId)
          .executeTakeFirstOrThrow();
      const [customers, subscriptions, payments, invoices] = await Promise.all([
        one('customers'),
        one('subscriptions'),
        one('payments'),
        one('invoices'),
      ]);
      return {
        customers: Number(customers.n),
        subscriptions: Number(subscriptions.n),
        payments: Number(payments.n),
        invoices: Number(invoices.n),
      };
    },
  };
}

export type StripeDataRepo = ReturnType<typeof createStripeDataRepo>;

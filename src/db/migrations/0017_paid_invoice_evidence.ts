import { type Kysely, sql } from 'kysely';

// A customer's latest paid invoice is payment evidence (the only one annual and quarterly customers have among
// recent charges). It is now worked out from the invoices a re-score reads anyway and kept beside the invoice
// points, for the re-scores that reuse them; kept points from before this have no such date, so they are
// refreshed once. Invoices older than the history window are looked up through a partial index that starts at
// a customer's newest payment.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table customer_scores add column last_paid_invoice_at timestamptz;
    update customer_scores set invoice_points_at = null where invoice_points_at is not null;
    create index invoices_paid_idx on invoices (org_id, stripe_customer_id, paid_at desc)
      include (currency, amount_paid_cents)
      where status = 'paid' and amount_paid_cents > 0 and paid_at is not null;
  `.execute(db);
}

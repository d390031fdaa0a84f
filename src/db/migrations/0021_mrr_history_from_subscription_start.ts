import { type Kysely, sql } from 'kysely';

// A subscription's earliest invoice held now covers back to when the subscription began paying (invoices older
// than the synced window were read as the subscription's start: renewals counted as new MRR). The invoice points
// kept beside each score were computed the old way: dropping them makes the next re-score read the invoices again
// and rewrite the MRR history.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update customer_scores set invoice_points = null, invoice_points_at = null where invoice_points is not null`.execute(db);
}

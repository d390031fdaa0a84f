import { type Kysely, sql } from 'kysely';

// What a customer's billing says before any score: its lifecycle state (trialing, active, past due, canceling,
// churned voluntarily or not, free, no billing), and what a failed payment needs to be explained in plain words
// (the issuer's decline code, Stripe's advice, the invoice's next retry). A subscription keeps why it ended.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table subscriptions add column cancellation_reason text;
    alter table invoices
      add column next_payment_attempt timestamptz,
      add column attempt_count integer not null default 0;
    alter table payments
      add column decline_code text,
      add column advice_code text;
    alter table customers
      add column lifecycle_state text,
      add column lifecycle_churn text,
      add column lifecycle_at timestamptz;
    create index customers_lifecycle_idx on customers (org_id, lifecycle_state) where deleted_at is null;
  `.execute(db);
}

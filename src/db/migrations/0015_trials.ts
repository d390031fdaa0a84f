import { type Kysely, sql } from 'kysely';

// Trials get their own alerts: whether a card is on file (a customer's default payment method or source, or the
// subscription's own), and two alert kinds, "trial ending" and "trial ending with no card on file".
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table customers add column has_payment_method boolean;
    alter table subscriptions add column has_payment_method boolean;
    alter table alert_rules drop constraint alert_rules_kind_check;
    alter table alert_rules add constraint alert_rules_kind_check check (kind in
      ('score_below', 'score_drop', 'risk_level', 'payment_failed', 'subscription_canceled', 'trial_ending', 'trial_card_missing'));
    create index subscriptions_trial_end_idx on subscriptions (trial_end) where status = 'trialing';
  `.execute(db);
}

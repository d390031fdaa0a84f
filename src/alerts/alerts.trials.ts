import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { TRIAL_WINDOW_DAYS } from './alerts.schemas.js';

/**
 * The trial watch: trials are time-based, not event-based, so once an hour every trial ending within the longest
 * window a trial rule may have becomes a `trial.ending` event in the organization's log — once per trial, day
 * left and card status — for the alert evaluation to weigh against each rule's own window (`alerts.rules.ts`).
 * Only organizations with an enabled trial rule are watched, so the log does not fill for nobody.
 *
 * A card is on file when the subscription names a payment method or the customer has a default one: Stripe
 * charges the subscription's `default_payment_method`/`default_source` first, else the customer's
 * `invoice_settings.default_payment_method`/`default_source`
 * (https://docs.stripe.com/api/subscriptions/object#subscription_object-default_payment_method).
 */
export function createTrialWatch(deps: { db: Kysely<Database> }) {
  return {
    /** Logs the `trial.ending` events due at `now`; answers how many were new. */
    async watch(now: Date = new Date()): Promise<number> {
      const result = await sql`
        insert into org_events (org_id, type, customer_external_id, payload, occurred_at, dedup_key)
        select t.org_id, 'trial.ending', t.customer,
               jsonb_build_object('subscriptionId', t.subscription, 'trialEnd', t.trial_end_unix, 'hasPaymentMethod', t.has_pm,
                                  'planName', t.plan_name, 'daysLeft', t.days_left),
               ${now}::timestamptz,
               'trial.ending:' || t.subscription || ':' || t.trial_end_unix || ':' || t.days_left || ':' || t.has_pm
        from (
          select s.org_id, s.stripe_subscription_id as subscription, s.stripe_customer_id as customer, s.plan_name,
                 extract(epoch from s.trial_end)::bigint as trial_end_unix,
                 ceil(extract(epoch from s.trial_end - ${now}::timestamptz) / 86400)::int as days_left,
                 coalesce(s.has_payment_method, false) or coalesce(c.has_payment_method, false) as has_pm
          from subscriptions s
          join customers c on c.org_id = s.org_id and c.external_id = s.stripe_customer_id and c.deleted_at is null
          where s.status = 'trialing'
            and s.trial_end > ${now}::timestamptz
            and s.trial_end <= ${now}::timestamptz + make_interval(days => ${TRIAL_WINDOW_DAYS})
            and s.org_id in (select org_id from alert_rules where enabled and kind in ('trial_ending', 'trial_card_missing'))
        ) t
        on conflict (org_id, dedup_key) do nothing`.execute(deps.db);
      return Number(result.numAffectedRows ?? 0);
    },
  };
}

import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/db/schema.js';

/**
 * A business of `n` customers written straight into the tables a sync fills (the sync has its own benchmark):
 * one monthly subscription each (a few canceled, past due or in trial), twelve months of invoices (as a sync imports), and
 * charges with some failures. Deterministic: everything derives from the customer's number.
 */
export async function seedBusiness(db: Kysely<Database>, orgId: string, n: number): Promise<void> {
  await sql`
    insert into customers (org_id, external_id, email, name, currency, first_seen_at, score_dirty_at)
    select ${orgId}, 'cus_b' || lpad(i::text, 7, '0'), 'customer' || i || '@example.com',
           (array['Acme','Globex','Initech','Umbrella','Stark','Wayne','Wonka','Tyrell'])[1 + i % 8] || ' ' || i,
           'usd', now() - make_interval(days => 30 + i % 700), null
    from generate_series(1, ${n}) as i`.execute(db);
  await sql`
    insert into subscriptions (org_id, stripe_subscription_id, stripe_customer_id, status, plan_name, amount_cents, currency,
      interval, interval_count, current_period_start, current_period_end, cancel_at_period_end, canceled_at, started_at, items, discounts)
    select ${orgId}, 'sub_b' || lpad(i::text, 7, '0'), 'cus_b' || lpad(i::text, 7, '0'),
      case when i % 17 = 0 then 'canceled' when i % 13 = 0 then 'past_due' when i % 29 = 0 then 'trialing' else 'active' end,
      'Pro', 2900 + (i % 10) * 1000, 'usd', 'month', 1, now() - interval '10 days', now() + interval '20 days', i % 23 = 0,
      case when i % 17 = 0 then now() - interval '20 days' end, now() - make_interval(days => 30 + i % 700),
      jsonb_build_array(jsonb_build_object('id', 'si_b' || i, 'price_id', 'price_pro', 'product_id', 'prod_pro', 'product_name', 'Pro',
        'currency', 'usd', 'billing_scheme', 'per_unit', 'unit_amount', 2900 + (i % 10) * 1000, 'unit_amount_decimal', null,
        'tiers_mode', null, 'tiers', null, 'transform_quantity', null, 'interval', 'month', 'interval_count', 1,
        'usage_type', 'licensed', 'quantity', 1 + i % 3, 'discounts', '[]'::jsonb)),
      '[]'::jsonb
    from generate_series(1, ${n}) as i`.execute(db);
  await sql`
    insert into invoices (org_id, stripe_invoice_id, stripe_customer_id, stripe_subscription_id, status, currency, subtotal_cents,
      total_cents, amount_due_cents, amount_paid_cents, period_start, period_end, issued_at, paid_at, lines)
    select ${orgId}, 'in_b' || i || '_' || m, 'cus_b' || lpad(i::text, 7, '0'), 'sub_b' || lpad(i::text, 7, '0'), 'paid', 'usd',
      amt, amt, amt, amt, ps, ps + interval '30 days', ps, ps,
      jsonb_build_array(jsonb_build_object('id', 'il_b' || i || '_' || m, 'amount', amt, 'quantity', 1,
        'period_start', extract(epoch from ps)::bigint, 'period_end', extract(epoch from ps + interval '30 days')::bigint,
        'subscription_item', 'si_b' || i, 'price_id', 'price_pro', 'description', 'Pro'))
    from generate_series(1, ${n}) as i, generate_series(0, 11) as m,
      lateral (select now() - make_interval(days => 10 + 30 * m) as ps,
                      (2900 + (i % 10) * 1000) * (1 + i % 3) - case when m = 3 and i % 7 = 0 then 1000 else 0 end as amt) x
    where not (i % 17 = 0 and m = 0)`.execute(db);
  await sql`
    insert into payments (org_id, stripe_payment_id, stripe_customer_id, amount_cents, currency, status, failure_code, failure_message, paid_at)
    select ${orgId}, 'ch_b' || i || '_' || m, 'cus_b' || lpad(i::text, 7, '0'), 2900, 'usd',
      case when (i % 13 = 0 and m < 2) or (i % 31 = 0 and m = 0) then 'failed' else 'succeeded' end,
      case when i % 13 = 0 and m < 2 then 'insufficient_funds' when i % 31 = 0 and m = 0 then 'stolen_card' end, null,
      now() - make_interval(days => 10 + 30 * m)
    from generate_series(1, ${n}) as i, generate_series(0, 2) as m
    where not (i % 17 = 0 and m = 0)`.execute(db);
  await sql`analyze`.execute(db);
}

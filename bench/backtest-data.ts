import { type Kysely, sql } from 'kysely';
import type { Database } from '../src/db/schema.js';

/**
 * A business of `n` customers with a year of history written straight into the tables a sync fills, for the
 * backtest benchmark: one monthly subscription each, started about a year ago, with twelve months of invoices (as
 * a sync imports) and the last 90 days of charges (the sync's charge window). Deterministic: everything derives
 * from the customer's number `i`.
 *
 * - every 10th customer cancels (voluntary) somewhere in the year; half of them downgraded in the three months before;
 * - every 20th (offset 5) has its renewals fail for five weeks and is then canceled for `payment_failed`;
 * - every 50th (offset 7) went `unpaid` after its renewals began to fail;
 * - every 7th (offset 3) pays every fourth invoice six days late; every 31st had one declined charge it recovered from.
 */
export async function seedBacktestBusiness(db: Kysely<Database>, orgId: string, n: number): Promise<void> {
  // One transaction: the temporary table of fates lives on its connection.
  await db.transaction().execute((trx) => seed(trx, orgId, n));
  await sql`analyze`.execute(db);
}

async function seed(db: Kysely<Database>, orgId: string, n: number): Promise<void> {
  await sql`
    insert into customers (org_id, external_id, email, name, currency, first_seen_at)
    select ${orgId}, 'cus_t' || lpad(i::text, 7, '0'), 'customer' || i || '@example.com',
           (array['Acme','Globex','Initech','Umbrella','Stark','Wayne','Wonka','Tyrell'])[1 + i % 8] || ' ' || i,
           'usd', now() - make_interval(days => 340 + i % 25)
    from generate_series(1, ${n}) as i`.execute(db);
  // The plan each customer is on, and its fate: the days ago its subscription was canceled or began to fail.
  await sql`
    create temporary table bench_fates on commit drop as
    select i,
      case when i % 10 = 0 then 'voluntary' when i % 20 = 5 then 'involuntary' when i % 50 = 7 then 'unpaid' end as fate,
      now() - make_interval(days => 340 + i % 25) as started,
      now() - make_interval(days => 10 + (i * 37) % 320) as ends,
      (2900 + (i % 10) * 1000) * (1 + i % 3) as amount
    from generate_series(1, ${n}) as i`.execute(db);
  await sql`
    insert into subscriptions (org_id, stripe_subscription_id, stripe_customer_id, status, plan_name, amount_cents, currency,
      interval, interval_count, current_period_start, current_period_end, cancel_at_period_end, canceled_at, ended_at,
      cancellation_reason, started_at, items, discounts)
    select ${orgId}, 'sub_t' || lpad(i::text, 7, '0'), 'cus_t' || lpad(i::text, 7, '0'),
      case fate when 'voluntary' then 'canceled' when 'involuntary' then 'canceled' when 'unpaid' then 'unpaid' else 'active' end,
      'Pro', amount, 'usd', 'month', 1, now() - interval '10 days', now() + interval '20 days', false,
      case when fate in ('voluntary', 'involuntary') then ends end, case when fate in ('voluntary', 'involuntary') then ends end,
      case fate when 'voluntary' then 'cancellation_requested' when 'involuntary' then 'payment_failed' end,
      started,
      jsonb_build_array(jsonb_build_object('id', 'si_t' || i, 'price_id', 'price_pro', 'product_id', 'prod_pro', 'product_name', 'Pro',
        'currency', 'usd', 'billing_scheme', 'per_unit', 'unit_amount', amount, 'unit_amount_decimal', null,
        'tiers_mode', null, 'tiers', null, 'transform_quantity', null, 'interval', 'month', 'interval_count', 1,
        'usage_type', 'licensed', 'quantity', 1, 'discounts', '[]'::jsonb)),
      '[]'::jsonb
    from bench_fates`.execute(db);
  // Monthly invoices from the start on: failing ones stay open; a downgrade halves the last three before a cancellation.
  await sql`
    insert into invoices (org_id, stripe_invoice_id, stripe_customer_id, stripe_subscription_id, status, currency, subtotal_cents,
      total_cents, amount_due_cents, amount_paid_cents, period_start, period_end, issued_at, paid_at, lines)
    select ${orgId}, 'in_t' || i || '_' || m, 'cus_t' || lpad(i::text, 7, '0'), 'sub_t' || lpad(i::text, 7, '0'),
      case when failing then 'open' else 'paid' end, 'usd', amt, amt, amt, case when failing then 0 else amt end,
      ps, ps + interval '30 days', ps,
      case when failing then null when i % 7 = 3 and m % 4 = 1 then ps + interval '6 days' else ps end,
      jsonb_build_array(jsonb_build_object('id', 'il_t' || i || '_' || m, 'amount', amt, 'quantity', 1,
        'period_start', extract(epoch from ps)::bigint, 'period_end', extract(epoch from ps + interval '30 days')::bigint,
        'subscription_item', 'si_t' || i, 'price_id', 'price_pro', 'description', 'Pro'))
    from bench_fates f, generate_series(0, 11) as m,
      lateral (select f.started + make_interval(days => 30 * m) as ps) p,
      lateral (select
        (f.fate = 'involuntary' and ps >= f.ends - interval '35 days') or (f.fate = 'unpaid' and ps >= f.ends) as failing,
        case when f.fate = 'voluntary' and i % 20 = 0 and ps >= f.ends - interval '90 days' then f.amount / 2 else f.amount end as amt) x
    where ps <= now() and (f.fate not in ('voluntary', 'involuntary') or ps < f.ends)`.execute(db);
  // The charges of the last 90 days: each paid invoice's payment, three failed attempts on each open one, and the
  // odd declined charge of customers who then paid.
  await sql`
    insert into payments (org_id, stripe_payment_id, stripe_customer_id, amount_cents, currency, status, failure_code, failure_message, paid_at)
    select ${orgId}, 'ch_' || i.stripe_invoice_id, i.stripe_customer_id, i.total_cents, 'usd', 'succeeded', null, null, i.paid_at
    from invoices i where i.org_id = ${orgId} and i.paid_at > now() - interval '90 days'
    union all
    select ${orgId}, 'ch_' || i.stripe_invoice_id || '_' || k, i.stripe_customer_id, i.total_cents, 'usd', 'failed',
      case when k = 1 then 'card_declined' else 'insufficient_funds' end, null, i.issued_at + make_interval(days => 2 * k)
    from invoices i, generate_series(0, 2) as k
    where i.org_id = ${orgId} and i.status = 'open' and i.issued_at + make_interval(days => 2 * k) > now() - interval '90 days'
      and i.issued_at + make_interval(days => 2 * k) <= now()
    union all
    select ${orgId}, 'ch_t_declined_' || i, 'cus_t' || lpad(i::text, 7, '0'), 4900, 'usd', 'failed', 'card_declined', null,
      now() - make_interval(days => 5 + i % 80)
    from generate_series(1, ${n}) as i where i % 31 = 0`.execute(db);
}

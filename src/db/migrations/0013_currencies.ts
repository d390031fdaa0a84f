import { type Kysely, sql } from 'kysely';

// Honest currencies: the organization's reporting currency (none stored = the default rule, see
// src/revenue/exchange-rates.ts) and the exchange rates it sets, each used from its day on. Several days per pair
// are kept: amounts of the past are converted with the rate of their day.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- reporting_currency: chosen by an admin (null: the default rule). default_currency: what the rule gave when
    -- last worked out (at default_at), so that every list request does not count the customers again.
    create table currency_settings (
      org_id text primary key references organizations (id) on delete cascade,
      reporting_currency text check (reporting_currency ~ '^[a-z]{3}$'),
      default_currency text check (default_currency ~ '^[a-z]{3}$'),
      default_at timestamptz,
      updated_by text references users (id) on delete set null,
      updated_at timestamptz not null default now()
    );

    create table exchange_rates (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      base text not null check (base ~ '^[a-z]{3}$'),
      quote text not null check (quote ~ '^[a-z]{3}$' and quote <> base),
      -- 1 base = rate quote, in major units.
      rate numeric(24, 12) not null check (rate > 0),
      effective_from date not null,
      created_by text references users (id) on delete set null,
      created_at timestamptz not null default now(),
      unique (org_id, base, quote, effective_from)
    );
  `.execute(db);
}

import { type Kysely, sql } from 'kysely';

// Stripe as it really is. The sync reads prices (with tiers), products and coupons as lists of their own and
// joins them locally, because Stripe refuses expansions deeper than four levels; refunds, uncaptured charges
// and disputes are stored; objects that cannot be mapped are recorded per run instead of failing it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A charge is a successful payment only when captured and not fully refunded.
    alter table payments drop constraint payments_status_check;
    alter table payments add constraint payments_status_check
      check (status in ('succeeded', 'failed', 'pending', 'refunded', 'uncaptured'));
    alter table payments
      add column amount_refunded_cents bigint not null default 0,
      add column captured boolean not null default true,
      add column refunded boolean not null default false,
      add column disputed boolean not null default false;

    -- Prices (with their tiers), products and coupons of the connected account, keyed by type and id (a
    -- coupon's id is chosen by the account and may look like anything).
    create table stripe_catalog (
      org_id text not null references organizations (id) on delete cascade,
      object_type text not null check (object_type in ('price', 'product', 'coupon')),
      stripe_id text not null,
      data jsonb not null,
      deleted boolean not null default false,
      source_ts bigint not null default 0,
      source_event_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (org_id, object_type, stripe_id)
    );

    create table refunds (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      stripe_refund_id text not null,
      stripe_charge_id text,
      amount_cents bigint not null,
      currency text not null,
      status text not null,
      reason text,
      refunded_at timestamptz not null,
      source_ts bigint not null default 0,
      source_event_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, stripe_refund_id)
    );
    create index refunds_charge_idx on refunds (org_id, stripe_charge_id);

    create table disputes (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      stripe_dispute_id text not null,
      stripe_charge_id text not null,
      stripe_customer_id text,
      amount_cents bigint not null,
      currency text not null,
      status text not null,
      reason text,
      opened_at timestamptz not null,
      evidence_due_by timestamptz,
      source_ts bigint not null default 0,
      source_event_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, stripe_dispute_id)
    );
    create index disputes_customer_idx on disputes (org_id, stripe_customer_id);

    -- Objects a sync could not import, with why: shown in the sync status, counted once per run.
    create table sync_skipped (
      run_id uuid not null references sync_runs (id) on delete cascade,
      org_id text not null references organizations (id) on delete cascade,
      object_type text not null,
      object_id text not null,
      reason text not null,
      created_at timestamptz not null default now(),
      primary key (run_id, object_type, object_id)
    );
  `.execute(db);
}

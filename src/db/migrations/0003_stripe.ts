import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table stripe_connections (
      id uuid primary key default gen_random_uuid(),
      org_id text not null unique references organizations (id) on delete cascade,
      stripe_account_id text not null,
      livemode boolean not null,
      scope text not null,
      status text not null check (status in ('connected', 'disconnected')),
      access_token_enc text,
      refresh_token_enc text,
      webhook_secret_enc text,
      -- Identifies the connection on its own webhook path, so an account-level endpoint is attributed in O(1).
      webhook_token text not null unique,
      connected_by text references users (id) on delete set null,
      connected_at timestamptz not null default now(),
      disconnected_at timestamptz,
      disconnect_reason text,
      updated_at timestamptz not null default now()
    );
    create index stripe_connections_account_idx on stripe_connections (stripe_account_id) where status = 'connected';

    create table oauth_states (
      id uuid primary key,
      org_id text not null references organizations (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    );

    create table sync_runs (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      kind text not null check (kind in ('initial', 'manual')),
      status text not null check (status in ('running', 'succeeded', 'failed', 'canceled')),
      phase text not null default 'starting',
      -- Per stream (customers, subscriptions, charges, invoices): the next page's cursor and whether it is done.
      cursors jsonb not null default '{}',
      counts jsonb not null default '{}',
      error text,
      owner_token uuid,
      heartbeat_at timestamptz,
      requested_by text references users (id) on delete set null,
      started_at timestamptz not null default now(),
      finished_at timestamptz
    );
    create unique index sync_runs_one_running_idx on sync_runs (org_id) where status = 'running';
    create index sync_runs_org_idx on sync_runs (org_id, started_at desc);

    create table customers (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      external_id text not null,
      email text,
      name text,
      currency text,
      first_seen_at timestamptz not null,
      metadata jsonb not null default '{}',
      deleted_at timestamptz,
      last_seen_at timestamptz,
      score_dirty_at timestamptz,
      -- Unix time of the Stripe state this row reflects; older events never overwrite it.
      source_ts bigint not null default 0,
      source_event_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, external_id)
    );

    create table subscriptions (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      stripe_subscription_id text not null,
      stripe_customer_id text not null,
      status text not null,
      plan_name text,
      amount_cents bigint not null default 0,
      currency text not null,
      interval text,
      interval_count integer not null default 1,
      current_period_start timestamptz,
      current_period_end timestamptz,
      cancel_at_period_end boolean not null default false,
      cancel_at timestamptz,
      canceled_at timestamptz,
      ended_at timestamptz,
      trial_start timestamptz,
      trial_end timestamptz,
      started_at timestamptz,
      items jsonb not null default '[]',
      discounts jsonb not null default '[]',
      source_ts bigint not null default 0,
      source_event_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, stripe_subscription_id)
    );
    create index subscriptions_customer_idx on subscriptions (org_id, stripe_customer_id);

    create table payments (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      stripe_payment_id text not null,
      stripe_customer_id text not null,
      amount_cents bigint not null,
      currency text not null,
      status text not null check (status in ('succeeded', 'failed', 'pending')),
      failure_code text,
      failure_message text,
      paid_at timestamptz not null,
      source_ts bigint not null default 0,
      source_event_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, stripe_payment_id)
    );
    create index payments_customer_idx on payments (org_id, stripe_customer_id, paid_at desc);

    create table invoices (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      stripe_invoice_id text not null,
      stripe_customer_id text not null,
      stripe_subscription_id text,
      status text not null,
      currency text not null,
      subtotal_cents bigint not null,
      total_cents bigint not null,
      amount_due_cents bigint not null,
      amount_paid_cents bigint not null,
      period_start timestamptz,
      period_end timestamptz,
      issued_at timestamptz not null,
      paid_at timestamptz,
      lines jsonb not null default '[]',
      source_ts bigint not null default 0,
      source_event_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, stripe_invoice_id)
    );
    create index invoices_customer_idx on invoices (org_id, stripe_customer_id, issued_at desc);

    create table stripe_events (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      stripe_event_id text not null,
      type text not null,
      stripe_created bigint not null,
      payload jsonb not null,
      status text not null default 'pending' check (status in ('pending', 'processed', 'skipped', 'failed')),
      attempts integer not null default 0,
      error text,
      received_at timestamptz not null default now(),
      processed_at timestamptz,
      unique (org_id, stripe_event_id)
    );

    -- The organization's event log: what happened to its customers (payment.failed, …), for alerts and timelines.
    create table org_events (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      type text not null,
      customer_external_id text,
      payload jsonb not null default '{}',
      occurred_at timestamptz not null,
      dedup_key text not null,
      created_at timestamptz not null default now(),
      unique (org_id, dedup_key)
    );
    create index org_events_org_idx on org_events (org_id, created_at desc);
  `.execute(db);
}

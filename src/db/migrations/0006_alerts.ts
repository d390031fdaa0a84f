import { type Kysely, sql } from 'kysely';

// Alert rules, their per-customer state (cooldown and hysteresis), fired alerts, deliveries per channel,
// in-app notifications and weekly-digest subscriptions. Alerts are evaluated from the organization's event log.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table org_events add column alerts_at timestamptz;
    -- Events from before alerts existed are history, not news.
    update org_events set alerts_at = now();
    create index org_events_alerts_pending_idx on org_events (created_at) where alerts_at is null;

    create table alert_rules (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      name text not null,
      kind text not null check (kind in ('score_below', 'score_drop', 'risk_level', 'payment_failed', 'subscription_canceled')),
      params jsonb not null default '{}',
      min_mrr numeric,
      email_to jsonb not null default '[]',
      in_app boolean not null default true,
      slack_url_enc text,
      webhook_url text,
      webhook_secret_enc text,
      cooldown_minutes integer not null default 1440 check (cooldown_minutes >= 0),
      enabled boolean not null default true,
      created_by text references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index alert_rules_org_idx on alert_rules (org_id) where enabled;

    create table alert_states (
      rule_id uuid not null references alert_rules (id) on delete cascade,
      customer_id uuid not null references customers (id) on delete cascade,
      active boolean not null,
      last_fired_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (rule_id, customer_id)
    );

    create table alerts (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      rule_id uuid not null references alert_rules (id) on delete cascade,
      customer_id uuid references customers (id) on delete set null,
      event_id uuid,
      situation text not null,
      title text not null,
      body text not null,
      link text not null,
      created_at timestamptz not null default now(),
      unique (rule_id, situation)
    );
    create index alerts_org_idx on alerts (org_id, created_at desc);

    create table alert_deliveries (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      alert_id uuid not null references alerts (id) on delete cascade,
      channel text not null check (channel in ('email', 'in_app', 'slack', 'webhook')),
      target text not null,
      status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
      attempts integer not null default 0,
      error text,
      -- Email goes through the mail outbox, which retries SMTP and records the outcome.
      mail_id uuid references mail_outbox (id) on delete set null,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      unique (alert_id, channel, target)
    );
    create index alert_deliveries_org_idx on alert_deliveries (org_id, created_at desc);

    create table notifications (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      alert_id uuid references alerts (id) on delete cascade,
      title text not null,
      body text not null,
      link text not null,
      read_at timestamptz,
      created_at timestamptz not null default now(),
      unique (alert_id, user_id)
    );
    create index notifications_user_idx on notifications (org_id, user_id, created_at desc);

    create table digest_subscriptions (
      org_id text not null references organizations (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      created_at timestamptz not null default now(),
      primary key (org_id, user_id)
    );
  `.execute(db);
}

import { type Kysely, sql } from 'kysely';

// The other 30 % of the score: product usage (Segment-compatible events, kept raw for a retention period and
// rolled up per customer and day), support tickets, the team's own sentiment with an expiry, and who owns a
// customer. Raw events are deduplicated by (organization, messageId); re-scores read the rollups only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table usage_settings (
      org_id text primary key references organizations (id) on delete cascade,
      match_by text not null default 'trait' check (match_by in ('trait', 'metadata', 'email_domain')),
      metadata_key text,
      raw_retention_days int not null default 30 check (raw_retention_days between 7 and 365),
      sentiment_days int not null default 30 check (sentiment_days between 1 and 365),
      updated_by text,
      updated_at timestamptz not null default now()
    );

    -- state: 0 waiting for the rollup, 1 rolled up, 2 matched to no customer yet (waits for a mapping).
    create table usage_events (
      id bigint generated always as identity primary key,
      org_id text not null references organizations (id) on delete cascade,
      message_id text not null,
      type text not null check (type in ('identify', 'track', 'group', 'page', 'screen')),
      event text,
      user_id text,
      anonymous_id text,
      group_id text,
      customer_id uuid,
      state smallint not null default 0,
      occurred_at timestamptz not null,
      received_at timestamptz not null default now(),
      payload jsonb not null,
      unique (org_id, message_id)
    );
    create index usage_events_pending_idx on usage_events (id) where state = 0;
    create index usage_events_waiting_idx on usage_events (org_id, group_id, user_id) where state = 2;
    create index usage_events_received_idx on usage_events using brin (received_at);

    create table usage_groups (
      org_id text not null references organizations (id) on delete cascade,
      group_id text not null,
      customer_id uuid references customers (id) on delete set null,
      matched_by text check (matched_by in ('trait', 'metadata', 'email_domain', 'manual')),
      traits jsonb not null default '{}',
      events bigint not null default 0,
      first_seen_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      primary key (org_id, group_id)
    );
    create index usage_groups_unmatched_idx on usage_groups (org_id, last_seen_at desc) where customer_id is null;

    create table usage_users (
      org_id text not null references organizations (id) on delete cascade,
      user_key text not null,
      group_id text,
      email text,
      customer_id uuid references customers (id) on delete set null,
      matched_by text check (matched_by in ('trait', 'metadata', 'email_domain', 'manual', 'group')),
      traits jsonb not null default '{}',
      events bigint not null default 0,
      first_seen_at timestamptz not null default now(),
      last_seen_at timestamptz not null default now(),
      primary key (org_id, user_key)
    );
    create index usage_users_unmatched_idx on usage_users (org_id, last_seen_at desc) where customer_id is null;

    -- Daily aggregates per customer and event name, and per customer and day (events, distinct active users).
    create table usage_daily (
      org_id text not null,
      customer_id uuid not null references customers (id) on delete cascade,
      day date not null,
      event text not null,
      events int not null,
      primary key (customer_id, day, event)
    );
    create table usage_daily_users (
      org_id text not null,
      customer_id uuid not null references customers (id) on delete cascade,
      day date not null,
      users int not null default 0,
      events int not null default 0,
      primary key (customer_id, day)
    );
    -- Who was active on a recent day (to count distinct users as late events arrive); pruned after two weeks.
    create table usage_user_days (
      customer_id uuid not null references customers (id) on delete cascade,
      day date not null,
      user_key text not null,
      primary key (customer_id, day, user_key)
    );

    create table support_tickets (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      external_id text not null,
      customer_id uuid references customers (id) on delete set null,
      group_id text,
      user_key text,
      subject text,
      priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
      status text not null default 'open' check (status in ('open', 'solved')),
      opened_at timestamptz not null,
      solved_at timestamptz,
      satisfaction real check (satisfaction between 0 and 1),
      source text not null check (source in ('segment', 'api', 'csv')),
      updated_at timestamptz not null default now(),
      unique (org_id, external_id)
    );
    create index support_tickets_customer_idx on support_tickets (customer_id, opened_at desc);
    create index support_tickets_unmatched_idx on support_tickets (org_id) where customer_id is null;

    create table csm_sentiments (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      customer_id uuid not null references customers (id) on delete cascade,
      rating smallint not null check (rating between 1 and 5),
      note text not null default '',
      created_by text references users (id) on delete set null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create index csm_sentiments_customer_idx on csm_sentiments (customer_id, created_at desc);

    create table customer_owners (
      customer_id uuid primary key references customers (id) on delete cascade,
      org_id text not null references organizations (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      assigned_by text,
      assigned_at timestamptz not null default now()
    );

    create table data_imports (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      kind text not null check (kind in ('usage', 'tickets')),
      filename text,
      status text not null check (status in ('imported', 'rejected')),
      rows int not null,
      errors jsonb not null default '[]',
      created_by text,
      created_at timestamptz not null default now()
    );
    create index data_imports_org_idx on data_imports (org_id, created_at desc);
  `.execute(db);
}

import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      org_id text not null references organizations (id) on delete cascade,
      name text not null,
      role text not null check (role in ('admin', 'member')),
      prefix text not null,
      key_hash text not null unique,
      created_by text references users (id) on delete set null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create index api_keys_org_id_idx on api_keys (org_id);
    create table mail_outbox (
      id uuid primary key default gen_random_uuid(),
      org_id text references organizations (id) on delete cascade,
      to_address text not null,
      subject text not null,
      text_body text not null,
      html_body text not null,
      status text not null default 'queued' check (status in ('queued', 'sent', 'logged', 'failed')),
      attempts integer not null default 0,
      last_error text,
      created_at timestamptz not null default now(),
      sent_at timestamptz
    );
    create index mail_outbox_created_at_idx on mail_outbox (created_at);
  `.execute(db);
}

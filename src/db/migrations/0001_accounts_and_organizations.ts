import { type Kysely, sql } from 'kysely';

// Tables owned by better-auth (users, sessions, organizations...), in the shape its adapter expects,
// with snake_case columns and the constraints the product relies on.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id text primary key,
      name text not null,
      email text not null unique,
      email_verified boolean not null default false,
      image text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create table sessions (
      id text primary key,
      expires_at timestamptz not null,
      token text not null unique,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      ip_address text,
      user_agent text,
      user_id text not null references users (id) on delete cascade,
      active_organization_id text
    );
    create index sessions_user_id_idx on sessions (user_id);
    create table accounts (
      id text primary key,
      account_id text not null,
      provider_id text not null,
      user_id text not null references users (id) on delete cascade,
      access_token text,
      refresh_token text,
      id_token text,
      access_token_expires_at timestamptz,
      refresh_token_expires_at timestamptz,
      scope text,
      password text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index accounts_user_id_idx on accounts (user_id);
    create table verifications (
      id text primary key,
      identifier text not null,
      value text not null,
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index verifications_identifier_idx on verifications (identifier);
    create table organizations (
      id text primary key,
      name text not null,
      slug text not null unique,
      logo text,
      metadata text,
      created_at timestamptz not null default now()
    );
    create table members (
      id text primary key,
      org_id text not null references organizations (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      role text not null check (role in ('owner', 'admin', 'member')),
      created_at timestamptz not null default now(),
      unique (org_id, user_id)
    );
    create index members_user_id_idx on members (user_id);
    create table invitations (
      id text primary key,
      org_id text not null references organizations (id) on delete cascade,
      email text not null,
      role text not null check (role in ('owner', 'admin', 'member')),
      status text not null check (status in ('pending', 'accepted', 'rejected', 'canceled')),
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      inviter_id text not null references users (id) on delete cascade
    );
    create index invitations_org_id_idx on invitations (org_id);
    create index invitations_email_idx on invitations (lower(email));
    create table rate_limits (
      id text primary key,
      key text not null unique,
      count integer not null,
      last_request bigint not null
    );
  `.execute(db);
}

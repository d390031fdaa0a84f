import { type Kysely, sql } from 'kysely';

// Invitations are accepted with a secret emailed token, never with an id another member can read: the token's
// SHA-256 finds the invitation, and the token itself is kept sealed (AES-256-GCM) so that admins can copy the
// link again. Failed logins are counted per account, beside the per-address limit.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table invitations
      add column token_hash text unique,
      add column token_enc text;

    create table login_failures (
      email text primary key,
      failures integer not null default 0,
      first_failed_at timestamptz not null default now(),
      locked_until timestamptz
    );
  `.execute(db);
}

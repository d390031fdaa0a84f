import { type Kysely, sql } from 'kysely';

// Stripe events are processed from their own table in batches (claimed with SKIP LOCKED), not one queue job
// each: intake stays a single insert, and one wake-up job drains whatever has arrived.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table stripe_events drop constraint stripe_events_status_check;
    alter table stripe_events add constraint stripe_events_status_check check (status in ('pending', 'processing', 'processed', 'skipped', 'failed'));
    alter table stripe_events add column next_attempt_at timestamptz not null default now();
    alter table stripe_events add column claimed_at timestamptz;
    create index stripe_events_pending_idx on stripe_events (next_attempt_at) where status = 'pending';
    create index stripe_events_processing_idx on stripe_events (claimed_at) where status = 'processing';
  `.execute(db);
}

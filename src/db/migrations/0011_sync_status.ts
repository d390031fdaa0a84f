import { type Kysely, sql } from 'kysely';

// The sync status tells the truth: a retry in progress (why, which attempt, when the next one is), what to do
// about a run that failed, who dismissed a finished run's banner, who disconnected Stripe, and when the last webhook event came.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table sync_runs
      add column retry jsonb,
      add column advice text,
      add column dismissed_by jsonb not null default '[]';
    alter table stripe_connections add column disconnected_by text;
    -- "Last event received" on the Integrations page reads the newest event of an organization.
    create index stripe_events_received_idx on stripe_events (org_id, received_at desc);
  `.execute(db);
}

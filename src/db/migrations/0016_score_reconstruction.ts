import { type Kysely, sql } from 'kysely';

// The score reconstructed weekly over the synced history (marked as such, apart from the live score history), the
// churns found in that history, and one row per organization saying when it was last rebuilt.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table score_reconstructions (
      org_id text not null references organizations (id) on delete cascade,
      customer_id uuid not null references customers (id) on delete cascade,
      at timestamptz not null,
      score smallint,
      risk_level text check (risk_level in ('green', 'yellow', 'red')),
      lifecycle_state text not null,
      factors jsonb not null,
      primary key (customer_id, at)
    );
    create index score_reconstructions_org_idx on score_reconstructions (org_id, at);
    create table reconstructed_churns (
      org_id text not null references organizations (id) on delete cascade,
      customer_id uuid primary key references customers (id) on delete cascade,
      churned_at timestamptz not null,
      kind text not null check (kind in ('voluntary', 'involuntary')),
      mrr numeric,
      currency text
    );
    create index reconstructed_churns_org_idx on reconstructed_churns (org_id, churned_at);
    create table reconstruction_runs (
      org_id text primary key references organizations (id) on delete cascade,
      status text not null check (status in ('running', 'done', 'failed')),
      started_at timestamptz not null,
      finished_at timestamptz,
      history_start timestamptz,
      history_end timestamptz,
      customers integer not null default 0,
      points integer not null default 0,
      error text
    );
  `.execute(db);
}

import { type Kysely, sql } from 'kysely';

// Scores, MRR and their histories. The current score and MRR live on the customer row so that the customers
// list filters, sorts and pages with one indexed query; histories are their own tables.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create extension if not exists pg_trgm;

    alter table customers
      add column mrr numeric not null default 0,
      add column mrr_currency text,
      add column mrr_major numeric not null default 0,
      add column mrr_by_currency jsonb not null default '{}',
      add column last_payment_at timestamptz,
      add column score smallint check (score between 0 and 100),
      add column risk_level text check (risk_level in ('green', 'yellow', 'red')),
      add column score_factors jsonb not null default '[]',
      add column score_absent jsonb not null default '[]',
      add column score_explanation text,
      add column scored_at timestamptz,
      -- Digests of what was last written, so that a re-score that changes nothing writes nothing.
      add column score_fingerprint text,
      add column mrr_fingerprint text;

    create index customers_score_idx on customers (org_id, score, id) where deleted_at is null;
    create index customers_mrr_idx on customers (org_id, mrr_major, id) where deleted_at is null;
    create index customers_last_payment_idx on customers (org_id, last_payment_at, id) where deleted_at is null;
    create index customers_name_idx on customers (org_id, lower(coalesce(name, email, external_id)), id) where deleted_at is null;
    create index customers_search_idx on customers using gin ((coalesce(name, '') || ' ' || coalesce(email, '')) gin_trgm_ops);
    create index customers_dirty_idx on customers (org_id, score_dirty_at) where score_dirty_at is not null;

    create table scoring_configs (
      org_id text primary key references organizations (id) on delete cascade,
      config jsonb not null,
      updated_by text references users (id) on delete set null,
      updated_at timestamptz not null default now()
    );

    -- One row per computation that changed a customer's score or level (never for an unchanged recomputation).
    create table score_history (
      id bigserial primary key,
      org_id text not null references organizations (id) on delete cascade,
      customer_id uuid not null references customers (id) on delete cascade,
      score smallint,
      risk_level text,
      previous_score smallint,
      previous_level text,
      factors jsonb not null,
      changed jsonb not null,
      reason text not null,
      computed_at timestamptz not null
    );
    create index score_history_customer_idx on score_history (org_id, customer_id, computed_at desc);
    create index score_history_org_idx on score_history (org_id, computed_at);

    -- A customer's MRR as a step function per currency: each row holds from valid_from until valid_to (open = now),
    -- and carries the movement that led into it.
    create table mrr_history (
      org_id text not null references organizations (id) on delete cascade,
      customer_id uuid not null references customers (id) on delete cascade,
      currency text not null,
      valid_from timestamptz not null,
      valid_to timestamptz,
      mrr numeric not null,
      movement text not null check (movement in ('new', 'expansion', 'contraction', 'churn', 'reactivation')),
      delta numeric not null,
      primary key (customer_id, currency, valid_from)
    );
    create index mrr_history_org_idx on mrr_history (org_id, valid_from);
  `.execute(db);
}

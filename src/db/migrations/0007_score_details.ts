import { type Kysely, sql } from 'kysely';

// What a score is made of moves off the customer row into its own narrow table, and is stored independent of the
// configuration: each factor's value and sentence (or why it is absent). Weights, points and the score's own
// sentence are derived from it when read, so a configuration change rewrites no explanation; relative times in
// sentences are rendered when read, so a daily re-score rewrites only what really moved. Beside them, what the
// invoices say about MRR, so that a re-score reads invoices only when they changed. The customer row keeps
// what the list sorts and filters by (score, level, MRR), and is rewritten only when one of those changes; its
// search index now also covers the organization and the risk level.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table customer_scores (
      customer_id uuid primary key references customers (id) on delete cascade,
      org_id text not null,
      -- { factor name: { value, explanation } | { reason } }
      factors jsonb not null,
      -- What the customer's invoices say about its MRR (\`invoicePoints\`), kept so that re-scores while its
      -- billing data is unchanged need not read every invoice again; refreshed when stale or data changes.
      invoice_points jsonb,
      invoice_points_at timestamptz,
      -- Digest of what was last written, so that a re-score that changes nothing writes nothing.
      fingerprint text,
      scored_at timestamptz not null
    ) with (fillfactor = 90);

    insert into customer_scores (customer_id, org_id, factors, scored_at)
    select c.id, c.org_id,
      coalesce((select jsonb_object_agg(a ->> 'name', case when a ? 'value'
                  then jsonb_build_object('value', a -> 'value', 'explanation', coalesce(a -> 'explanation', '""'))
                  else jsonb_build_object('reason', a -> 'reason') end)
                from jsonb_array_elements(c.score_absent) a), '{}')
      || coalesce((select jsonb_object_agg(f ->> 'name', jsonb_build_object('value', f -> 'value', 'explanation', f -> 'explanation'))
                   from jsonb_array_elements(c.score_factors) f), '{}'),
      c.scored_at
    from customers c where c.scored_at is not null;

    alter table customers
      drop column score_factors,
      drop column score_absent,
      drop column score_explanation,
      drop column scored_at;
    -- Now the digest of the list columns only (score, level, MRR, last payment); null makes the next re-score write them.
    alter table customers rename column score_fingerprint to summary_fingerprint;
    update customers set summary_fingerprint = null where summary_fingerprint is not null;

    -- Search within a risk level ("red customers named Acme", with its total) from the index alone, instead of
    -- fetching every name match to check its level: the organization and the level join the trigrams.
    create extension if not exists btree_gin;
    drop index customers_search_idx;
    create index customers_search_idx on customers
      using gin (org_id, coalesce(risk_level, 'none'), (coalesce(name, '') || ' ' || coalesce(email, '')) gin_trgm_ops)
      where deleted_at is null;
    -- The planner's picture of how customers spread over levels (it has none for an expression otherwise).
    create statistics customers_risk_level_stats on (coalesce(risk_level, 'none')) from customers;
  `.execute(db);
}

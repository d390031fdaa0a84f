import { type Kysely, sql } from 'kysely';

// The customers list opens on those who need attention: at risk first, by MRR. The expression is the repository's
// ATTENTION_RANK, character for character, so the planner reads the first page from this index.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index customers_attention_idx on customers (
      org_id,
      (case when lifecycle_state in ('churned', 'no_billing') then 5 when risk_level = 'red' then 1
  when risk_level = 'yellow' then 2 when risk_level = 'green' then 3 else 4 end),
      mrr_major desc nulls last,
      id
    ) where deleted_at is null;
  `.execute(db);
}

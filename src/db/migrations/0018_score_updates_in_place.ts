import { type Kysely, sql } from 'kysely';

// A configuration change re-combines every customer's score (src/scoring/recombine.repo.ts): most scores move,
// few levels do. An update that changes an indexed column writes a new entry in every index of the row — nine
// here, a trigram one among them — and that was most of a re-score's time. With no index on the score and room
// left on each page, a score that moves within its level is a heap-only (HOT) update, with no index touched.
// - The list sorted by score alone now sorts (a top-N over the organization's rows); filtered or searched
//   lists, the default (attention) order and the dashboard never read that index.
// - Pages are filled to 60 % from now on (existing pages gain room as their rows are rewritten).
// - A score history row's organization was checked against organizations on every insert; its customer's is
//   already (the customer belongs to one), and deleting an organization still removes it through the customer.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index customers_score_idx;
    alter table customers set (fillfactor = 60);
    alter table score_history drop constraint score_history_org_id_fkey;
  `.execute(db);
}

import { type Kysely, sql } from 'kysely';

// The daily usage rollups are rewritten in place by every rollup chunk (their counters grow); with full pages each
// such update wrote a new row version elsewhere plus a new index entry, so a busy day's rows bloated the tables
// (and their primary keys) the re-scores read. Room left on each page lets PostgreSQL keep an updated row on its
// page (a HOT update: no index entry) and prune the old versions there. Only pages written from now on leave it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table usage_daily set (fillfactor = 70);
    alter table usage_daily_users set (fillfactor = 70);
  `.execute(db);
}

import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Login attempts per account (email), counted in PostgreSQL so that every process shares them. An attempt is
 * counted before the password is checked, in one statement, so that attempts sent side by side cannot slip
 * past the limit; a successful login clears the count.
 */
export function createLoginAttemptsRepo(db: Kysely<Database>) {
  return {
    /** Counts one attempt in the current window (restarted when the last window is over); returns the count. */
    async count(email: string, windowSeconds: number): Promise<{ attempts: number; windowStartedAt: Date }> {
      const row = await sql<{ failures: number; first_failed_at: Date }>`
        insert into login_failures (email, failures, first_failed_at) values (${email}, 1, now())
        on conflict (email) do update set
          failures = case when login_failures.first_failed_at < now() - make_interval(secs => ${windowSeconds})
                          then 1 else login_failures.failures + 1 end,
          first_failed_at = case when login_failures.first_failed_at < now() - make_interval(secs => ${windowSeconds})
                                 then now() else login_failures.first_failed_at end
        returning failures, first_failed_at`.execute(db);
      const r = row.rows[0]!;
      return { attempts: r.failures, windowStartedAt: r.first_failed_at };
    },
    async clear(email: string): Promise<void> {
      await db.deleteFrom('login_failures').where('email', '=', email).execute();
    },
  };
}

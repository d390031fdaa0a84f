import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { AppLogger } from '../core/logger.js';
import type { Database } from '../db/schema.js';
import { defineJob, type ScheduleDefinition } from '../jobs/jobs.registry.js';
import { handle } from '../jobs/jobs.worker.js';

const OUTBOX_RETENTION_DAYS = 90;

export const purgeExpiredJob = defineJob({
  name: 'maintenance.purge-expired',
  payload: z.object({}),
  maxAttempts: 3,
  key: () => 'maintenance.purge-expired',
});

export const maintenanceSchedules: ScheduleDefinition[] = [{ job: purgeExpiredJob, pattern: '17 3 * * *', payload: {} }];

/** Removes expired sessions, used or expired tokens, stale rate-limit counters and old delivered mail. */
export function purgeExpiredHandler(deps: { db: Kysely<Database>; logger: AppLogger }) {
  return handle(purgeExpiredJob, async () => {
    const { db } = deps;
    const cutoff = new Date(Date.now() - OUTBOX_RETENTION_DAYS * 86_400_000);
    const [sessions, verifications, mail] = await Promise.all([
      db.deleteFrom('sessions').where('expires_at', '<', new Date()).executeTakeFirst(),
      sql`delete from verifications where expires_at < now()`.execute(db),
      db.deleteFrom('mail_outbox').where('created_at', '<', cutoff).where('status', 'in', ['sent', 'logged']).executeTakeFirst(),
    ]);
    await sql`delete from rate_limits where last_request < ${Date.now() - 86_400_000}`.execute(db);
    deps.logger.info(
      {
        sessions: Number(sessions.numDeletedRows),
        verifications: Number(verifications.numAffectedRows ?? 0),
        mail: Number(mail.numDeletedRows),
      },
      'purged expired records',
    );
  });
}

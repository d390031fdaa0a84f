import type { AppLogger } from '../core/logger.js';

export const TRANSIENT_DB =
  /Connection terminated|ECONNREFUSED|ECONNRESET|not currently accepting connections|terminating connection|the database system is (starting up|shutting down)/i;

/**
 * graphile-worker 0.17 reports a job's outcome without awaiting it, so losing the database at that moment
 * surfaces as an unhandled rejection, which would stop the whole process. Such rejections are logged (the job
 * is retried once the database is back); any other unhandled rejection still stops the process, as by default.
 */
export function installProcessGuards(logger: AppLogger): void {
  process.on('unhandledRejection', (reason) => {
    const message = reason instanceof Error ? reason.message : String(reason);
    if (TRANSIENT_DB.test(message)) {
      logger.warn({ reason: message }, 'lost the database during background work; it resumes when the database is back');
      return;
    }
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });
}

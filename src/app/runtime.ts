import type { Runner } from 'graphile-worker';
import { sql } from 'kysely';
import { createApiKeysService } from '../api-keys/api-keys.service.js';
import { createAuth } from '../auth/auth.js';
import { createAuthGateway } from '../auth/auth.gateway.js';
import { authMailer, createAuthService, placeNewUser } from '../auth/auth.service.js';
import { createAuthenticator } from '../auth/authenticate.js';
import { connectDatabase, pingDatabase, type DatabaseHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createInvitationsService } from '../invitations/invitations.service.js';
import { installQueueSchema, type RegisteredJob, startWorker } from '../jobs/jobs.worker.js';
import { createMailer, mailDeliveryHandler } from '../mail/mail.service.js';
import { maintenanceSchedules, purgeExpiredHandler } from '../maintenance/maintenance.jobs.js';
import { createMembersService } from '../members/members.service.js';
import { createOrganizationsRepo } from '../organizations/organizations.repo.js';
import { createOrganizationsService } from '../organizations/organizations.service.js';
import type { Config } from './config.js';
import type { App } from './http.js';
import type { AppLogger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { buildServer } from './server.js';

export type Role = 'api' | 'worker';

export interface Runtime {
  app: App | null;
  worker: Runner | null;
  database: DatabaseHandle;
  metrics: Metrics;
  /** Stops taking requests, lets running jobs finish, then closes the database. */
  close(): Promise<void>;
}

/** Applies the application's and the job queue's migrations. Safe to run concurrently from several processes. */
export async function migrate(databaseUrl: string, logger: AppLogger): Promise<void> {
  const database = connectDatabase(databaseUrl, { max: 2 });
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
    await installQueueSchema(database.pool, logger);
  } finally {
    await database.close();
  }
}

function buildJobs(deps: { database: DatabaseHandle; logger: AppLogger; config: Config }): RegisteredJob[] {
  const { database, logger, config } = deps;
  return [
    mailDeliveryHandler({ db: database.db, logger, config: config.mail }),
    purgeExpiredHandler({ db: database.db, logger }),
  ] as RegisteredJob[];
}

export async function startRuntime(options: { config: Config; logger: AppLogger; databaseUrl: string; roles: Role[] }): Promise<Runtime> {
  const { config, logger, databaseUrl, roles } = options;
  const database = connectDatabase(databaseUrl, { max: 15 });
  const { db, pool } = database;
  const metrics = createMetrics();
  const orgsRepo = createOrganizationsRepo(db);
  const mailer = createMailer(db);
  const auth = createAuth({
    db,
    appUrl: config.appUrl,
    secret: config.sessionSecret,
    mailer: authMailer(mailer, config.appUrl),
    onSignupSession: placeNewUser,
    defaultOrganizationFor: (userId) => orgsRepo.firstOrganizationOf(userId),
  });
  const authService = createAuthService({ gateway: createAuthGateway(auth, config.appUrl), db });
  const apiKeys = createApiKeysService({ db });

  let worker: Runner | null = null;
  if (roles.includes('worker')) {
    worker = await startWorker({
      pool,
      logger,
      jobs: buildJobs({ database, logger, config }),
      schedules: maintenanceSchedules,
      events: {
        onJobFinished: (job, outcome, seconds) => {
          metrics.jobsFinished.inc({ job, outcome });
          metrics.jobDuration.observe({ job }, seconds);
        },
      },
    });
  }

  let app: App | null = null;
  if (roles.includes('api')) {
    app = await buildServer({
      logger,
      metrics,
      appUrl: config.appUrl,
      bodyLimitBytes: config.bodyLimitBytes,
      trustProxy: config.trustProxy,
      authenticate: createAuthenticator({ auth, apiKeys, orgs: orgsRepo, appUrl: config.appUrl }),
      services: {
        auth: authService,
        organizations: createOrganizationsService({ db, creator: authService }),
        members: createMembersService({ db }),
        invitations: createInvitationsService({ db, mailer, appUrl: config.appUrl }),
        apiKeys,
      },
      readiness: {
        database: () => pingDatabase(pool),
        queue: async () => {
          await sql`select 1 from graphile_worker._private_jobs limit 1`.execute(db);
        },
      },
    });
  }

  let closing: Promise<void> | null = null;
  return {
    app,
    worker,
    database,
    metrics,
    close() {
      closing ??= (async () => {
        if (app) await app.close();
        if (worker) await worker.stop();
        await database.close();
      })();
      return closing;
    },
  };
}

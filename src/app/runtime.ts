import path from 'node:path';
import type { Runner } from 'graphile-worker';
import { sql } from 'kysely';
import { createApiKeysService } from '../api-keys/api-keys.service.js';
import { createAuth } from '../auth/auth.js';
import { createAuthGateway } from '../auth/auth.gateway.js';
import { authMailer, createAuthService, placeNewUser } from '../auth/auth.service.js';
import { createAuthenticator } from '../auth/authenticate.js';
import { projectRoot } from '../core/paths.js';
import { connectDatabase, pingDatabase, type DatabaseHandle } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createInvitationsService } from '../invitations/invitations.service.js';
import { installQueueSchema, type RegisteredJob, startWorker } from '../jobs/jobs.worker.js';
import { createMailer, mailDeliveryHandler } from '../mail/mail.service.js';
import { maintenanceSchedules, purgeExpiredHandler } from '../maintenance/maintenance.jobs.js';
import { createMembersService } from '../members/members.service.js';
import { createOrganizationsRepo } from '../organizations/organizations.repo.js';
import { createOrganizationsService } from '../organizations/organizations.service.js';
import { dailyRescoreJob, rescoreJob, scoringSchedules } from '../scoring/scoring.jobs.js';
import { createScoringService, type ScoringService } from '../scoring/scoring.service.js';
import { createConnectionService } from '../stripe/connection.service.js';
import { createSupportService } from '../support/support.service.js';
import { createIngestService, type IngestService } from '../usage/ingest.service.js';
import { demoUsageJob, sendDemoUsage } from '../demo/demo-usage.js';
import { createRollupService, type RollupService } from '../usage/rollup.service.js';
import { retentionJob, rollupJob, usageSchedules } from '../usage/usage.jobs.js';
import { createUsageService } from '../usage/usage.service.js';
import { createTicketsService } from '../tickets/tickets.service.js';
import { sentimentExpiredJob } from '../sentiment/sentiment.jobs.js';
import { createSentimentService } from '../sentiment/sentiment.service.js';
import { reconstructJob } from '../backtest/backtest.jobs.js';
import { type BacktestService, createBacktestService } from '../backtest/backtest.service.js';
import { createBacktestSuggestionService } from '../backtest/backtest.suggest.service.js';
import { alertSchedules, deliverAlertJob, evaluateAlertsJob, trialWatchJob, weeklyDigestJob } from '../alerts/alerts.jobs.js';
import { createAlertsService, type AlertsService } from '../alerts/alerts.service.js';
import { createCustomersService } from '../customers/customers.service.js';
import { createDashboardService } from '../dashboard/dashboard.service.js';
import { createCurrenciesService } from '../currencies/currencies.service.js';
import { createStripePlatform, type StripePlatform } from '../stripe/stripe.client.js';
import { syncJob } from '../stripe/sync.jobs.js';
import { createSyncService, type SyncService } from '../stripe/sync.service.js';
import { drainEventsJob } from '../stripe/webhooks.jobs.js';
import { createWebhookService, type WebhookService } from '../stripe/webhooks.service.js';
import { handle } from '../jobs/jobs.worker.js';
import { enqueue } from '../jobs/jobs.registry.js';
import type { Config } from '../core/config.js';
import { loadAssets } from '../web/web.assets.js';
import { createSecretBox } from '../core/secrets.js';
import type { App } from '../core/http.js';
import type { AppLogger } from '../core/logger.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
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

function buildJobs(deps: {
  database: DatabaseHandle;
  logger: AppLogger;
  config: Config;
  sync: SyncService;
  webhooks: WebhookService;
  scoring: ScoringService;
  alerts: AlertsService;
  rollup: RollupService;
  ingest: IngestService;
  backtest: BacktestService;
}): RegisteredJob[] {
  const { database, logger, config } = deps;
  return [
    mailDeliveryHandler({ db: database.db, logger, config: config.mail }),
    purgeExpiredHandler({ db: database.db, logger }),
    handle(syncJob, (p, meta) => deps.sync.execute(p.runId, meta)),
    handle(drainEventsJob, async (_p, meta) => void (await deps.webhooks.drain(meta.signal))),
    handle(rescoreJob, async (p) => {
      await deps.scoring.rescoreOrganization(p.orgId, p.reason, p.changedOnly);
      // A new configuration rebuilds the reconstructed score history too.
      if (p.reason === 'config') await deps.backtest.requestRebuild(p.orgId);
    }),
    handle(reconstructJob, async (p) => void (await deps.backtest.rebuild(p.orgId))),
    handle(dailyRescoreJob, () => deps.scoring.rescoreAll('daily')),
    handle(evaluateAlertsJob, async () => void (await deps.alerts.evaluate())),
    handle(deliverAlertJob, (p, meta) => deps.alerts.deliver(p.deliveryId, meta.attempt, meta.maxAttempts)),
    handle(weeklyDigestJob, async () => void (await deps.alerts.sendDigests())),
    handle(trialWatchJob, async () => void (await deps.alerts.watchTrials())),
    handle(rollupJob, async (_p, meta) => void (await deps.rollup.drain(meta.signal))),
    handle(retentionJob, async () => void (await deps.rollup.purge())),
    handle(sentimentExpiredJob, (p) => deps.scoring.rescoreCustomer(p.orgId, p.customerId, 'usage')),
    handle(demoUsageJob, async (p) => void (await sendDemoUsage({ db: database.db, ingest: deps.ingest, logger }, p.orgId))),
  ] as RegisteredJob[];
}

/** The Stripe platform, when credentials are configured (demo mode fills them with the emulator's). */
function stripePlatform(config: Config): StripePlatform | null {
  const { clientId, secretKey, webhookSecret, apiBase, timeoutMs } = config.stripe;
  return clientId && secretKey ? createStripePlatform({ clientId, secretKey, webhookSecret, apiBase, timeoutMs }) : null;
}

export async function startRuntime(options: { config: Config; logger: AppLogger; databaseUrl: string; roles: Role[] }): Promise<Runtime> {
  const { config, logger, databaseUrl, roles } = options;
  const database = connectDatabase(databaseUrl, { max: config.workerConcurrency + 10 });
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
  const secrets = createSecretBox(config.encryptionKey);
  const platform = stripePlatform(config);
  const alerts = createAlertsService({ db, logger, secrets, mailer, appUrl: config.appUrl, allowPrivateUrls: config.alertPrivateUrls });
  const scoring = createScoringService({ db, logger, onScoresChanged: () => alerts.wake() });
  const backtest = createBacktestService({ db, logger });
  // Usage, tickets and sentiment: the customers whose data changed are re-scored right away.
  const rescoreSome = async (orgId: string, ids: string[]) => void (await scoring.rescoreCustomers(orgId, ids, 'usage'));
  // An organization's first ticket changes every customer's support factor (from absent to "no open tickets").
  const rescoreAll = async (orgId: string) => void (await enqueue(db, rescoreJob, { orgId, reason: 'usage' }));
  const rollup = createRollupService({ db, logger, onRolledUp: rescoreSome, onSupportConnected: rescoreAll });
  const ingest = createIngestService({ db, apiKeys });
  // Demo mode (the bundled emulator): once synced, the demo business sends its product usage and tickets too.
  const demoBusiness = config.stripe.demoMode && config.stripe.secretKey !== undefined;
  const sync = createSyncService({
    db,
    platform,
    logger,
    staleSeconds: config.syncStaleSeconds,
    supportEmail: config.support.email,
    onCompleted: async (orgId) => {
      await enqueue(db, rescoreJob, { orgId, reason: 'sync', changedOnly: true });
      // The score history is reconstructed from the synced data (first sync and every re-sync).
      await backtest.requestRebuild(orgId);
      if (demoBusiness) await enqueue(db, demoUsageJob, { orgId });
    },
  });
  const connections = createConnectionService({
    db,
    platform,
    secrets,
    sessionSecret: config.sessionSecret,
    appUrl: config.appUrl,
    sync,
    logger,
    supportEmail: config.support.email,
  });
  const webhooks = createWebhookService({
    db,
    platform,
    secrets,
    logger,
    onDeauthorized: (orgId) => connections.revokedAtStripe(orgId),
    // Only the customers the events touched are re-scored, right away: the score follows the webhook.
    onCustomersChanged: async (orgIds) => {
      for (const orgId of orgIds) await scoring.rescoreChanged(orgId, 'webhook');
      // Payment failures and cancellations are alertable events of their own.
      await alerts.wake();
    },
  });

  let worker: Runner | null = null;
  let staleCheck: NodeJS.Timeout | null = null;
  if (roles.includes('worker')) {
    worker = await startWorker({
      pool,
      logger,
      concurrency: config.workerConcurrency,
      jobs: buildJobs({ database, logger, config, sync, webhooks, scoring, alerts, rollup, ingest, backtest }),
      schedules: [...maintenanceSchedules, ...scoringSchedules, ...alertSchedules, ...usageSchedules],
      events: {
        onJobFinished: (job, outcome, seconds) => {
          metrics.jobsFinished.inc({ job, outcome });
          metrics.jobDuration.observe({ job }, seconds);
        },
      },
    });
    // Syncs whose worker died (crash, kill) are resumed from their saved cursors.
    const recover = () => {
      sync.recoverStale().catch((err: unknown) => logger.warn({ err }, 'could not check for stalled syncs'));
      webhooks.recover().catch((err: unknown) => logger.warn({ err }, 'could not check for waiting Stripe events'));
      scoring.recoverChanged().catch((err: unknown) => logger.warn({ err }, 'could not check for customers waiting for a score'));
      alerts.recover().catch((err: unknown) => logger.warn({ err }, 'could not check for events waiting for alert evaluation'));
      rollup.recover().catch((err: unknown) => logger.warn({ err }, 'could not check for usage events waiting for the rollup'));
    };
    recover();
    staleCheck = setInterval(recover, Math.min(5_000, (config.syncStaleSeconds * 1000) / 2));
    staleCheck.unref();
  }

  let app: App | null = null;
  if (roles.includes('api')) {
    app = await buildServer({
      logger,
      metrics,
      appUrl: config.appUrl,
      bodyLimitBytes: config.bodyLimitBytes,
      trustProxy: config.trustProxy,
      metricsToken: config.metricsToken,
      authenticate: createAuthenticator({ auth, apiKeys, orgs: orgsRepo, appUrl: config.appUrl }),
      services: {
        auth: authService,
        organizations: createOrganizationsService({ db, creator: authService }),
        members: createMembersService({ db }),
        invitations: createInvitationsService({ db, mailer, appUrl: config.appUrl, secrets }),
        apiKeys,
        connections,
        sync,
        webhooks,
        scoring,
        customers: createCustomersService({ db, scoring }),
        dashboard: createDashboardService({ db }),
        currencies: createCurrenciesService({ db }),
        alerts,
        ingest,
        usage: createUsageService({ db, appUrl: config.appUrl, onCustomersChanged: rescoreSome, onSupportConnected: rescoreAll }),
        tickets: createTicketsService({ db, onCustomerChanged: (orgId, id) => rescoreSome(orgId, [id]), onSupportConnected: rescoreAll }),
        backtest,
        backtestSuggestion: createBacktestSuggestionService({ db }),
        sentiment: createSentimentService({ db, onCustomerChanged: (orgId, id) => rescoreSome(orgId, [id]) }),
        support: createSupportService({
          db,
          mailer,
          appUrl: config.appUrl,
          supportEmail: config.support.email,
          statusPageUrl: config.support.statusPageUrl,
        }),
      },
      webAssets: loadAssets(path.join(projectRoot(), 'dist/web')),
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
        if (staleCheck) clearInterval(staleCheck);
        if (worker) await worker.stop();
        await database.close();
      })();
      return closing;
    },
  };
}

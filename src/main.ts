import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './core/config.js';
import { createLogger } from './core/logger.js';
import { installProcessGuards } from './app/process-guards.js';
import { type Role, migrate, startRuntime } from './app/runtime.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './db/embedded.js';
import { type DemoStripe, startDemoStripe, withDemoStripe } from './demo/demo-stripe.js';

function parseRoles(role: string | undefined): Role[] {
  if (role === undefined || role === 'all') return ['api', 'worker'];
  if (role === 'api' || role === 'worker') return [role];
  throw new ConfigError(`--role must be one of api, worker, all (got "${role}")`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { role: { type: 'string' }, 'migrate-only': { type: 'boolean' } } });
  const roles = parseRoles(values.role);
  let config = await loadConfig();
  const logger = createLogger(config.logLevel);
  installProcessGuards(logger);

  if (!config.databaseUrl && roles.length === 1) {
    throw new ConfigError('DATABASE_URL: required with --role api|worker (separate processes must share one PostgreSQL)');
  }
  let embedded: EmbeddedDatabase | null = null;
  const databaseUrl = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(path.join(config.dataDir), logger)).url;

  await migrate(databaseUrl, logger);
  if (values['migrate-only']) {
    await embedded?.stop();
    return;
  }

  let demo: DemoStripe | null = null;
  if (config.stripe.demoMode) {
    if (roles.length === 2) {
      demo = await startDemoStripe(config, logger);
      config = withDemoStripe(config, demo);
    } else {
      logger.warn('no Stripe credentials: the demo Stripe emulator runs only when all roles share one process');
    }
  }

  const runtime = await startRuntime({ config, logger, databaseUrl, roles });
  if (runtime.app) {
    await runtime.app.listen({ host: config.host, port: config.port });
    logger.info({ url: config.appUrl, roles, demo: config.stripe.demoMode }, 'PulseScore is ready');
  } else {
    logger.info({ roles }, 'PulseScore worker is running');
  }

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing requests and running jobs');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    try {
      await runtime.close();
      await demo?.stop();
      await embedded?.stop();
      logger.info('stopped cleanly');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`PulseScore cannot start.\n${err.message}\n`);
  } else {
    process.stderr.write(`PulseScore failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { startRuntime } from '../src/app/runtime.js';
import { freePort } from '../src/db/embedded.js';
import { benchDatabase } from './database.js';

/**
 * PulseScore's configuration for a benchmark: live-mode platform credentials whose Stripe API is unreachable
 * (the benchmarks feed data and events directly), a throw-away data folder and quiet logs.
 */
export async function benchConfig(webhookSecret: string): Promise<{ config: Config; port: number }> {
  const port = await freePort();
  const config = await loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: await mkdtemp(path.join(tmpdir(), 'bench-')),
    ENCRYPTION_KEY: 'c'.repeat(64),
    SESSION_SECRET: 'bench-session-secret-long-enough-yyyyyyyy',
    STRIPE_CLIENT_ID: 'ca_bench',
    STRIPE_SECRET_KEY: 'sk_live_bench',
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_API_BASE: 'http://127.0.0.1:9',
    LOG_LEVEL: 'warn',
  });
  return { config, port };
}

/**
 * A fresh database and PulseScore (API and worker) listening on a port, with one organization connected to
 * `account` (live mode). `close` stops both.
 */
export async function startBenchApp(options: { secret: string; org: string; account: string }) {
  const database = await benchDatabase();
  const { config, port } = await benchConfig(options.secret);
  const runtime = await startRuntime({ config, logger: createLogger('warn'), databaseUrl: database.url, roles: ['api', 'worker'] });
  await runtime.app!.listen({ port, host: '127.0.0.1' });
  const { db } = runtime.database;
  await db.insertInto('organizations').values({ id: options.org, name: 'Bench', slug: options.org }).execute();
  await db
    .insertInto('stripe_connections')
    .values({
      org_id: options.org,
      stripe_account_id: options.account,
      livemode: true,
      scope: 'read_only',
      status: 'connected',
      webhook_token: `${options.org}-token`,
    })
    .execute();
  return {
    config,
    port,
    runtime,
    db,
    async close() {
      await runtime.close();
      await database.close();
    },
  };
}

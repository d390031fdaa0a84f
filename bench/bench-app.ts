import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../src/app/config.js';
import { freePort } from '../src/db/embedded.js';

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

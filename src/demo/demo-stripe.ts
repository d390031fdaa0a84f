import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import type { Config } from '../core/config.js';
import type { AppLogger } from '../core/logger.js';

export const DEMO_CUSTOMERS = 300;
export const DEMO_SEED = 42;

export interface DemoStripe {
  apiBase: string;
  clientId: string;
  secretKey: string;
  webhookSecret: string;
  /** Saves the emulator's state (so a connection survives restarts) and stops it. */
  stop(): Promise<void>;
}

interface DemoSecrets {
  secretKey: string;
  webhookSecret: string;
}

/**
 * The demo platform's keys, random per data folder and kept there: with a constant webhook secret, anyone who
 * can reach the server could sign Stripe events for it.
 */
async function demoSecrets(dataDir: string): Promise<DemoSecrets> {
  const file = path.join(dataDir, 'demo-stripe-secrets.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DemoSecrets;
  } catch {
    const secrets = {
      secretKey: `sk_test_demo_${randomBytes(24).toString('base64url')}`,
      webhookSecret: `whsec_${randomBytes(24).toString('base64url')}`,
    };
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}

/**
 * Demo mode: without Stripe credentials PulseScore runs the bundled Stripe emulator, seeded with a generated
 * business, and points itself at it. The emulator's state is kept in the data folder between runs.
 */
export async function startDemoStripe(config: Config, logger: AppLogger): Promise<DemoStripe> {
  const stateFile = path.join(config.dataDir, 'emulator-state.json');
  const restore = existsSync(stateFile);
  const keys = await demoSecrets(config.dataDir);
  const running: RunningEmulator = await startEmulator({
    seed: DEMO_SEED,
    // 18 months of history with customers who really left, so that the score's backtest has outcomes to check.
    ...(restore ? { stateFile } : { customers: DEMO_CUSTOMERS, generate: { history: 'long' as const } }),
    platform: {
      ...keys,
      redirectUris: [`${config.appUrl}/api/v1/integrations/stripe/callback`],
      webhookUrl: `${config.appUrl}/api/v1/webhooks/stripe`,
    },
    // Real Stripe would refuse such a request too: it is a PulseScore bug, shown loudly (the browser tests fail on it).
    onRefusal: (refusal) => {
      if (refusal.client) logger.error({ refusal }, 'the Stripe emulator refused a request PulseScore made, as Stripe would');
    },
  });
  const { platform } = running.emulator;
  logger.info({ url: running.url, restored: restore }, 'demo mode: Stripe emulator started (no Stripe credentials configured)');
  return {
    apiBase: running.url,
    clientId: platform.clientId,
    secretKey: platform.secretKey,
    webhookSecret: platform.webhookSecret,
    async stop() {
      try {
        await running.emulator.saveTo(stateFile);
      } catch (err) {
        logger.warn({ err }, 'could not save the demo Stripe state');
      }
      await running.close();
    },
  };
}

/** The configuration with the demo emulator as the Stripe platform. */
export function withDemoStripe(config: Config, demo: DemoStripe): Config {
  return {
    ...config,
    stripe: {
      ...config.stripe,
      apiBase: demo.apiBase,
      clientId: demo.clientId,
      secretKey: demo.secretKey,
      webhookSecret: demo.webhookSecret,
    },
  };
}

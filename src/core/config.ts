import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** Raised when the environment cannot produce a valid configuration; the message names each variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const url = (label: string) => optionalString.refine((v) => v === undefined || URL.canParse(v), `${label} must be a URL`);

/** ENCRYPTION_KEY is 32 bytes, given as 64 hex characters or base64. */
const encryptionKey = optionalString.refine(
  (v) => v === undefined || decodeKey(v) !== null,
  'must be 32 bytes encoded as 64 hex characters or base64',
);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  // Outside production the server listens on loopback only: the demo's Stripe emulator and development
  // secrets are not for the network. Production (or HOST=0.0.0.0) listens where it is told.
  HOST: optionalString,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  APP_URL: url('APP_URL'),
  DATABASE_URL: url('DATABASE_URL'),
  DATA_DIR: z.string().default('.pulsescore'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ENCRYPTION_KEY: encryptionKey,
  SESSION_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, 'must be at least 32 characters'),
  STRIPE_CLIENT_ID: optionalString,
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_API_BASE: url('STRIPE_API_BASE'),
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
  SMTP_URL: url('SMTP_URL'),
  MAIL_FROM: z.string().default('PulseScore <no-reply@pulsescore.local>'),
  SUPPORT_EMAIL: z.email('must be an email address').default('support@pulsescore.app'),
  STATUS_PAGE_URL: z.url('must be a URL').default('https://status.pulsescore.app'),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  // `true` (one proxy) or the number of reverse proxies in front of the server: the client address is the
  // rightmost X-Forwarded-For entry that none of them wrote, never the leftmost (which the client writes).
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|[0-9])$/, 'must be true, false or the number of proxies in front of the server (0–9)')
    .default('false'),
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  SYNC_STALE_SECONDS: z.coerce.number().int().min(5).max(3600).default(30),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
  ALERT_PRIVATE_URLS: z.enum(['true', 'false']).optional(),
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  appUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  encryptionKey: Buffer;
  sessionSecret: string;
  stripe: {
    clientId: string | undefined;
    secretKey: string | undefined;
    webhookSecret: string | undefined;
    apiBase: string | undefined;
    /** A Stripe call that has not answered after this long fails (and is retried like a 5xx). */
    timeoutMs: number;
    /** No platform credentials: run against the bundled emulator. */
    demoMode: boolean;
  };
  mail: { smtpUrl: string | undefined; from: string };
  /** Getting help: where support answers, and whether PulseScore is up. */
  support: { email: string; statusPageUrl: string };
  bodyLimitBytes: number;
  /** Reverse proxies in front of the server (0: none): the client address is the hop before them in X-Forwarded-For. */
  trustProxy: number;
  /** When set, `GET /metrics` needs `Authorization: Bearer <token>`; otherwise only loopback clients may read it. */
  metricsToken: string | undefined;
  /** A sync whose worker has been silent this long is resumed by another worker. */
  syncStaleSeconds: number;
  /** Jobs one worker process runs at once. */
  workerConcurrency: number;
  /** Whether alert webhooks (Slack, outgoing) may target private and loopback addresses (not in production). */
  alertPrivateUrls: boolean;
}

export function decodeKey(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const buf = Buffer.from(value, 'base64');
  return buf.length === 32 ? buf : null;
}

export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = result.data;
  if (Boolean(env.STRIPE_CLIENT_ID) !== Boolean(env.STRIPE_SECRET_KEY)) {
    const missing = env.STRIPE_CLIENT_ID ? 'STRIPE_SECRET_KEY' : 'STRIPE_CLIENT_ID';
    throw new ConfigError(
      `Invalid configuration:\n  ${missing}: required with ${missing === 'STRIPE_SECRET_KEY' ? 'STRIPE_CLIENT_ID' : 'STRIPE_SECRET_KEY'} (set both, or neither for demo mode)`,
    );
  }
  if (env.NODE_ENV === 'production') {
    const missing = (['ENCRYPTION_KEY', 'SESSION_SECRET'] as const).filter((k) => !env[k]);
    if (missing.length > 0) {
      throw new ConfigError(`Invalid configuration:\n${missing.map((k) => `  ${k}: required when NODE_ENV=production`).join('\n')}`);
    }
  }
  return env;
}

interface DevSecrets {
  encryptionKey: string;
  sessionSecret: string;
}

/** Development secrets are generated once and kept in the data folder so sessions and ciphertexts survive restarts. */
async function loadDevSecrets(dataDir: string): Promise<DevSecrets> {
  const file = path.join(dataDir, 'secrets.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DevSecrets;
  } catch {
    const secrets: DevSecrets = {
      encryptionKey: randomBytes(32).toString('hex'),
      sessionSecret: randomBytes(32).toString('hex'),
    };
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    return secrets;
  }
}

export async function loadConfig(source: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const env = parseEnv(source);
  const dataDir = path.resolve(env.DATA_DIR);
  const needsDevSecrets = !env.ENCRYPTION_KEY || !env.SESSION_SECRET;
  const dev = needsDevSecrets ? await loadDevSecrets(dataDir) : undefined;
  const encryptionKey = decodeKey(env.ENCRYPTION_KEY ?? dev!.encryptionKey)!;
  const demoMode = !env.STRIPE_CLIENT_ID && !env.STRIPE_SECRET_KEY;
  return {
    env: env.NODE_ENV,
    host: env.HOST ?? (env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    port: env.PORT,
    appUrl: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
    databaseUrl: env.DATABASE_URL,
    dataDir,
    logLevel: env.LOG_LEVEL,
    encryptionKey,
    sessionSecret: env.SESSION_SECRET ?? dev!.sessionSecret,
    stripe: {
      clientId: env.STRIPE_CLIENT_ID,
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      apiBase: env.STRIPE_API_BASE,
      timeoutMs: env.STRIPE_TIMEOUT_MS,
      demoMode,
    },
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
    support: { email: env.SUPPORT_EMAIL, statusPageUrl: env.STATUS_PAGE_URL },
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY === 'true' ? 1 : env.TRUST_PROXY === 'false' ? 0 : Number(env.TRUST_PROXY),
    metricsToken: env.METRICS_TOKEN,
    syncStaleSeconds: env.SYNC_STALE_SECONDS,
    workerConcurrency: env.WORKER_CONCURRENCY,
    alertPrivateUrls: env.ALERT_PRIVATE_URLS ? env.ALERT_PRIVATE_URLS === 'true' : env.NODE_ENV !== 'production',
  };
}

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import type { App } from '../../src/core/http.js';
import { createLogger } from '../../src/core/logger.js';
import { type Runtime, type Role, startRuntime } from '../../src/app/runtime.js';
import { freePort } from '../../src/db/embedded.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export const APP_URL = 'http://localhost:3000';

/** Keeps every log line the application writes, so tests can read them. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestApp {
  runtime: Runtime;
  app: App;
  url: string;
  logs: LogCapture;
  client(): TestClient;
  close(): Promise<void>;
}

export async function startTestApp(options: {
  databaseUrl: string;
  env?: Record<string, string>;
  roles?: Role[];
  listen?: boolean;
}): Promise<TestApp> {
  const logs = new LogCapture();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pulsescore-test-'));
  // A listening app (for webhooks and redirects from the emulator) gets its own address as APP_URL.
  const port = options.listen ? await freePort() : 3000;
  const appUrl = options.listen ? `http://127.0.0.1:${port}` : APP_URL;
  const config = await loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    APP_URL: appUrl,
    ENCRYPTION_KEY: 'a'.repeat(64),
    SESSION_SECRET: 'test-session-secret-that-is-long-enough',
    LOG_LEVEL: 'debug',
    ...options.env,
  });
  const logger = createLogger(config.logLevel, logs.stream);
  const runtime = await startRuntime({ config, logger, databaseUrl: options.databaseUrl, roles: options.roles ?? ['api', 'worker'] });
  const app = runtime.app!;
  await app.ready();
  if (options.listen) await app.listen({ port, host: '127.0.0.1' });
  let n = 0;
  return {
    runtime,
    app,
    logs,
    url: appUrl,
    client: () => new TestClient(app, `10.9.${Math.floor(n / 250)}.${(n++ % 250) + 1}`, appUrl),
    close: () => runtime.close(),
  };
}

export interface TestResponse {
  status: number;
  body: any;
  headers: Record<string, unknown>;
  text: string;
}

/** A browser-like client: keeps its cookies, sends the app's Origin, comes from its own address. */
export class TestClient {
  private readonly cookies = new Map<string, string>();
  bearer: string | null = null;

  constructor(
    private readonly app: App,
    readonly ip: string,
    private readonly origin = APP_URL,
  ) {}

  async request(method: InjectOptions['method'], url: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.app.inject({
      method,
      url,
      remoteAddress: this.ip,
      headers: {
        origin: this.origin,
        ...(cookie ? { cookie } : {}),
        ...(this.bearer ? { authorization: `Bearer ${this.bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    for (const c of res.cookies as { name: string; value: string; maxAge?: number }[]) {
      if (c.value === '' || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    let parsed: unknown = null;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      parsed = null;
    }
    return { status: res.statusCode, body: parsed, headers: res.headers, text: res.body };
  }

  get = (url: string, headers?: Record<string, string>) => this.request('GET', url, undefined, headers);
  post = (url: string, body?: unknown, headers?: Record<string, string>) => this.request('POST', url, body ?? {}, headers);
  patch = (url: string, body?: unknown) => this.request('PATCH', url, body ?? {});
  delete = (url: string) => this.request('DELETE', url);

  hasSession(): boolean {
    return [...this.cookies.keys()].some((k) => k.endsWith('session_token'));
  }
}

let userCounter = 0;

export interface SignedUpUser {
  client: TestClient;
  email: string;
  password: string;
  userId: string;
  orgId: string;
}

export async function signUp(
  t: TestApp,
  overrides: { name?: string; email?: string; organizationName?: string; invitationToken?: string } = {},
): Promise<SignedUpUser> {
  const client = t.client();
  const email = overrides.email ?? `user${++userCounter}-${Date.now()}@example.com`;
  const password = 'correct horse battery staple';
  const res = await client.post('/api/v1/auth/signup', { name: 'Test User', ...overrides, email, password });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  const me = await client.get('/api/v1/me');
  return { client, email, password, userId: res.body.user.id, orgId: me.body.activeOrganizationId };
}

/** Mail the application queued, newest first. */
export async function outbox(t: TestApp, to: string) {
  return t.runtime.database.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).orderBy('created_at', 'desc').execute();
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, stepMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * One migrated database and one application for a test file: created before its tests, closed and dropped
 * after them. `ready` receives both once they are up.
 */
export function useTestApp(
  ready: (app: TestApp, database: TestDatabase) => void,
  options: Omit<Parameters<typeof startTestApp>[0], 'databaseUrl'> = {},
): void {
  let database: TestDatabase | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp({ ...options, databaseUrl: database.url });
    ready(app, database);
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });
}

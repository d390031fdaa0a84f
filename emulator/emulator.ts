import { readFile, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.js';
import { type Refusal, RequestAudit } from './audit.js';
import { OAuthError, StripeApiError } from './errors.js';
import { parseForm } from './form.js';
import type { BuildContext } from './objects/common.js';
import { API_VERSION, buildEvent } from './objects/event.js';
import { handleOAuth } from './oauth.js';
import { Random } from './random.js';
import { registerResources } from './resources/index.js';
import { Router } from './router.js';
import { truncateSublists } from './sublists.js';
import { type Account, createAccount, IdGenerator, Store, type StripeObject } from './state.js';
import { type DeliveryOptions, WebhookDispatcher } from './webhooks.js';

export interface RealismConfig {
  rateLimitEnabled: boolean;
  /** Requests per second per account, as Stripe allows by default. */
  rateLimitLive: number;
  rateLimitTest: number;
  /** Share of API requests answered with a 500 (0–1). */
  errorRate: number;
  /** Added to every API response. */
  latencyMs: number;
}

export interface PlatformConfig {
  accountId: string;
  name: string;
  clientId: string;
  secretKey: string;
  /** Signs Connect webhooks sent to `webhookUrl`. */
  webhookSecret: string;
  /** Where Connect events of connected accounts are delivered (the platform's Connect endpoint). */
  webhookUrl: string | null;
  /** Registered OAuth redirect URIs; empty accepts any. */
  redirectUris: string[];
}

export interface EmulatorOptions {
  seed?: number;
  platform?: Partial<PlatformConfig>;
  realism?: Partial<RealismConfig>;
  webhooks?: Partial<DeliveryOptions>;
  /** Current time in milliseconds; tests may pin it. */
  now?: () => number;
  /** Told of every request refused under Stripe's rules (see `audit.ts`); the demo logs them. */
  onRefusal?: (refusal: Refusal) => void;
}

/** A POST's outcome kept under its `Idempotency-Key`, replayed to a retry of the same request. */
interface IdempotentResult {
  fingerprint: string;
  status: number;
  body: unknown;
  expiresAt: number;
}

/** Stripe keeps idempotency keys for at least 24 hours (https://docs.stripe.com/api/idempotent_requests). */
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export interface EmulatorStats {
  requests: number;
  byAccount: Record<string, number>;
  byRoute: Record<string, number>;
  rateLimited: number;
  injectedErrors: number;
}

export interface OAuthCode {
  accountId: string;
  scope: string;
  redirectUri: string | null;
  expiresAt: number;
  used: boolean;
}

const DEFAULT_PLATFORM: PlatformConfig = {
  accountId: 'acct_1PulseScorePlatform',
  name: 'PulseScore (demo platform)',
  clientId: 'ca_PulseScoreDemoClient',
  secretKey: 'sk_test_pulsescore_demo_platform_key',
  webhookSecret: 'whsec_pulsescore_demo_connect_secret',
  webhookUrl: null,
  redirectUris: [],
};

/** A stateful, in-memory Stripe that the official SDK talks to over HTTP. */
export class Emulator {
  readonly platform: PlatformConfig;
  readonly realism: RealismConfig;
  readonly webhookOptions: DeliveryOptions;
  readonly random: Random;
  readonly ids: IdGenerator;
  readonly accounts = new Map<string, Account>();
  readonly oauthCodes = new Map<string, OAuthCode>();
  readonly stats: EmulatorStats = { requests: 0, byAccount: {}, byRoute: {}, rateLimited: 0, injectedErrors: 0 };
  readonly dispatcher: WebhookDispatcher;
  readonly platformAccount: Account;
  readonly audit = new RequestAudit();
  private readonly onRefusal: ((refusal: Refusal) => void) | undefined;
  private readonly idempotent = new Map<string, IdempotentResult>();
  private readonly router = new Router();
  private readonly windows = new Map<string, { second: number; count: number }>();
  private readonly clock: () => number;
  private server: http.Server | null = null;

  constructor(options: EmulatorOptions = {}) {
    this.random = new Random(options.seed ?? 42);
    this.ids = new IdGenerator(this.random);
    this.clock = options.now ?? Date.now;
    this.onRefusal = options.onRefusal;
    this.platform = { ...DEFAULT_PLATFORM, ...options.platform };
    this.realism = { rateLimitEnabled: true, rateLimitLive: 100, rateLimitTest: 25, errorRate: 0, latencyMs: 0, ...options.realism };
    this.webhookOptions = { retryBaseMs: 1000, maxAttempts: 8, outOfOrderMs: 0, duplicates: false, ...options.webhooks };
    this.dispatcher = new WebhookDispatcher(
      () => this.webhookOptions,
      () => this.random.next(),
    );
    this.platformAccount = this.addAccount({
      id: this.platform.accountId,
      livemode: this.platform.secretKey.startsWith('sk_live_'),
      name: this.platform.name,
      email: 'platform@pulsescore.example',
      connected: true,
    });
    this.platformAccount.secretKey = this.platform.secretKey;
    registerResources(this.router);
  }

  /** Unix seconds. */
  now(): number {
    return Math.floor(this.clock() / 1000);
  }

  context(account: Account): BuildContext {
    return { account, ids: this.ids, now: this.now() };
  }

  addAccount(input: Parameters<typeof createAccount>[1]): Account {
    const account = createAccount(this.ids, input);
    this.accounts.set(account.id, account);
    return account;
  }

  connectedAccounts(): Account[] {
    return [...this.accounts.values()].filter((a) => a !== this.platformAccount);
  }

  /** Records an event for a change and delivers it to the account's endpoints and, for Connect, the platform's. */
  emit(account: Account, type: string, object: StripeObject, previousAttributes?: Record<string, unknown>): StripeObject {
    const connect = account !== this.platformAccount;
    // An event carries the object as the API serves it, embedded lists cut to their first page.
    const snapshot = structuredClone(truncateSublists(account.store.get(object.id) ?? object));
    const event = buildEvent(this.context(account), {
      type,
      object: snapshot,
      previous_attributes: previousAttributes,
      connect,
    }) as StripeObject;
    account.store.put(event);
    const payload = JSON.stringify(event, null, 2);
    const wants = (ep: StripeObject) => ep.status === 'enabled' && (ep.enabled_events.includes('*') || ep.enabled_events.includes(type));
    for (const ep of account.store.all('webhook_endpoint')) {
      const { _connect, _secret } = account.store.hidden(ep.id);
      if (!_connect && wants(ep)) this.dispatcher.enqueue({ eventId: event.id, url: ep.url, secret: _secret, payload });
    }
    if (connect && account.connected) {
      for (const ep of this.platformAccount.store.all('webhook_endpoint')) {
        const { _connect, _secret } = this.platformAccount.store.hidden(ep.id);
        if (_connect && wants(ep)) this.dispatcher.enqueue({ eventId: event.id, url: ep.url, secret: _secret, payload });
      }
      if (this.platform.webhookUrl) {
        this.dispatcher.enqueue({ eventId: event.id, url: this.platform.webhookUrl, secret: this.platform.webhookSecret, payload });
      }
    }
    return event;
  }

  /** Fixed one-second windows per account, like Stripe's per-second limits. */
  private rateLimited(account: Account): boolean {
    if (!this.realism.rateLimitEnabled) return false;
    const limit = account.livemode ? this.realism.rateLimitLive : this.realism.rateLimitTest;
    const second = Math.floor(Date.now() / 1000);
    const w = this.windows.get(account.id);
    if (!w || w.second !== second) {
      this.windows.set(account.id, { second, count: 1 });
      return false;
    }
    w.count++;
    return w.count > limit;
  }

  private authenticate(req: IncomingMessage): { account: Account; viaPlatform: boolean } {
    const header = req.headers.authorization ?? '';
    const key = header.startsWith('Bearer ')
      ? header.slice(7).trim()
      : header.startsWith('Basic ')
        ? Buffer.from(header.slice(6), 'base64').toString().split(':')[0]!
        : '';
    if (!key) {
      throw new StripeApiError(
        401,
        'invalid_request_error',
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
    }
    const masked = `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
    const target = (req.headers['stripe-account'] ?? req.headers['stripe-context']) as string | undefined;
    if (key === this.platform.secretKey) {
      if (!target || target === this.platformAccount.id) return { account: this.platformAccount, viaPlatform: false };
      const account = this.accounts.get(target);
      if (!account || !account.connected) {
        throw new StripeApiError(
          403,
          'invalid_request_error',
          `The provided key '${masked}' does not have access to account '${target}' (or that account does not exist). Application access may have been revoked.`,
          'account_invalid',
        );
      }
      return { account, viaPlatform: true };
    }
    const account = [...this.accounts.values()].find((a) => a.secretKey === key);
    if (!account) throw new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${masked}`, 'api_key_invalid');
    if (!account.connected)
      throw new StripeApiError(
        401,
        'invalid_request_error',
        `Expired API Key provided: ${masked}. Application access may have been revoked.`,
        'api_key_expired',
      );
    // Only a platform acts on other accounts: an account's own key with `Stripe-Account` naming another
    // account is refused (https://docs.stripe.com/connect/authentication#stripe-account-header).
    if (target && target !== account.id) {
      throw new StripeApiError(
        403,
        'invalid_request_error',
        `The provided key '${masked}' does not have access to account '${target}' (or that account does not exist). Application access may have been revoked.`,
        'account_invalid',
      );
    }
    return { account, viaPlatform: false };
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 2 * 1024 * 1024) throw new StripeApiError(413, 'invalid_request_error', 'Request body too large.');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'request-id': `req_${this.ids.token(14)}`,
      'stripe-version': API_VERSION,
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  /** The whole HTTP surface: `/v1/*` (the API), `/oauth/*` (Connect) and `/_emulator/*` (switches and stats). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    try {
      if (url.pathname.startsWith('/_emulator/')) {
        const raw = await this.readBody(req);
        const result = await handleAdmin(this, req.method ?? 'GET', url, raw);
        return this.send(res, 200, result);
      }
      if (url.pathname.startsWith('/oauth/')) {
        const raw = req.method === 'POST' ? await this.readBody(req) : '';
        return await handleOAuth(this, req, res, url, raw);
      }
      await this.handleApi(req, res, url);
    } catch (err) {
      if (err instanceof StripeApiError) {
        if (url.pathname.startsWith('/v1/')) {
          const refusal = this.audit.record(req, `${url.pathname}${url.search}`.slice(0, 500), err);
          if (refusal) this.onRefusal?.(refusal);
        }
        return this.send(res, err.status, err.toJSON());
      }
      if (err instanceof OAuthError) return this.send(res, err.status, { error: err.error, error_description: err.description });
      this.send(res, 500, { error: { type: 'api_error', message: 'An unexpected error occurred in the emulator.' } });
    }
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.stats.requests++;
    // The network's share of a request: it comes before Stripe sees it, so access revoked meanwhile refuses it.
    if (this.realism.latencyMs > 0) await new Promise((r) => setTimeout(r, this.realism.latencyMs));
    const method = req.method ?? 'GET';
    const matched = this.router.match(method, url.pathname);
    // Stripe answers an unknown path and a known path with an unsupported method alike: 404.
    if (!matched)
      throw new StripeApiError(
        404,
        'invalid_request_error',
        `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      );
    const { account, viaPlatform } = this.authenticate(req);
    this.stats.byAccount[account.id] = (this.stats.byAccount[account.id] ?? 0) + 1;
    const routeKey = `${method} ${url.pathname.replace(/\/(cus|sub|si|ch|in|il|prod|price|evt|we|di|re|dp)_[A-Za-z0-9]+/g, '/:id')}`;
    this.stats.byRoute[routeKey] = (this.stats.byRoute[routeKey] ?? 0) + 1;
    if (this.rateLimited(account)) {
      this.stats.rateLimited++;
      throw new StripeApiError(
        429,
        'invalid_request_error',
        'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
        'rate_limit',
      );
    }
    if (this.realism.errorRate > 0 && this.random.next() < this.realism.errorRate) {
      this.stats.injectedErrors++;
      throw new StripeApiError(500, 'api_error', 'An unknown error occurred (injected by the emulator).');
    }
    const raw = method === 'POST' ? await this.readBody(req) : url.search.slice(1);
    let params;
    try {
      params = parseForm(raw);
    } catch {
      throw new StripeApiError(400, 'invalid_request_error', 'Invalid request: the parameters could not be parsed.');
    }
    const run = async () => matched.handler({ emulator: this, account, path: matched.path, params, viaPlatform, req });
    const key = req.headers['idempotency-key'];
    if (method !== 'POST' || typeof key !== 'string' || key === '') return this.send(res, 200, await run());
    const replay = await this.idempotently(account, key, `${url.pathname}?${raw}`, run);
    this.send(res, replay.status, replay.body, replay.replayed ? { 'idempotent-replayed': 'true' } : {});
  }

  /**
   * Stripe's idempotent requests (https://docs.stripe.com/api/idempotent_requests): the first outcome of a POST
   * under a key is saved once the endpoint started executing (a success or a card error, not a parameter
   * error) and replayed for the same key, with `Idempotent-Replayed: true`; the same key with different
   * parameters is an `idempotency_error`. Keys live 24 hours, per account; GET and DELETE ignore them.
   */
  private async idempotently(
    account: Account,
    key: string,
    fingerprint: string,
    run: () => Promise<unknown>,
  ): Promise<{ status: number; body: unknown; replayed: boolean }> {
    if (key.length > 255)
      throw new StripeApiError(400, 'invalid_request_error', 'Idempotency keys can be at most 255 characters long.', 'parameter_invalid');
    const slot = `${account.id}:${key}`;
    const now = this.clock();
    const saved = this.idempotent.get(slot);
    if (saved && saved.expiresAt > now) {
      if (saved.fingerprint !== fingerprint) {
        throw new StripeApiError(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      return { status: saved.status, body: saved.body, replayed: true };
    }
    const keep = (status: number, body: unknown) =>
      this.idempotent.set(slot, { fingerprint, status, body, expiresAt: now + IDEMPOTENCY_TTL_MS });
    try {
      const body = await run();
      keep(200, body);
      return { status: 200, body, replayed: false };
    } catch (err) {
      if (err instanceof StripeApiError && err.type === 'card_error') keep(err.status, err.toJSON());
      throw err;
    }
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<{ url: string; port: number }> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const actual = (this.server.address() as AddressInfo).port;
    return { url: `http://${host}:${actual}`, port: actual };
  }

  async close(): Promise<void> {
    this.dispatcher.close();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Every account and object, for saving to a file. */
  snapshot() {
    return {
      version: 1,
      accounts: [...this.accounts.values()].map((a) => ({
        ...a,
        store: undefined,
        objects: a.store.types().flatMap((t) => a.store.allWithHidden(t)),
      })),
    };
  }

  restore(snapshot: ReturnType<Emulator['snapshot']>): void {
    if (snapshot?.version !== 1 || !Array.isArray(snapshot.accounts)) throw new Error('Not an emulator state file (expected version 1).');
    this.accounts.clear();
    for (const saved of snapshot.accounts) {
      const { objects, store: _ignored, ...fields } = saved as typeof saved & { objects: StripeObject[] };
      const store = new Store();
      for (const obj of objects) store.put(obj);
      const account: Account = { ...(fields as Omit<Account, 'store'>), store };
      if (account.id === this.platformAccount.id) Object.assign(this.platformAccount, { ...account, secretKey: this.platform.secretKey });
      this.accounts.set(account.id, account.id === this.platformAccount.id ? this.platformAccount : account);
    }
    this.accounts.set(this.platformAccount.id, this.platformAccount);
  }

  async saveTo(file: string): Promise<void> {
    await writeFile(file, JSON.stringify(this.snapshot()));
  }

  async loadFrom(file: string): Promise<void> {
    this.restore(JSON.parse(await readFile(file, 'utf8')));
  }
}

import { readFile, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.js';
import { authenticate } from './authentication.js';
import type { EmulatorContext, EmulatorStats, OAuthCode, PlatformConfig, RealismConfig } from './context.js';
import { IdempotencyKeys } from './idempotency.js';
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
export type { EmulatorContext, EmulatorStats, OAuthCode, PlatformConfig, RealismConfig } from './context.js';

export class Emulator implements EmulatorContext {
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
  private readonly idempotency: IdempotencyKeys;
  private readonly router = new Router();
  private readonly windows = new Map<string, { second: number; count: number }>();
  private readonly clock: () => number;
  private server: http.Server | null = null;

  constructor(options: EmulatorOptions = {}) {
    this.random = new Random(options.seed ?? 42);
    this.ids = new IdGenerator(this.random);
    this.clock = options.now ?? Date.now;
    this.idempotency = new IdempotencyKeys(this.clock);
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
    const { account, viaPlatform } = authenticate(this, req);
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
    const replay = await this.idempotency.run(account, key, `${url.pathname}?${raw}`, run);
    this.send(res, replay.status, replay.body, replay.replayed ? { 'idempotent-replayed': 'true' } : {});
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

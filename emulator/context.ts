import type { RequestAudit } from './audit.js';
import type { BuildContext } from './objects/common.js';
import type { Random } from './random.js';
import type { Account, createAccount, IdGenerator, StripeObject } from './state.js';
import type { DeliveryOptions, WebhookDispatcher } from './webhooks.js';

/**
 * What every part of the emulator shares — the accounts and their stores, the clock, ids, the event emitter,
 * the platform's settings — as a narrow interface. Resources, OAuth, the admin switches, billing and the
 * scenario loader depend on this, never on the `Emulator` class that composes them, so nothing imports back
 * up and the emulator has no import cycle.
 */
export interface EmulatorContext {
  readonly platform: PlatformConfig;
  readonly realism: RealismConfig;
  readonly webhookOptions: DeliveryOptions;
  readonly random: Random;
  readonly ids: IdGenerator;
  readonly accounts: Map<string, Account>;
  readonly oauthCodes: Map<string, OAuthCode>;
  readonly stats: EmulatorStats;
  readonly dispatcher: WebhookDispatcher;
  readonly platformAccount: Account;
  readonly audit: RequestAudit;
  /** Unix seconds. */
  now(): number;
  /** What object builders need: the account, an id source and the current time. */
  context(account: Account): BuildContext;
  addAccount(input: Parameters<typeof createAccount>[1]): Account;
  connectedAccounts(): Account[];
  /** Records an event for a change and delivers it to the account's endpoints and, for Connect, the platform's. */
  emit(account: Account, type: string, object: StripeObject, previousAttributes?: Record<string, unknown>): StripeObject;
  /** Every account and object, as `--state` files hold them. */
  snapshot(): unknown;
}

export interface RealismConfig {
  rateLimitEnabled: boolean;
  /** Requests per second per account, as Stripe allows by default. */
  rateLimitLive: number;
  rateLimitTest: number;
  /** Share of API requests answered with a 500 (0–1). */
  errorRate: number;
  /** Added to every API request before Stripe sees it. */
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

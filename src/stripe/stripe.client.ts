import Stripe from 'stripe';

/** The Stripe API version PulseScore is written against (the SDK's pinned version). */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export interface StripePlatformConfig {
  clientId: string;
  secretKey: string;
  webhookSecret: string | undefined;
  /** An emulator's base URL; unset means Stripe itself. */
  apiBase: string | undefined;
  /** How long one call may take before it fails (and is retried); 30 s by default. */
  timeoutMs?: number;
}

export interface StripePlatform {
  config: StripePlatformConfig;
  /** The SDK with the platform key; calls on a connected account pass `{ stripeAccount }`. */
  client: Stripe;
  authorizeUrl(params: { state: string; redirectUri: string }): string;
}

export function createStripePlatform(config: StripePlatformConfig): StripePlatform {
  const base = config.apiBase ? new URL(config.apiBase) : null;
  const client = new Stripe(config.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    // 429 and 5xx are retried by PulseScore with its own back-off (see withStripeRetry).
    maxNetworkRetries: 0,
    timeout: config.timeoutMs ?? 30_000,
    appInfo: { name: 'PulseScore', version: '0.1.0' },
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });
  const connectBase = base ? `${base.origin}` : 'https://connect.stripe.com';
  return {
    config,
    client,
    authorizeUrl({ state, redirectUri }) {
      const url = new URL('/oauth/authorize', connectBase);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('scope', 'read_only');
      url.searchParams.set('state', state);
      url.searchParams.set('redirect_uri', redirectUri);
      return url.toString();
    },
  };
}

export function isRetryableStripeError(err: unknown): boolean {
  if (
    err instanceof Stripe.errors.StripeRateLimitError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeConnectionError
  )
    return true;
  const status = (err as { statusCode?: number }).statusCode;
  return status === 429 || (status !== undefined && status >= 500);
}

export interface RetryOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  signal?: AbortSignal;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  /** Shared by calls against the same account: a rate limit met by one holds them all back. */
  gate?: RateGate;
}

export interface RateGate {
  wait(): Promise<void>;
  hold(ms: number): void;
}

/**
 * After a rate limit, no call through the gate goes to Stripe until the back-off is over: calls running side by
 * side (a sync's streams) would otherwise each meet the limit in turn, and every refused call counts against it.
 */
export function createRateGate(): RateGate {
  let until = 0;
  return {
    async wait() {
      for (let ms = until - Date.now(); ms > 0; ms = until - Date.now()) await new Promise((r) => setTimeout(r, ms));
    },
    hold(ms: number) {
      until = Math.max(until, Date.now() + ms);
    },
  };
}

/** How long a rate limit holds back the calls sharing a gate: about what is left of the limit's one-second window. */
const GATE_HOLD_MS = 600;

/** Retries rate limits (429), Stripe 5xx and connection errors with exponential back-off and jitter. */
export async function withStripeRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  // Six attempts: about 8 s of back-off for 5xx (about 5 s past a rate limit) before the caller hears of it.
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.baseDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    await options.gate?.wait();
    try {
      return await fn();
    } catch (err) {
      if (!isRetryableStripeError(err) || attempt >= maxAttempts || options.signal?.aborted) throw err;
      const rateLimited = (err as { statusCode?: number }).statusCode === 429;
      // Rate limits are per second: waiting less than that only burns requests.
      const delay = Math.min(30_000, Math.max(rateLimited ? 1000 : 0, base * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5));
      if (rateLimited) options.gate?.hold(GATE_HOLD_MS);
      await options.onRetry?.(err, attempt, delay);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

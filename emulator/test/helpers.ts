import Stripe from 'stripe';
import { type RunningEmulator, type StartOptions, startEmulator } from '../index.js';

export const PLATFORM_KEY = 'sk_test_pulsescore_demo_platform_key';
export const CLIENT_ID = 'ca_PulseScoreDemoClient';
export const REDIRECT = 'http://localhost:3000/api/v1/integrations/stripe/callback';

export function sdk(running: RunningEmulator, key = PLATFORM_KEY): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: running.port, protocol: 'http', maxNetworkRetries: 0 });
}

export async function start(options: StartOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ customers: 0, ...options, realism: { rateLimitEnabled: false, ...options.realism } });
}

/** Clicks "Allow access" (or Cancel) on the consent page and returns where Stripe redirected. */
export async function authorize(
  running: RunningEmulator,
  fields: Partial<Record<'client_id' | 'redirect_uri' | 'state' | 'scope' | 'account' | 'decision', string>> = {},
): Promise<URL> {
  const form = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    state: 'state-1',
    scope: 'read_only',
    decision: 'allow',
    ...fields,
  });
  const res = await fetch(`${running.url}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  if (res.status !== 302) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(res.headers.get('location')!);
}

/** Connects an account through the real OAuth flow and returns its id. */
export async function connect(running: RunningEmulator, accountId: string): Promise<string> {
  const location = await authorize(running, { account: accountId });
  const token = await sdk(running).oauth.token({ grant_type: 'authorization_code', code: location.searchParams.get('code')! });
  return token.stripe_user_id!;
}

export function firstAccount(running: RunningEmulator): string {
  return running.emulator.connectedAccounts()[0]!.id;
}

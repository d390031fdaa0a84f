import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

export interface Received {
  body: string;
  signature: string;
}

/** A local HTTP receiver that records deliveries and can fail the first N of them. */
export async function receiver(failFirst = 0) {
  const received: Received[] = [];
  let failures = failFirst;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500).end('try later');
        return;
      }
      received.push({ body, signature: String(req.headers['stripe-signature']) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export const until = async (fn: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

import http from 'node:http';
import { signPayload } from '../emulator/index.js';

export const EVENTS = 6000;
export const CUSTOMERS = 1500;
export const SECRET = 'whsec_bench_connect_secret';
export const ACCOUNT = 'acct_1BenchAccount';
/** The first requests also pay for JIT compilation and connection set-up; the steady state starts after them. */
export const WARMUP = 1000;

/** Each customer is updated several times; the last version (by `created`) must win whatever the order. */
export function events(): { body: string; customer: string; version: number }[] {
  const base = Math.floor(Date.now() / 1000) - 3600;
  return Array.from({ length: EVENTS }, (_, i) => {
    const customer = `cus_bench${String(i % CUSTOMERS).padStart(6, '0')}`;
    const version = Math.floor(i / CUSTOMERS);
    const body = JSON.stringify({
      id: `evt_bench${String(i).padStart(8, '0')}`,
      object: 'event',
      account: ACCOUNT,
      api_version: '2026-10-28.endive',
      created: base + version,
      data: {
        object: {
          id: customer,
          object: 'customer',
          name: `v${version}`,
          email: `${customer}@example.com`,
          created: base - 86400,
          currency: 'usd',
          metadata: { version: String(version) },
        },
      },
      livemode: true,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'customer.updated',
    });
    return { body, customer, version };
  });
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// A plain keep-alive HTTP client: the load generator should spend as little CPU as possible.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'stripe-signature': signature },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends every event at a fixed rate (open loop, as Stripe's deliveries arrive whatever the receiver's pace),
 * with at most `maxInFlight` requests outstanding. Reports the rate achieved and the latencies seen.
 */
export async function sendAll(url: string, ratePerSecond: number, maxInFlight = 64) {
  const all = events();
  const latencies: number[] = [];
  const warmLatencies: number[] = [];
  let failures = 0;
  let inFlight = 0;
  const started = performance.now();
  const done: Promise<void>[] = [];
  for (let i = 0; i < all.length; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    while (inFlight >= maxInFlight) await new Promise((r) => setImmediate(r));
    const e = all[i]!;
    inFlight++;
    const t = performance.now();
    done.push(
      post(url, e.body, signPayload(e.body, SECRET, Math.floor(Date.now() / 1000)))
        .then((status) => {
          if (status !== 200) failures++;
        })
        .catch(() => void failures++)
        .finally(() => {
          inFlight--;
          const ms = performance.now() - t;
          latencies.push(ms);
          if (i >= WARMUP) warmLatencies.push(ms);
        }),
    );
  }
  await Promise.all(done);
  latencies.sort((a, b) => a - b);
  warmLatencies.sort((a, b) => a - b);
  return {
    seconds: (performance.now() - started) / 1000,
    failures,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    warmP99: percentile(warmLatencies, 99),
  };
}

/** A `charge.failed` event as Stripe delivers it for a connected account (the scoring and alerts benches). */
export function chargeFailedEvent(input: {
  eventId: string;
  chargeId: string;
  account: string;
  customer: string;
  amount?: number;
}): string {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    id: input.eventId,
    object: 'event',
    account: input.account,
    api_version: '2026-10-28.endive',
    created: now,
    data: {
      object: {
        id: input.chargeId,
        object: 'charge',
        amount: input.amount ?? 2900,
        currency: 'usd',
        customer: input.customer,
        status: 'failed',
        paid: false,
        failure_code: 'card_declined',
        failure_message: 'Your card was declined.',
        created: now,
      },
    },
    livemode: true,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'charge.failed',
  });
}

/** Posts a signed webhook to a PulseScore listening on `port`; throws unless it answers 200. */
export async function sendWebhook(port: number, body: string, secret: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(body, secret, Math.floor(Date.now() / 1000)) },
    body,
  });
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
}

import { Analytics } from '@segment/analytics-node';

/**
 * The Segment load generator, in its own process: the official `@segment/analytics-node` client (only its host
 * changed) sends `groups` group calls, then `events` track calls (live traffic: stamped now) in waves of `inFlight`
 * full batches, and reports the throughput and every batch request's latency (timed around the client's own fetch).
 */
const [host, writeKey, eventsArg, groupsArg] = process.argv.slice(2);
if (!host || !writeKey) {
  process.stderr.write('usage: segment-client.ts <host> <write key> [events] [groups]\n');
  process.exit(2);
}
const EVENTS = Number(eventsArg ?? 100_000);
const GROUPS = Number(groupsArg ?? 10_000);
const BATCH = 100;
const IN_FLIGHT = 4;

const latencies: number[] = [];
const statuses: Record<number, number> = {};
const analytics = new Analytics({
  writeKey,
  host,
  flushAt: BATCH,
  flushInterval: 10_000,
  maxRetries: 3,
  httpClient: async (url, init) => {
    const t0 = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    return res;
  },
});
let failed = 0;
analytics.on('error', () => failed++);

const group = (i: number) => `grp-${i}`;
const customer = (i: number) => `cus_b${String(i + 1).padStart(7, '0')}`;
for (let i = 0; i < GROUPS; i++) {
  analytics.group({ userId: `u-${i}-0`, groupId: group(i), traits: { name: `Account ${i}`, stripe_customer_id: customer(i) } });
  if ((i + 1) % (BATCH * IN_FLIGHT) === 0) await analytics.flush();
}
await analytics.flush();
latencies.length = 0;

const started = performance.now();
for (let i = 0; i < EVENTS; i++) {
  const g = i % GROUPS;
  analytics.track({
    userId: `u-${g}-${i % 5}`,
    event: ['Report Viewed', 'Login', 'Export', 'Dashboard Opened'][i % 4]!,
    properties: { plan: 'pro', n: i },
    context: { groupId: group(g) },
  });
  if ((i + 1) % (BATCH * IN_FLIGHT) === 0) await analytics.flush();
}
await analytics.closeAndFlush({ timeout: 60_000 });
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ events: EVENTS, seconds, latencies, statuses, failed })}\n`);

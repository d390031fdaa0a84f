import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { createLogger } from '../src/core/logger.js';
import { enqueue } from '../src/jobs/jobs.registry.js';
import { createScoringService } from '../src/scoring/scoring.service.js';
import { rollupJob } from '../src/usage/usage.jobs.js';
import { startBenchApp } from './bench-app.js';
import { seedBusiness } from './scoring-data.js';
import type { Benchmark, BenchResult } from './types.js';
import { percentile } from './webhook-events.js';
import { nodeArgs } from './node-args.js';

const ORG = 'bench-ingest';
const ACCOUNT = 'acct_1BenchIngest';
const CUSTOMERS = 10_000;
const CLIENT_EVENTS = 100_000;
const TOTAL_EVENTS = 1_000_000;
const round = (n: number) => Math.round(n * 10) / 10;
const mb = (bytes: number) => Math.round(bytes / 1048576);

interface ClientResult {
  events: number;
  seconds: number;
  latencies: number[];
  statuses: Record<string, number>;
  failed: number;
}

function runClient(host: string, key: string): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs('bench/segment-client.ts'), host, key, String(CLIENT_EVENTS), String(CUSTOMERS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as ClientResult) : reject(new Error(`segment client exited ${code}`)),
    );
  });
}

/**
 * Segment-compatible ingestion: events sent by the official client to a running PulseScore (throughput, batch
 * latency), the rollup of a million events, a re-score of 10k customers that have usage data, and PulseScore's
 * memory throughout (the client runs in a process of its own).
 */
export const ingestBench: Benchmark = {
  name: 'ingest',
  description: `${CLIENT_EVENTS.toLocaleString('en')} events through @segment/analytics-node, ${TOTAL_EVENTS.toLocaleString('en')} rolled up, re-score of ${CUSTOMERS.toLocaleString('en')} customers with usage`,
  async run() {
    const bench = await startBenchApp({ secret: 'whsec_bench_ingest', org: ORG, account: ACCOUNT });
    const { db, port } = bench;
    let peakRss = 0;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    try {
      await seedBusiness(db, ORG, CUSTOMERS);
      const scoring = createScoringService({ db, logger: createLogger('warn') });
      await scoring.rescoreOrganization(ORG, 'sync');
      await db
        .insertInto('users')
        .values({ id: 'bench-ingest-user', name: 'Bench', email: 'ingest@example.com', updated_at: new Date() })
        .execute();
      await db
        .insertInto('members')
        .values({ id: 'bench-ingest-member', org_id: ORG, user_id: 'bench-ingest-user', role: 'owner', created_at: new Date() })
        .execute();
      const key = `psk_bench_ingest_key_${'x'.repeat(24)}`;
      const { hashApiKey } = await import('../src/api-keys/api-keys.service.js');
      await db
        .insertInto('api_keys')
        .values({
          org_id: ORG,
          name: 'segment',
          role: 'member',
          prefix: key.slice(0, 10),
          key_hash: hashApiKey(key),
          created_by: 'bench-ingest-user',
        })
        .execute();
      // Memory is reported by phase too: the process's size when ingestion starts (the seeded business and its
      // first scores) is part of every later peak, since a process rarely gives memory back.
      const startRss = process.memoryUsage().rss;
      peakRss = 0;

      // 1. The official client, in its own process, against PulseScore (the worker rolls up as events arrive).
      const client = await runClient(`http://127.0.0.1:${port}`, key);
      const rate = client.events / client.seconds;
      const p99 = percentile(client.latencies, 99);
      process.stdout.write(
        `  @segment/analytics-node: ${client.events} track events in ${client.seconds.toFixed(1)} s (${Math.round(rate)} events/s), ` +
          `${client.latencies.length} batch requests: p50 ${percentile(client.latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ` +
          `statuses ${JSON.stringify(client.statuses)}, failed ${client.failed}\n`,
      );
      const stored = await sql<{ n: number }>`select count(*)::int as n from usage_events where org_id = ${ORG} and type = 'track'`.execute(
        db,
      );
      if (stored.rows[0]!.n !== client.events) throw new Error(`stored ${stored.rows[0]!.n} of ${client.events} events`);
      const intakeRss = peakRss;

      // 2. The rest of a million events, as if sent over the last 60 days, and the rollup of all of them.
      const rest = TOTAL_EVENTS - client.events;
      await sql`
        insert into usage_events (org_id, message_id, type, event, user_id, group_id, occurred_at, payload)
        select ${ORG}, 'seed-' || i, 'track', (array['Report Viewed','Login','Export','Dashboard Opened'])[1 + i % 4],
          'u-' || (i % ${CUSTOMERS}) || '-' || (i % 7), 'grp-' || (i % ${CUSTOMERS}), now() - make_interval(days => i % 60, secs => i % 86000),
          jsonb_build_object('traits', null, 'properties', jsonb_build_object('n', i), 'context', jsonb_build_object('groupId', 'grp-' || (i % ${CUSTOMERS})))
        from generate_series(1, ${rest}) as i`.execute(db);
      const t0 = performance.now();
      await enqueue(db, rollupJob, {});
      for (;;) {
        // Whether any event is still pending, not how many: counting a backlog of 900k rows ten times a second
        // took a good part of one of the machine's two cores away from the rollup being measured. The walk of
        // the pending index is pinned (stale statistics would otherwise have the planner scan the whole table).
        const left = await db.transaction().execute(async (trx) => {
          await sql`select set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`.execute(trx);
          return sql<{ pending: boolean; jobs: boolean }>`
            select exists (select 1 from usage_events where state = 0) as pending,
                   exists (select 1 from graphile_worker.jobs where task_identifier = 'usage.rollup') as jobs`.execute(trx);
        });
        if (!left.rows[0]!.pending && !left.rows[0]!.jobs) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const rollupSeconds = (performance.now() - t0) / 1000;
      const rollupRss = peakRss;
      const rolled = await sql<{ events: number; customers: number }>`
        select coalesce(sum(events), 0)::int as events, count(distinct customer_id)::int as customers from usage_daily_users where org_id = ${ORG}`.execute(
        db,
      );
      process.stdout.write(
        `  rollup: ${rest} more events rolled up in ${rollupSeconds.toFixed(1)} s (then their customers re-scored); ` +
          `rollups hold ${rolled.rows[0]!.events} events of ${rolled.rows[0]!.customers} customers\n`,
      );
      if (rolled.rows[0]!.events !== TOTAL_EVENTS) throw new Error(`rolled up ${rolled.rows[0]!.events} of ${TOTAL_EVENTS} events`);

      // 3. A full re-score of the customers, now with usage data (rollups only, never raw events).
      const t1 = performance.now();
      const scored = await scoring.rescoreOrganization(ORG, 'daily');
      const rescoreSeconds = (performance.now() - t1) / 1000;
      const withUsage = await sql<{ n: number }>`
        select count(*)::int as n from customer_scores where org_id = ${ORG} and factors -> 'usage' ? 'value'`.execute(db);
      process.stdout.write(
        `  re-score of ${scored} customers (${withUsage.rows[0]!.n} with a usage factor): ${rescoreSeconds.toFixed(2)} s; ` +
          `peak memory ${mb(peakRss)} MB (${mb(startRss)} MB as the client started, peak ${mb(intakeRss)} MB by the end of ` +
          `intake, ${mb(rollupRss)} MB by the end of the rollup)\n`,
      );
      const results: BenchResult[] = [
        { name: 'ingest.segment_events_per_second', value: Math.round(rate), unit: 'events/s', target: 5000, direction: 'min' },
        { name: 'ingest.batch_request_p99', value: round(p99), unit: 'ms', target: 100, direction: 'max' },
        { name: 'ingest.rollup_1m_events', value: round(rollupSeconds), unit: 's', target: 120, direction: 'max' },
        { name: 'ingest.rescore_10k_with_usage', value: round(rescoreSeconds), unit: 's', target: 1, direction: 'max' },
        { name: 'ingest.peak_memory', value: Math.round(peakRss / 1048576), unit: 'MB', target: 400, direction: 'max' },
      ];
      return results;
    } finally {
      clearInterval(sample);
      await bench.close();
    }
  },
};

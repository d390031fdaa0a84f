import { spawn } from 'node:child_process';
import { createLogger } from '../src/core/logger.js';
import { startRuntime } from '../src/app/runtime.js';
import { benchConfig } from './bench-app.js';
import { benchDatabase } from './database.js';
import type { Benchmark, BenchResult } from './types.js';

import { ACCOUNT, CUSTOMERS, EVENTS, SECRET, WARMUP } from './webhook-events.js';
import { nodeArgs } from './node-args.js';

/** The offered load: Stripe delivering this many events per second. */
const RATE = 1100;

async function runLoadgen(url: string): Promise<{ seconds: number; failures: number; p50: number; p99: number; warmP99: number }> {
  const child = spawn(process.execPath, [...nodeArgs('bench/loadgen.ts'), url, String(RATE)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

export const webhooksBench: Benchmark = {
  name: 'webhooks',
  description: `Webhook intake: ${EVENTS} signed events offered at ${RATE}/s, then the processing backlog`,
  async run() {
    const database = await benchDatabase();
    const { config, port } = await benchConfig(SECRET);
    const logger = createLogger('warn');
    const api = await startRuntime({ config, logger, databaseUrl: database.url, roles: ['api'] });
    try {
      await api.app!.listen({ port, host: '127.0.0.1' });
      const { db } = api.database;
      await db.insertInto('organizations').values({ id: 'bench-org', name: 'Bench', slug: 'bench' }).execute();
      await db
        .insertInto('stripe_connections')
        .values({
          org_id: 'bench-org',
          stripe_account_id: ACCOUNT,
          livemode: true,
          scope: 'read_only',
          status: 'connected',
          webhook_token: 'bench-token-000000',
        })
        .execute();

      const cpuBefore = process.cpuUsage();
      const load = await runLoadgen(`http://127.0.0.1:${port}/api/v1/webhooks/stripe`);
      const cpu = process.cpuUsage(cpuBefore);
      process.stdout.write(
        `  server CPU during intake: ${((cpu.user + cpu.system) / 1000 / EVENTS).toFixed(2)} ms per event (user ${(cpu.user / 1e6).toFixed(1)} s, system ${(cpu.system / 1e6).toFixed(1)} s)\n`,
      );
      const { failures } = load;
      const intakeSeconds = load.seconds;

      // Now the backlog: a worker drains everything stored above.
      const drainStarted = performance.now();
      const worker = await startRuntime({ config, logger, databaseUrl: database.url, roles: ['worker'] });
      for (;;) {
        const pending = await db
          .selectFrom('stripe_events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('status', 'in', ['pending', 'processing'])
          .executeTakeFirstOrThrow();
        if (Number(pending.n) === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      await worker.close();

      const stored = await db.selectFrom('stripe_events').select(['status', 'attempts']).execute();
      const customers = await db.selectFrom('customers').select(['external_id', 'name']).where('org_id', '=', 'bench-org').execute();
      const last = `v${Math.floor((EVENTS - 1) / CUSTOMERS)}`;
      const exact =
        stored.length === EVENTS &&
        stored.every((e) => e.attempts === 1 && e.status !== 'pending' && e.status !== 'failed') &&
        customers.length === CUSTOMERS &&
        customers.every((c) => c.name === last);
      process.stdout.write(
        `  accepted ${EVENTS - failures}/${EVENTS} in ${intakeSeconds.toFixed(2)} s (p50 ${load.p50.toFixed(1)} ms; p99 ${load.warmP99.toFixed(1)} ms ` +
          `after the first ${WARMUP} warm-up requests, ${load.p99.toFixed(1)} ms with them); ` +
          `drained in ${drainSeconds.toFixed(2)} s; ${exact ? 'every event stored once, applied once, newest state kept' : 'MISMATCH in stored or applied events'}\n`,
      );
      const results: BenchResult[] = [
        { name: 'webhooks.intake_rate', value: Math.round(EVENTS / intakeSeconds), unit: 'events/s', target: 1000, direction: 'min' },
        // Measured in steady state: the first requests of a fresh process pay for JIT compilation (reported above).
        { name: 'webhooks.intake_p99', value: round(load.warmP99), unit: 'ms', target: 50, direction: 'max' },
        { name: 'webhooks.drain_rate', value: Math.round(EVENTS / drainSeconds), unit: 'events/s', target: 500, direction: 'min' },
        { name: 'webhooks.lost_or_duplicated', value: exact && failures === 0 ? 0 : 1, unit: 'errors', target: 0, direction: 'max' },
      ];
      return results;
    } finally {
      await api.close();
      await database.close();
    }
  },
};

const round = (n: number) => Math.round(n * 10) / 10;

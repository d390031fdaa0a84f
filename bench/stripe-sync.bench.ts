import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { startRuntime } from '../src/app/runtime.js';
import { createSyncService } from '../src/stripe/sync.service.js';
import { benchDatabase } from './database.js';
import { connectFirstAccount, PLATFORM_KEY } from './emulator-connect.js';
import type { Benchmark, BenchResult } from './types.js';
import { nodeArgs } from './node-args.js';

const RATE = 100;
const PAGE = 100;

/** Extra pages a client needs for embedded lists that Stripe cuts to their first page (from the emulator). */
interface SublistPages {
  invoiceLinePages: number;
  subscriptionItemPages: number;
}

/** The emulator in its own process, as Stripe is: its work does not count against PulseScore's CPU or memory. */
async function startEmulatorProcess(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...nodeArgs('emulator/main.ts'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return { url, child };
}

export const stripeSyncBench: Benchmark = {
  name: 'sync',
  description:
    'Initial Stripe sync: 10,000 customers, ~12,000 subscriptions, 90 days of charges, 12 months of invoices, Stripe at 100 requests/s',
  async run() {
    const emulator = await startEmulatorProcess([
      '--customers',
      '10000',
      '--seed',
      '42',
      '--live',
      '--add-on-rate',
      '0.3',
      '--rate-limit-live',
      String(RATE),
    ]);
    const database = await benchDatabase();
    const secretKey = PLATFORM_KEY;
    try {
      const { account } = await connectFirstAccount(emulator.url);
      const config = await loadConfig({
        NODE_ENV: 'test',
        DATA_DIR: await mkdtemp(path.join(tmpdir(), 'bench-')),
        ENCRYPTION_KEY: 'b'.repeat(64),
        SESSION_SECRET: 'bench-session-secret-long-enough-xxxxxxxx',
        STRIPE_CLIENT_ID: 'ca_PulseScoreDemoClient',
        STRIPE_SECRET_KEY: secretKey,
        STRIPE_API_BASE: emulator.url,
      });
      const logger = createLogger('warn');
      const runtime = await startRuntime({ config, logger, databaseUrl: database.url, roles: ['worker'] });
      const { db } = runtime.database;
      await db.insertInto('organizations').values({ id: 'bench-org', name: 'Bench', slug: 'bench' }).execute();
      await db
        .insertInto('stripe_connections')
        .values({
          org_id: 'bench-org',
          stripe_account_id: account,
          livemode: true,
          scope: 'read_only',
          status: 'connected',
          webhook_token: 'bench-token-000000',
        })
        .execute();
      await fetch(`${emulator.url}/_emulator/stats/reset`, { method: 'POST' });

      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
      const started = performance.now();
      const { run } = await createSyncService({ db, platform: null, logger }).request('bench-org', 'initial', null);
      let final;
      for (;;) {
        final = await db.selectFrom('sync_runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();
        if (final.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const wall = (performance.now() - started) / 1000;
      clearInterval(sampler);
      await runtime.close();
      if (final.status !== 'succeeded') throw new Error(`sync ${final.status}: ${final.error}`);

      const stats = (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as { byAccount: Record<string, number> };
      const audit = (await (await fetch(`${emulator.url}/_emulator/audit`)).json()) as { refusals: { client: string | null }[] };
      const refused = audit.refusals.filter((r) => r.client !== null);
      if (refused.length > 0) throw new Error(`the Stripe emulator refused PulseScore requests: ${JSON.stringify(refused.slice(0, 5))}`);
      const requests = stats.byAccount[account] ?? 0;
      const c = final.counts;
      const invoicesSince = final.cursors['invoices#0']?.since ?? 0;
      const sublists = (await (
        await fetch(`${emulator.url}/_emulator/accounts/${account}/sublists?invoices_since=${invoicesSince}&page=${PAGE}`)
      ).json()) as SublistPages;
      const pages = (n: number) => Math.max(1, Math.ceil(n / PAGE));
      // The fewest requests Stripe's rules allow: every list read in pages of 100 (the largest page), the
      // catalog as lists of its own (expansions stop at four levels), and the rest of every embedded list
      // that Stripe cuts to its first page (invoice lines, subscription items) in pages of 100.
      const parts = {
        customers: pages(c.customers ?? 0),
        subscriptions: pages(c.subscriptions ?? 0),
        charges: pages((c.payments ?? 0) + (c.anonymous_charges_skipped ?? 0)),
        invoices: pages(c.invoices ?? 0),
        catalog: pages(c.prices ?? 0) + pages(c.products ?? 0) + pages(c.coupons ?? 0),
        refunds: pages(c.refunds ?? 0),
        disputes: pages(c.disputes ?? 0),
        'invoice lines': sublists.invoiceLinePages,
        'subscription items': sublists.subscriptionItemPages,
      };
      const minimum = Object.values(parts).reduce((a, b) => a + b, 0);
      const floor = requests / RATE;
      process.stdout.write(
        `  imported ${c.customers} customers, ${c.subscriptions} subscriptions, ${c.payments} payments, ${c.invoices} invoices, ` +
          `${c.refunds} refunds, ${c.disputes} disputes; ${requests} requests, wall ${wall.toFixed(1)} s, floor ${floor.toFixed(1)} s, ` +
          `peak RSS ${Math.round(peakRss / 1048576)} MB\n` +
          `  minimum requests ${minimum} = ${Object.entries(parts)
            .map(([k, v]) => `${k} ${v}`)
            .join(' + ')} (pages of ${PAGE})\n`,
      );
      const results: BenchResult[] = [
        { name: 'sync.requests', value: requests, unit: 'requests', target: Math.floor(minimum * 1.05), direction: 'max' },
        { name: 'sync.wall_time', value: round(wall), unit: 's', target: round(1.3 * floor + 5), direction: 'max' },
        { name: 'sync.floor', value: round(floor), unit: 's', target: round(floor), direction: 'max' },
        { name: 'sync.peak_rss', value: Math.round(peakRss / 1048576), unit: 'MB', target: 400, direction: 'max' },
      ];
      return results;
    } finally {
      emulator.child.kill('SIGTERM');
      await database.close();
    }
  },
};

const round = (n: number) => Math.round(n * 100) / 100;

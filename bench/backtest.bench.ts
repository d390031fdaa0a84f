import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createBacktestService } from '../src/backtest/backtest.service.js';
import { createLogger } from '../src/core/logger.js';
import { DEFAULT_CONFIG } from '../src/scoring/scoring.config.js';
import { seedBacktestBusiness } from './backtest-data.js';
import { startBenchApp } from './bench-app.js';
import type { Benchmark, BenchResult } from './types.js';
import { percentile } from './webhook-events.js';

const CUSTOMERS = 10_000;
const ORG = 'bench-backtest-org';
const ACCOUNT = 'acct_1BenchBacktest';
const SECRET = 'whsec_bench_backtest_secret';
const round = (n: number) => Math.round(n * 10) / 10;
const MB = 1024 * 1024;

export const backtestBench: Benchmark = {
  name: 'backtest',
  description: `Score history reconstruction and the backtest over ${CUSTOMERS.toLocaleString('en')} customers (a year, weekly, with churns)`,
  async run() {
    const bench = await startBenchApp({ secret: SECRET, org: ORG, account: ACCOUNT });
    const { db, runtime, config } = bench;
    // The highest resident set seen: sampled while the process works (the OS's own peak counts the start-up too).
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
    try {
      const seeded = performance.now();
      await seedBacktestBusiness(db, ORG, CUSTOMERS);
      process.stdout.write(
        `  seeded ${CUSTOMERS.toLocaleString('en')} customers (a year of invoices, 90 days of charges) in ${((performance.now() - seeded) / 1000).toFixed(1)} s\n`,
      );

      // 1. The reconstruction after the first sync: every customer's weekly points and churn, written. The event
      // loop's delays show whether the rebuild gives way (other tenants' webhooks are answered on the same loop).
      const backtest = createBacktestService({ db, logger: createLogger('warn') });
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      let t0 = performance.now();
      const built = await backtest.rebuild(ORG);
      const rebuildSeconds = (performance.now() - t0) / 1000;
      loop.disable();
      const loopP99 = loop.percentile(99) / 1e6;
      process.stdout.write(
        `  reconstruction: ${built.customers} customers, ${built.points} points in ${rebuildSeconds.toFixed(2)} s ` +
          `(event loop delay p99 ${loopP99.toFixed(0)} ms, max ${(loop.max / 1e6).toFixed(0)} ms; peak RSS so far ${Math.round(peakRss / MB)} MB)\n`,
      );

      // 2. The API, as the settings page calls it: a signed-in owner of the organization.
      const owner = await runtime.app!.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        headers: { origin: config.appUrl, 'content-type': 'application/json' },
        payload: { name: 'Bench', email: 'bench-backtest@example.com', password: 'correct horse battery staple', organizationName: 'x' },
      });
      const cookie = owner.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const user = JSON.parse(owner.body).user.id as string;
      await db
        .insertInto('members')
        .values({ id: 'bench-backtest-member', org_id: ORG, user_id: user, role: 'owner', created_at: new Date() })
        .execute();
      await db.updateTable('sessions').set({ active_organization_id: ORG }).where('user_id', '=', user).execute();
      const headers = { cookie, origin: config.appUrl };

      const answers: number[] = [];
      let summary = '';
      for (let i = 0; i < 16; i++) {
        const horizon = [30, 60, 90][i % 3]!;
        const t = performance.now();
        const res = await runtime.app!.inject({ method: 'GET', url: `/api/v1/scoring/backtest?horizon=${horizon}`, headers });
        const ms = performance.now() - t;
        if (res.statusCode !== 200) throw new Error(`GET /scoring/backtest answered ${res.statusCode}: ${res.body}`);
        // The first answer warms the JIT and the database's caches up.
        if (i > 0) answers.push(ms);
        if (i === 0) {
          const body = JSON.parse(res.body);
          const all = body.result.all;
          summary =
            `${all.churners} churners, ${all.stayers} stayers; red precision ${(all.red.precision.value * 100).toFixed(0)} %, ` +
            `recall ${(all.red.recall.value * 100).toFixed(0)} %; ${body.churns.length} churns, ${body.customers.length} customers named`;
        }
      }
      answers.sort((a, b) => a - b);
      process.stdout.write(
        `  GET /scoring/backtest (15 after a warm-up, horizons 30/60/90): p50 ${percentile(answers, 50).toFixed(0)} ms, ` +
          `p95 ${percentile(answers, 95).toFixed(0)} ms (30 days: ${summary})\n`,
      );

      // 3. The what-if: a candidate configuration's backtest beside the saved one's.
      const candidate = {
        ...DEFAULT_CONFIG,
        weights: { ...DEFAULT_CONFIG.weights, failed_payments: DEFAULT_CONFIG.weights.failed_payments + 10 },
        thresholds: { green: 75, yellow: 45 },
      };
      const previews: number[] = [];
      for (let i = 0; i < 6; i++) {
        const t = performance.now();
        const res = await runtime.app!.inject({
          method: 'POST',
          url: '/api/v1/scoring/backtest/preview',
          headers: { ...headers, 'content-type': 'application/json' },
          payload: { config: candidate, horizon: [30, 60, 90][i % 3] },
        });
        const ms = performance.now() - t;
        if (res.statusCode !== 200) throw new Error(`POST /scoring/backtest/preview answered ${res.statusCode}: ${res.body}`);
        if (i > 0) previews.push(ms);
      }
      previews.sort((a, b) => a - b);
      process.stdout.write(
        `  POST /scoring/backtest/preview (5 after a warm-up): p50 ${percentile(previews, 50).toFixed(0)} ms, max ${previews.at(-1)!.toFixed(0)} ms; ` +
          `peak RSS so far ${Math.round(peakRss / MB)} MB\n`,
      );

      // 4. Suggested weights and thresholds, fitted to the reconstructed history (a grid search over it).
      const suggestions: number[] = [];
      let suggested = '';
      for (let i = 0; i < 4; i++) {
        const horizon = [30, 60, 90][i % 3]!;
        const t = performance.now();
        const res = await runtime.app!.inject({ method: 'GET', url: `/api/v1/scoring/backtest/suggestion?horizon=${horizon}`, headers });
        const ms = performance.now() - t;
        if (res.statusCode !== 200) throw new Error(`GET /scoring/backtest/suggestion answered ${res.statusCode}: ${res.body}`);
        if (i > 0) suggestions.push(ms);
        else suggested = JSON.parse(res.body).suggestion?.status ?? 'not built';
      }
      suggestions.sort((a, b) => a - b);
      process.stdout.write(
        `  GET /scoring/backtest/suggestion (3 after a warm-up): max ${suggestions.at(-1)!.toFixed(0)} ms (${suggested})\n`,
      );

      // 5. A second reconstruction over the stored points (as after a re-sync or a configuration change).
      t0 = performance.now();
      await backtest.rebuild(ORG);
      const again = (performance.now() - t0) / 1000;
      process.stdout.write(
        `  reconstruction again (replacing the stored points): ${again.toFixed(2)} s; peak RSS ${Math.round(peakRss / MB)} MB\n`,
      );

      const results: BenchResult[] = [
        { name: 'backtest.reconstruction_10k', value: round(Math.max(rebuildSeconds, again)), unit: 's', target: 20, direction: 'max' },
        { name: 'backtest.answer_p95', value: Math.round(percentile(answers, 95)), unit: 'ms', target: 500, direction: 'max' },
        { name: 'backtest.whatif_preview_max', value: Math.round(previews.at(-1)!), unit: 'ms', target: 2000, direction: 'max' },
        { name: 'backtest.suggestion_max', value: Math.round(suggestions.at(-1)!), unit: 'ms', target: 2000, direction: 'max' },
        { name: 'backtest.peak_rss', value: Math.round(peakRss / MB), unit: 'MB', target: 500, direction: 'max' },
        { name: 'backtest.rebuild_event_loop_p99', value: Math.round(loopP99), unit: 'ms', target: 100, direction: 'max' },
      ];
      return results;
    } finally {
      clearInterval(sampler);
      await bench.close();
    }
  },
};

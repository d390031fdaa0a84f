import Stripe from 'stripe';
import { startEmulator } from '../emulator/index.js';
import { connectFirstAccount } from './emulator-connect.js';
import type { Benchmark, BenchResult } from './types.js';

/** Walks every customer 100 at a time; on 429 waits for the next one-second window, as a careful client does. */
async function walkCustomers(stripe: Stripe, account: string): Promise<{ count: number; requests: number; limited: number }> {
  let after: string | undefined;
  let count = 0;
  let requests = 0;
  let limited = 0;
  for (;;) {
    let page: Stripe.ApiList<Stripe.Customer>;
    try {
      requests++;
      page = await stripe.customers.list({ limit: 100, ...(after ? { starting_after: after } : {}) }, { stripeAccount: account });
    } catch (err) {
      if (err instanceof Stripe.errors.StripeRateLimitError) {
        limited++;
        await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
        continue;
      }
      throw err;
    }
    count += page.data.length;
    if (!page.has_more) return { count, requests, limited };
    after = page.data.at(-1)!.id;
  }
}

export const emulatorBench: Benchmark = {
  name: 'emulator',
  description: 'Stripe emulator: generating and serving 10,000 customers, and walking them through the SDK',
  async run() {
    const results: BenchResult[] = [];
    const started = performance.now();
    const running = await startEmulator({ customers: 10_000, seed: 42, realism: { rateLimitEnabled: false } });
    const ready = (performance.now() - started) / 1000;
    results.push({ name: 'emulator.generate_and_serve_10k_customers', value: round(ready), unit: 's', target: 10, direction: 'max' });
    try {
      const { stripe, account } = await connectFirstAccount(running.url);
      let t = performance.now();
      const free = await walkCustomers(stripe, account);
      if (free.count !== 10_000) throw new Error(`walk returned ${free.count} customers`);
      const unlimited = (performance.now() - t) / 1000;
      results.push({ name: 'emulator.walk_10k_customers_unlimited', value: round(unlimited), unit: 's', target: 5, direction: 'max' });

      // With Stripe's test-mode limit (25 requests/s), 100 pages cannot take less than about 4 s:
      // the walk should be limited by that and by nothing else.
      running.emulator.realism.rateLimitEnabled = true;
      running.emulator.realism.rateLimitTest = 25;
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000)));
      t = performance.now();
      const paced = await walkCustomers(stripe, account);
      const seconds = (performance.now() - t) / 1000;
      const ideal = paced.requests / 25;
      results.push({
        name: 'emulator.walk_10k_customers_at_25rps',
        value: round(seconds),
        unit: 's',
        target: round(Math.ceil(ideal) + 1),
        direction: 'max',
      });
      results.push({
        name: 'emulator.rate_limit_utilisation',
        value: round(Math.min(1, (paced.requests - paced.limited) / 25 / seconds)),
        unit: 'ratio',
        target: 0.8,
        direction: 'min',
      });
    } finally {
      await running.close();
    }
    return results;
  },
};

const round = (n: number) => Math.round(n * 1000) / 1000;

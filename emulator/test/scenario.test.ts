import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Emulator, generateScenario, parseScenario, PERSONAS, ScenarioError, startEmulator } from '../index.js';
import { loadScenario } from '../scenario/load.js';
import type { StripeObject } from '../state.js';

const DAY = 86400;

describe('scenario generator', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(JSON.stringify(generateScenario({ customers: 80, seed: 9 }))).toBe(JSON.stringify(generateScenario({ customers: 80, seed: 9 })));
    expect(JSON.stringify(generateScenario({ customers: 80, seed: 9 }))).not.toBe(
      JSON.stringify(generateScenario({ customers: 80, seed: 10 })),
    );
  });

  it('covers every persona and writes each customer’s intended health', () => {
    const scenario = parseScenario(generateScenario({ customers: 200, seed: 1 }));
    const customers = scenario.accounts[0]!.customers;
    const kinds = new Set(customers.map((c) => c.persona!.kind));
    expect([...kinds].sort()).toEqual(Object.keys(PERSONAS).sort());
    for (const c of customers) expect(c.persona!.expected).toBe(PERSONAS[c.persona!.kind as keyof typeof PERSONAS].expected);
  });

  it('loads into a realistic business: statuses, failures, currencies, tiers, coupons, anonymous charges', () => {
    const emulator = new Emulator({ seed: 5 });
    const scenario = parseScenario(generateScenario({ customers: 150, seed: 5 }));
    const summary = loadScenario(emulator, scenario);
    const account = emulator.accounts.get(summary.accounts[0]!.id)!;
    const store = account.store;
    const now = emulator.now();
    const customersByKey = new Map(
      scenario.accounts[0]!.customers.map((c) => [c.key, store.all('customer').find((x) => x.email === c.email)!]),
    );
    const subsOf = (customerId: string) => store.all('subscription').filter((s) => s.customer === customerId);
    const chargesOf = (customerId: string) => store.all('charge').filter((c) => c.customer === customerId);

    for (const spec of scenario.accounts[0]!.customers) {
      const customer = customersByKey.get(spec.key)!;
      expect(customer.name).toBe(spec.name);
      const subs = subsOf(customer.id);
      const charges = chargesOf(customer.id);
      switch (spec.persona!.kind) {
        case 'healthy_monthly':
          expect(subs[0]!.status).toBe('active');
          expect(charges.some((c) => c.status === 'succeeded' && c.created > now - 95 * DAY)).toBe(true);
          break;
        case 'healthy_annual':
          expect(subs[0]!.items.data[0].price.recurring.interval).toBe('year');
          break;
        case 'past_due': {
          expect(subs[0]!.status).toBe('past_due');
          const recentFailures = charges.filter((c) => c.status === 'failed' && c.created > now - 30 * DAY);
          expect(recentFailures.length).toBe(3);
          const lastSuccess = Math.max(...charges.filter((c) => c.status === 'succeeded').map((c) => c.created));
          expect((now - lastSuccess) / DAY).toBeGreaterThan(40);
          expect((now - lastSuccess) / DAY).toBeLessThan(50);
          break;
        }
        case 'hard_decline':
          expect(subs[0]!.status).toBe('past_due');
          expect(charges.some((c) => ['stolen_card', 'lost_card', 'fraudulent'].includes(c.failure_code))).toBe(true);
          break;
        case 'trialing':
          expect(subs[0]!.status).toBe('trialing');
          expect(subs[0]!.trial_end).toBeGreaterThan(now);
          break;
        case 'canceled':
          expect(subs[0]!.status).toBe('canceled');
          expect(subs[0]!.canceled_at).toBeLessThanOrEqual(now);
          break;
        case 'canceling':
          expect(subs[0]!.cancel_at_period_end).toBe(true);
          break;
        case 'no_billing':
          expect(subs).toHaveLength(0);
          expect(charges).toHaveLength(0);
          break;
        case 'growing': {
          const qty = subs[0]!.items.data[0].quantity;
          const first = spec.subscriptions[0]!.items[0]!.quantity;
          expect(qty).toBeGreaterThan(first);
          break;
        }
        case 'foreign_currency':
          expect(['eur', 'jpy']).toContain(subs[0]!.currency);
          break;
        case 'multi_item':
          expect(subs[0]!.items.data.length).toBe(3);
          break;
      }
    }
    expect(store.all('charge').some((c) => c.customer === null)).toBe(true);
    expect(store.all('price').some((p) => p.billing_scheme === 'tiered')).toBe(true);
    expect(store.all('subscription').some((s) => s.discounts.length > 0)).toBe(true);
    expect(store.all('invoice').every((i) => i.lines.data.length > 0)).toBe(true);
  });
});

describe('generated refunds, authorizations and disputes', () => {
  it('gives even a small business refunded, uncaptured and disputed one-off charges, none on a renewal', () => {
    const emulator = new Emulator({ seed: 2 });
    const scenario = parseScenario(generateScenario({ customers: 20, seed: 2 }));
    const store = emulator.accounts.get(loadScenario(emulator, scenario).accounts[0]!.id)!.store;
    const charges = store.all('charge');
    const oneOff = (c: StripeObject) => !String(c.description).startsWith('Subscription');
    expect(charges.some((c) => c.captured && c.amount_refunded > 0 && !c.refunded)).toBe(true);
    expect(charges.some((c) => c.captured && c.refunded)).toBe(true);
    expect(charges.some((c) => c.status === 'succeeded' && !c.captured && !c.refunded)).toBe(true);
    const disputes = store.all('dispute');
    expect(disputes.map((d) => d.status)).toEqual(expect.arrayContaining(['needs_response', 'lost', 'won']));
    const touched = [...store.all('refund').map((r) => r.charge), ...disputes.map((d) => d.charge)].map((id) => store.get(id)!);
    expect(touched.length).toBeGreaterThan(0);
    expect(touched.every(oneOff)).toBe(true);
    expect(charges.filter((c) => !c.captured && c.status === 'succeeded').every(oneOff)).toBe(true);
    // The customers they belong to keep their intended health (checked by score in src/scoring/personas.test.ts).
    const kinds = new Set(
      scenario.accounts[0]!.customers.filter((c) => c.charges.some((ch) => ch.refunds.length > 0 || ch.dispute || !ch.captured)).map(
        (c) => c.persona!.kind,
      ),
    );
    expect([...kinds].sort()).toEqual(['canceled', 'growing', 'healthy_annual', 'healthy_monthly', 'multi_item', 'past_due']);
  });
});

describe('scenario files', () => {
  it('loads a hand-written scenario with relative times and history', async () => {
    const running = await startEmulator({
      scenario: {
        version: 1,
        accounts: [
          {
            name: 'Tiny Co',
            products: [{ key: 'p', name: 'Plan' }],
            prices: [{ key: 'm', product: 'p', currency: 'usd', unit_amount: 1000, recurring: { interval: 'month' } }],
            customers: [
              {
                key: 'a',
                name: 'Upgrader',
                subscriptions: [
                  { start: '-100d', items: [{ price: 'm', quantity: 1 }], changes: [{ at: '-40d', items: [{ price: 'm', quantity: 3 }] }] },
                ],
              },
              {
                key: 'b',
                name: 'Anon buyer',
                charges: [{ at: '-2d', amount: 500, currency: 'usd', status: 'failed', failure_code: 'expired_card' }],
              },
            ],
          },
        ],
      },
    });
    try {
      const account = running.emulator.connectedAccounts()[0]!;
      const invoices = account.store.all('invoice');
      expect(invoices.length).toBeGreaterThanOrEqual(4);
      const amounts = invoices.map((i) => i.total).reverse();
      expect(amounts[0]).toBe(1000);
      expect(amounts.at(-1)).toBe(3000);
      const failed = account.store.all('charge').find((c) => c.failure_code === 'expired_card')!;
      expect(failed.created).toBeGreaterThan(running.emulator.now() - 3 * DAY);
    } finally {
      await running.close();
    }
  });

  it('rejects a malformed scenario with a message naming the problem', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'scenario-'));
    const broken = path.join(dir, 'broken.json');
    await writeFile(
      broken,
      JSON.stringify({
        version: 1,
        accounts: [{ name: 'X', customers: [{ key: 'a', subscriptions: [{ start: 'yesterday', items: [{ price: 'nope' }] }] }] }],
      }),
    );
    await expect(startEmulator({ scenarioFile: broken })).rejects.toThrow(
      /accounts\.0\.customers\.0\.subscriptions\.0\.start: must look like/,
    );
    await writeFile(broken, '{ not json');
    await expect(startEmulator({ scenarioFile: broken })).rejects.toThrow(ScenarioError);
    expect(() =>
      parseScenario({
        version: 1,
        accounts: [{ name: 'X', customers: [{ key: 'a', subscriptions: [{ start: '-1d', items: [{ price: 'nope' }] }] }] }],
      }),
    ).toThrow(/unknown price "nope"/);
    expect(() => parseScenario({ version: 2, accounts: [] })).toThrow(/version/);
  });

  it('saves its state to a file and loads it back', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'state-'));
    const file = path.join(dir, 'state.json');
    const first = await startEmulator({ customers: 20, seed: 4 });
    const account = first.emulator.connectedAccounts()[0]!;
    const counts = { customers: account.store.count('customer'), charges: account.store.count('charge') };
    await first.emulator.saveTo(file);
    await first.close();
    const second = await startEmulator({ stateFile: file });
    try {
      const restored = second.emulator.accounts.get(account.id)!;
      expect(restored.store.count('customer')).toBe(counts.customers);
      expect(restored.store.count('charge')).toBe(counts.charges);
      expect(restored.secretKey).toBe(account.secretKey);
    } finally {
      await second.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { Emulator, generateScenario, parseScenario, PERSONAS } from '../../emulator/index.js';
import { loadScenario } from '../../emulator/scenario/load.js';
import { monthlyFactor, subscriptionMrr } from '../revenue/mrr.js';
import { mapCharge } from '../stripe/stripe.mapping.js';
import { mapSubscription } from '../stripe/subscription.mapping.js';
import { scoreCustomer, TREND_DAYS } from './scoring.engine.js';

/**
 * The engine against the emulator's generated business: each customer's persona says which band a good
 * score should put it in. Inputs are built straight from the emulator's objects with the sync's own mapping;
 * the end-to-end version of this check (after a real sync) belongs to the scoring service.
 */
const subscriptionOf = (invoice: Record<string, any>): string | null => invoice.parent?.subscription_details?.subscription ?? null;

describe('scores agree with the generated personas', () => {
  it('puts at least 95% of customers in their intended band and every critical one in red', () => {
    const emulator = new Emulator({ seed: 7 });
    const scenario = parseScenario(generateScenario({ customers: 400, seed: 7 }));
    const store = emulator.accounts.get(loadScenario(emulator, scenario).accounts[0]!.id)!.store;
    const now = emulator.now();
    const then = now - TREND_DAYS * 86_400;
    const byEmail = new Map(store.all('customer').map((c) => [c.email, c]));
    let agree = 0;
    const misses: string[] = [];
    for (const spec of scenario.accounts[0]!.customers) {
      const customer = byEmail.get(spec.email)!;
      const subs = store
        .all('subscription')
        .filter((s) => s.customer === customer.id)
        .map((s) =>
          mapSubscription({
            ...s,
            items: {
              ...s.items,
              data: s.items.data.map((it: any) => ({
                ...it,
                price: { ...it.price, tiers: store.hidden(it.price.id)._tiers, product: store.get(it.price.product) },
              })),
            },
            discounts: s.discounts.map((id: string) => {
              const d = store.get(id)!;
              return { ...d, source: { ...d.source, coupon: store.get(d.source.coupon) } };
            }),
          } as never),
        );
      const current = subs.reduce(
        (sum, r) =>
          sum + subscriptionMrr({ status: r.status, currency: r.currency, items: r.items as never, discounts: r.discounts as never }, now),
        0,
      );
      // MRR then: what the invoices covering that moment billed, per month.
      const previous = store
        .all('invoice')
        .filter((i) => i.customer === customer.id && subscriptionOf(i) && i.period_start <= then && then < i.period_end)
        .reduce((sum, i) => {
          const sub = subs.find((r) => r.stripe_subscription_id === subscriptionOf(i));
          return sum + i.total * monthlyFactor(sub?.interval ?? 'month', sub?.interval_count ?? 1);
        }, 0);
      const result = scoreCustomer(
        {
          payments: store
            .all('charge')
            .filter((c) => c.customer === customer.id)
            .map((c) => ({ status: mapCharge(c as never)!.status, failureCode: c.failure_code, at: c.created })),
          subscriptions: subs.map((r) => ({
            status: r.status,
            interval: r.interval,
            intervalCount: r.interval_count,
            cancelAtPeriodEnd: r.cancel_at_period_end,
          })),
          mrr: current || previous ? { current, previous, currency: subs[0]?.currency ?? 'usd' } : null,
        },
        now,
      );
      const got = result.level ?? 'none';
      const { kind, expected } = spec.persona!;
      if (expected === null || expected === got) agree++;
      else misses.push(`${kind}: ${got} (${result.explanation})`);
      if (PERSONAS[kind as keyof typeof PERSONAS].expected === 'red') expect(got, `${kind} ${spec.name}`).toBe('red');
    }
    const share = agree / scenario.accounts[0]!.customers.length;
    expect(share, misses.slice(0, 5).join('\n')).toBeGreaterThanOrEqual(0.95);
  });
});

import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../index.js';
import { connect, firstAccount, sdk, start } from './helpers.js';

let running: RunningEmulator;
let stripe: Stripe;
let account: string;
const opts = () => ({ stripeAccount: account });

beforeAll(async () => {
  running = await start({ customers: 60, seed: 7 });
  account = await connect(running, firstAccount(running));
  stripe = sdk(running);
});
afterAll(() => running?.close());

type Lister = (params: { limit: number; starting_after?: string }) => Promise<{ data: { id: string }[]; has_more: boolean }>;

async function walk(list: Lister, limit = 7) {
  const ids: string[] = [];
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await list({ limit, ...(after ? { starting_after: after } : {}) });
    pages++;
    ids.push(...page.data.map((o) => o.id));
    if (!page.has_more) break;
    after = page.data.at(-1)!.id;
  }
  return { ids, pages };
}

describe('lists', () => {
  const store = () => running.emulator.accounts.get(account)!.store;

  it.each([
    ['customers', 'customer', (p: any) => stripe.customers.list(p, opts())],
    ['products', 'product', (p: any) => stripe.products.list(p, opts())],
    ['prices', 'price', (p: any) => stripe.prices.list(p, opts())],
    ['coupons', 'coupon', (p: any) => stripe.coupons.list(p, opts())],
    ['subscriptions (all)', 'subscription', (p: any) => stripe.subscriptions.list({ ...p, status: 'all' }, opts())],
    ['charges', 'charge', (p: any) => stripe.charges.list(p, opts())],
    ['invoices', 'invoice', (p: any) => stripe.invoices.list(p, opts())],
  ] as [string, string, Lister][])('walks every %s across several pages, each exactly once', async (_name, type, list) => {
    const { ids, pages } = await walk(list, type === 'coupon' || type === 'product' ? 2 : 7);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(store().all(type).length);
  });

  it('walks with the SDK auto-pagination and backwards with ending_before', async () => {
    const all: string[] = [];
    for await (const c of stripe.customers.list({ limit: 100 }, opts())) all.push(c.id);
    expect(all).toHaveLength(60);
    const back = await stripe.customers.list({ limit: 5, ending_before: all[10]! }, opts());
    expect(back.data.map((c) => c.id)).toEqual(all.slice(5, 10));
    expect(back.has_more).toBe(true);
  });

  it('returns newest first, with url and has_more, and a default page of 10', async () => {
    const page = await stripe.customers.list({}, opts());
    expect(page.data).toHaveLength(10);
    expect(page.url).toBe('/v1/customers');
    const created = page.data.map((c) => c.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it('filters by created, customer and status; canceled subscriptions only when asked', async () => {
    const all = (await stripe.subscriptions.list({ status: 'all', limit: 100 }, opts())).data;
    const canceled = all.filter((s) => s.status === 'canceled');
    expect(canceled.length).toBeGreaterThan(0);
    const byDefault = (await stripe.subscriptions.list({ limit: 100 }, opts())).data;
    expect(byDefault.some((s) => s.status === 'canceled')).toBe(false);
    expect(byDefault.length).toBe(all.length - canceled.length);
    expect((await stripe.subscriptions.list({ status: 'canceled', limit: 100 }, opts())).data).toHaveLength(canceled.length);

    const customer = all[0]!.customer as string;
    const charges = (await stripe.charges.list({ customer, limit: 100 }, opts())).data;
    expect(charges.every((c) => c.customer === customer)).toBe(true);
    const invoices = (await stripe.invoices.list({ customer, limit: 100 }, opts())).data;
    expect(invoices.length).toBeGreaterThan(0);
    expect(invoices.every((i) => i.customer === customer)).toBe(true);

    const since = Math.floor(Date.now() / 1000) - 30 * 86400;
    const recent = (await stripe.charges.list({ created: { gte: since }, limit: 100 }, opts())).data;
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((c) => c.created >= since)).toBe(true);
    const older = await stripe.charges.list({ created: { lt: since }, limit: 1 }, opts());
    expect(older.data[0]!.created).toBeLessThan(since);
  });

  it('rejects a bad limit, an unknown cursor and unknown parameters', async () => {
    await expect(stripe.customers.list({ limit: 0 }, opts())).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      param: 'limit',
    });
    await expect(stripe.customers.list({ limit: 101 }, opts())).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.customers.list({ starting_after: 'cus_missing' }, opts())).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
    await expect(stripe.customers.list({ colour: 'red' } as never, opts())).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'colour',
    });
  });
});

describe('expand', () => {
  it('expands nested paths in lists up to four levels, data included, and tiers and coupons where asked', async () => {
    const page = await stripe.subscriptions.list(
      {
        status: 'all',
        limit: 100,
        expand: ['data.customer', 'data.discounts.source.coupon', 'data.items.data.discounts', 'data.latest_invoice'],
      },
      opts(),
    );
    const sub = page.data[0]!;
    expect((sub.customer as Stripe.Customer).object).toBe('customer');
    expect((sub.latest_invoice as Stripe.Invoice).object).toBe('invoice');
    const discounted = page.data.find((s) => s.discounts.length > 0)!;
    const discount = discounted.discounts[0] as Stripe.Discount;
    expect(discount.object).toBe('discount');
    expect((discount.source.coupon as Stripe.Coupon).object).toBe('coupon');
    // A single object may go deeper than a list's items: items.data.price.product is four levels.
    const one = await stripe.subscriptions.retrieve(sub.id, { expand: ['items.data.price.product', 'items.data.price.tiers'] }, opts());
    expect((one.items.data[0]!.price.product as Stripe.Product).object).toBe('product');
    const prices = await stripe.prices.list({ limit: 100, expand: ['data.tiers'] }, opts());
    const tiered = prices.data.find((p) => p.billing_scheme === 'tiered')!;
    expect(tiered.tiers!.length).toBeGreaterThan(1);
    // Without expand, tiers stay hidden and references stay ids.
    const plain = await stripe.subscriptions.retrieve(sub.id, {}, opts());
    expect(typeof plain.customer).toBe('string');
    expect(plain.items.data[0]!.price).not.toHaveProperty('tiers');
    expect((await stripe.prices.retrieve(tiered.id, {}, opts())) as object).not.toHaveProperty('tiers');
  });

  it('refuses too deep or unknown expansions', async () => {
    await expect(stripe.subscriptions.list({ expand: ['data.items.data.price.product'] }, opts())).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(stripe.customers.list({ expand: ['data.nothing'] }, opts())).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.customers.list({ expand: ['customer'] }, opts())).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('create, update, cancel', () => {
  it('creates, updates and deletes customers', async () => {
    const c = await stripe.customers.create({ name: 'Ada', email: 'ada@example.com', metadata: { plan: 'pro' } }, opts());
    expect(c).toMatchObject({ object: 'customer', name: 'Ada', metadata: { plan: 'pro' }, livemode: false });
    const u = await stripe.customers.update(c.id, { name: 'Ada L.', metadata: { plan: '', tier: 'gold' } }, opts());
    expect(u.name).toBe('Ada L.');
    expect(u.metadata).toEqual({ tier: 'gold' });
    const d = await stripe.customers.del(c.id, {}, opts());
    expect(d).toEqual({ id: c.id, object: 'customer', deleted: true });
    expect(await stripe.customers.retrieve(c.id, {}, opts())).toMatchObject({ deleted: true });
  });

  it('creates a catalog and a subscription with trial, discount, tiers and quantity changes, then cancels it', async () => {
    const product = await stripe.products.create({ name: 'Seats' }, opts());
    const price = await stripe.prices.create(
      {
        product: product.id,
        currency: 'usd',
        billing_scheme: 'tiered',
        tiers_mode: 'graduated',
        tiers: [
          { up_to: 10, unit_amount: 1000 },
          { up_to: 'inf', unit_amount: 800 },
        ],
        recurring: { interval: 'month', interval_count: 1 },
      },
      opts(),
    );
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: 'repeating', duration_in_months: 3 }, opts());
    const customer = await stripe.customers.create({ name: 'Trial Co' }, opts());
    const sub = await stripe.subscriptions.create(
      { customer: customer.id, items: [{ price: price.id, quantity: 12 }], trial_period_days: 14, discounts: [{ coupon: coupon.id }] },
      opts(),
    );
    expect(sub.status).toBe('trialing');
    expect(sub.trial_end! - sub.trial_start!).toBe(14 * 86400);
    expect(sub.items.data[0]!.quantity).toBe(12);
    expect(sub.items.data[0]!.current_period_end).toBe(sub.trial_end);
    expect(sub.discounts).toHaveLength(1);

    const item = sub.items.data[0]!;
    const more = await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, quantity: 20 }], cancel_at_period_end: true }, opts());
    expect(more.items.data[0]!.quantity).toBe(20);
    expect(more.cancel_at_period_end).toBe(true);
    const active = await stripe.subscriptions.update(sub.id, { trial_end: 'now' }, opts());
    expect(active.status).toBe('active');
    const invoice = await stripe.invoices.retrieve(active.latest_invoice as string, {}, opts());
    // 10 × $10 + 10 × $8 = $180, 25 % off = $135.
    expect(invoice.subtotal).toBe(18000);
    expect(invoice.total).toBe(13500);
    expect(invoice.status).toBe('paid');

    const extra = await stripe.subscriptionItems.create({ subscription: sub.id, price: price.id, quantity: 1 }, opts());
    expect((await stripe.subscriptionItems.list({ subscription: sub.id }, opts())).data.map((i) => i.id)).toContain(extra.id);
    await stripe.subscriptionItems.del(extra.id, {}, opts());

    const canceled = await stripe.subscriptions.cancel(sub.id, {}, opts());
    expect(canceled.status).toBe('canceled');
    expect(canceled.canceled_at).toBeTypeOf('number');
    await expect(stripe.subscriptions.cancel(sub.id, {}, opts())).rejects.toMatchObject({ statusCode: 400 });
  });

  it('records failed charges with failure codes and answers them as card errors', async () => {
    const customer = await stripe.customers.create({ name: 'Broke Inc' }, opts());
    const ok = await stripe.charges.create({ amount: 5000, currency: 'usd', customer: customer.id }, opts());
    expect(ok).toMatchObject({ status: 'succeeded', paid: true, failure_code: null });
    const err = await stripe.charges
      .create({ amount: 5000, currency: 'usd', customer: customer.id, source: 'tok_chargeDeclinedInsufficientFunds' }, opts())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    const cardError = err as Stripe.errors.StripeCardError;
    expect(cardError.code).toBe('insufficient_funds');
    const failed = await stripe.charges.retrieve((cardError.raw as { charge: string }).charge, {}, opts());
    expect(failed).toMatchObject({
      status: 'failed',
      failure_code: 'insufficient_funds',
      failure_message: 'Your card has insufficient funds.',
      paid: false,
    });
    const anonymous = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa' }, opts());
    expect(anonymous.customer).toBeNull();
  });

  it('creates, pays and voids invoices', async () => {
    const customer = await stripe.customers.create({ name: 'Invoiced' }, opts());
    const draft = await stripe.invoices.create({ customer: customer.id }, opts());
    expect(draft.status).toBe('draft');
    const paid = await stripe.invoices.pay(draft.id, { paid_out_of_band: true }, opts());
    expect(paid.status).toBe('paid');
    await expect(stripe.invoices.pay(draft.id, {}, opts())).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('errors', () => {
  it('answers unknown ids, bad parameters and bad keys with the SDK error classes', async () => {
    await expect(stripe.customers.retrieve('cus_missing', {}, opts())).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
    });
    await expect(stripe.subscriptions.create({ customer: 'cus_missing', items: [] } as never, opts())).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    await expect(stripe.prices.create({ currency: 'usd', product: 'prod_x', unit_amount: -1 } as never, opts())).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(stripe.customers.create({ name: 'x', favourite: 'y' } as never, opts())).rejects.toMatchObject({
      code: 'parameter_unknown',
    });
    const badKey = new Stripe('sk_test_nope', { host: '127.0.0.1', port: running.port, protocol: 'http', maxNetworkRetries: 0 });
    await expect(badKey.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    await expect(stripe.customers.list({}, { stripeAccount: 'acct_unknown' })).rejects.toBeInstanceOf(Stripe.errors.StripePermissionError);
  });

  it('never crashes on malformed requests', async () => {
    const headers = {
      authorization: 'Bearer sk_test_pulsescore_demo_platform_key',
      'stripe-account': account,
      'content-type': 'application/x-www-form-urlencoded',
    };
    for (const body of ['%%%', 'a[b][c][=1', 'items[0]=x&items[0][price]=y', 'metadata=1&metadata[a]=2', '']) {
      const res = await fetch(`${running.url}/v1/subscriptions`, { method: 'POST', headers, body });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(((await res.json()) as any).error.type).toBe('invalid_request_error');
    }
    expect((await fetch(`${running.url}/v1/nothing`, { headers })).status).toBe(404);
    expect((await stripe.customers.list({ limit: 1 }, opts())).data).toHaveLength(1);
  });
});

describe('realism switches', () => {
  it('answers 429 in Stripe’s form once the per-second limit is spent', async () => {
    const limited = await start({ customers: 3, realism: { rateLimitEnabled: true, rateLimitTest: 3 } });
    try {
      const acct = await connect(limited, firstAccount(limited));
      const s = sdk(limited);
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => s.customers.list({ limit: 1 }, { stripeAccount: acct })));
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected[0]!.reason).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(rejected[0]!.reason.code).toBe('rate_limit');
      const stats = (await (await fetch(`${limited.url}/_emulator/stats`)).json()) as any;
      expect(stats.rateLimited).toBe(rejected.length);
    } finally {
      await limited.close();
    }
  });

  it('injects 5xx errors and latency on request, and counts requests', async () => {
    const flaky = await start({ customers: 3 });
    try {
      const acct = await connect(flaky, firstAccount(flaky));
      const s = sdk(flaky);
      await fetch(`${flaky.url}/_emulator/config`, { method: 'POST', body: JSON.stringify({ realism: { errorRate: 1, latencyMs: 30 } }) });
      const started = Date.now();
      await expect(s.customers.list({}, { stripeAccount: acct })).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(25);
      await fetch(`${flaky.url}/_emulator/config`, { method: 'POST', body: JSON.stringify({ realism: { errorRate: 0, latencyMs: 0 } }) });
      await s.customers.list({}, { stripeAccount: acct });
      const stats = (await (await fetch(`${flaky.url}/_emulator/stats`)).json()) as any;
      expect(stats.injectedErrors).toBe(1);
      expect(stats.byAccount[acct]).toBe(2);
      const bad = await fetch(`${flaky.url}/_emulator/config`, { method: 'POST', body: JSON.stringify({ realism: { errorRate: 3 } }) });
      expect(bad.status).toBe(400);
    } finally {
      await flaky.close();
    }
  });
});

describe('accounts', () => {
  it('keeps several connected accounts apart, live and test, chosen by Stripe-Account or Stripe-Context', async () => {
    const multi = await start({
      scenario: {
        version: 1,
        accounts: [
          { name: 'Live Co', livemode: true, customers: [{ key: 'a', name: 'Live customer' }] },
          {
            name: 'Test Co',
            livemode: false,
            customers: [
              { key: 'b', name: 'Test customer' },
              { key: 'c', name: 'Other test customer' },
            ],
          },
        ],
      },
    });
    try {
      const [live, test] = multi.emulator.connectedAccounts();
      await connect(multi, live!.id);
      await connect(multi, test!.id);
      const s = sdk(multi);
      const liveCustomers = await s.customers.list({}, { stripeAccount: live!.id });
      expect(liveCustomers.data.map((c) => c.name)).toEqual(['Live customer']);
      expect(liveCustomers.data[0]!.livemode).toBe(true);
      const res = await fetch(`${multi.url}/v1/customers`, {
        headers: { authorization: `Bearer ${'sk_test_pulsescore_demo_platform_key'}`, 'stripe-context': test!.id },
      });
      const body = (await res.json()) as { data: { livemode: boolean }[] };
      expect(body.data).toHaveLength(2);
      expect(body.data.every((c) => c.livemode === false)).toBe(true);
    } finally {
      await multi.close();
    }
  });
});

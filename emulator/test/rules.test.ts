import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takePulseScoreRefusals } from '../audit.js';
import type { RunningEmulator } from '../index.js';
import { connect, firstAccount, PLATFORM_KEY, sdk, start } from './helpers.js';

/** Stripe's documented rules, held by default (each rule's source is cited beside its code). */

let running: RunningEmulator;
let stripe: Stripe;
let account: string;
const opts = () => ({ stripeAccount: account });

beforeAll(async () => {
  running = await start({ customers: 20, seed: 9 });
  account = await connect(running, firstAccount(running));
  stripe = sdk(running);
});
afterAll(() => running?.close());

const raw = (path: string, init: RequestInit & { key?: string; headers?: Record<string, string> } = {}) =>
  fetch(`${running.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${init.key ?? PLATFORM_KEY}`, 'stripe-account': account, ...init.headers },
  });

async function newSubscription(items: Stripe.SubscriptionCreateParams.Item[], extra: Partial<Stripe.SubscriptionCreateParams> = {}) {
  const customer = await stripe.customers.create({ name: 'Rules' }, opts());
  return stripe.subscriptions.create({ customer: customer.id, items, ...extra }, opts());
}

async function monthlyPrice(amount = 1000, interval: 'month' | 'year' = 'month') {
  const product = await stripe.products.create({ name: `Seat ${amount}` }, opts());
  return stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: amount, recurring: { interval } }, opts());
}

describe('expansion depth', () => {
  it('refuses a five-level expansion exactly as Stripe does, counting data as a level', async () => {
    const res = await raw('/v1/subscriptions?expand[]=data.items.data.price.product');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'property_expansion_max_depth',
        doc_url: 'https://stripe.com/docs/error-codes/property-expansion-max-depth',
        message: 'You cannot expand more than 4 levels of a property. Property: data.items.data.price.product',
      },
    });
    // Through the SDK it is an invalid-request error with the same code.
    await expect(stripe.subscriptions.list({ expand: ['data.items.data.price.tiers'] }, opts())).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'property_expansion_max_depth',
    });
    // Four levels are fine, on lists (data counted) and on single objects.
    await stripe.subscriptions.list({ expand: ['data.items.data.discounts', 'data.discounts.source.coupon'] }, opts());
  });

  it('answers null for an expanded field that is null', async () => {
    const customer = await stripe.customers.create({ name: 'No invoice' }, opts());
    const price = await monthlyPrice(1200);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }, opts());
    const sameNull = await stripe.customers.retrieve(customer.id, { expand: ['default_source'] }, opts());
    expect((sameNull as Stripe.Customer).default_source).toBeNull();
    expect((await stripe.subscriptions.retrieve(sub.id, { expand: ['schedule'] }, opts())).schedule).toBeNull();
  });
});

describe('embedded lists are cut to their first page, as Stripe cuts them', () => {
  it('serves an invoice’s first ten lines with has_more, the rest at its lines URL', async () => {
    const store = running.emulator.accounts.get(account)!.store;
    const invoice = store.all('invoice')[0]!;
    const template = invoice.lines.data[0]!;
    const lines = Array.from({ length: 25 }, (_, i) => ({ ...template, id: `il_rule${String(i).padStart(2, '0')}`, amount: 100 + i }));
    store.put({ ...invoice, lines: { ...invoice.lines, data: lines } });

    const served = await stripe.invoices.retrieve(invoice.id, {}, opts());
    expect(served.lines.data).toHaveLength(10);
    expect(served.lines.has_more).toBe(true);
    expect(served.lines.url).toBe(`/v1/invoices/${invoice.id}/lines`);
    const listed = (await stripe.invoices.list({ limit: 100 }, opts())).data.find((i) => i.id === invoice.id)!;
    expect(listed.lines.data).toHaveLength(10);

    const all: string[] = [];
    for await (const line of stripe.invoices.listLineItems(invoice.id, { limit: 7 }, opts())) all.push(line.id);
    expect(all).toEqual(lines.map((l) => l.id));
    const rest = await stripe.invoices.listLineItems(invoice.id, { limit: 100, starting_after: served.lines.data.at(-1)!.id }, opts());
    expect(rest.data.map((l) => l.id)).toEqual(lines.slice(10).map((l) => l.id));
    expect(rest.has_more).toBe(false);
  });

  it('serves a subscription’s first ten items with has_more, the rest from subscription items in the same order', async () => {
    const prices = await Promise.all(Array.from({ length: 12 }, (_, i) => monthlyPrice(100 + i)));
    const sub = await newSubscription(prices.map((p) => ({ price: p.id })));
    expect(sub.items.data).toHaveLength(10);
    expect(sub.items.has_more).toBe(true);
    const rest = await stripe.subscriptionItems.list(
      { subscription: sub.id, starting_after: sub.items.data.at(-1)!.id, limit: 100 },
      opts(),
    );
    expect([...sub.items.data, ...rest.data].map((i) => i.price.id)).toEqual(prices.map((p) => p.id));
    // Events carry the object as served.
    const created = (await stripe.events.list({ type: 'customer.subscription.created', limit: 1 }, opts())).data[0]!;
    expect((created.data.object as Stripe.Subscription).items.data).toHaveLength(10);
  });
});

describe('requests Stripe refuses', () => {
  it('answers an unsupported method on a known path with 404, like an unknown path', async () => {
    const res = await raw('/v1/customers', { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: Record<string, unknown> }).error.message).toMatch(
      /^Unrecognized request URL \(DELETE: \/v1\/customers\)/,
    );
  });

  it('refuses an account’s own key acting on another account', async () => {
    const own = running.emulator.accounts.get(account)!.secretKey;
    const other = running.emulator.addAccount({ name: 'Other', email: 'o@example.com', livemode: false, connected: true });
    const res = await raw('/v1/customers', { key: own, headers: { 'stripe-account': other.id } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: Record<string, unknown> }).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'account_invalid',
    });
    expect((await raw('/v1/customers', { key: own, headers: { 'stripe-account': account } })).status).toBe(200);
  });

  it('links coded errors to their documentation page', async () => {
    await expect(stripe.customers.retrieve('cus_missing', {}, opts())).rejects.toMatchObject({
      code: 'resource_missing',
      doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    });
  });

  it('replays an idempotent POST and refuses the key with other parameters', async () => {
    const key = `idem-${Date.now()}`;
    const first = await stripe.customers.create({ name: 'Once' }, { ...opts(), idempotencyKey: key });
    const again = await raw('/v1/customers', {
      method: 'POST',
      headers: { 'idempotency-key': key, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Once',
    });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(first.id);
    expect(
      running.emulator.accounts
        .get(account)!
        .store.all('customer')
        .filter((c) => c.name === 'Once'),
    ).toHaveLength(1);
    await expect(stripe.customers.create({ name: 'Twice' }, { ...opts(), idempotencyKey: key })).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
    });
  });
});

describe('billing mode and mixed intervals', () => {
  it('creates flexible-mode subscriptions by default, which may mix intervals; classic ones may not, then or later', async () => {
    const monthly = await monthlyPrice(500);
    const yearly = await monthlyPrice(5000, 'year');
    const mixed = await newSubscription([{ price: monthly.id }, { price: yearly.id }]);
    expect(mixed.billing_mode.type).toBe('flexible');
    await expect(
      newSubscription([{ price: monthly.id }, { price: yearly.id }], { billing_mode: { type: 'classic' } }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'items' });
    const classic = await newSubscription([{ price: monthly.id }], { billing_mode: { type: 'classic' } });
    await expect(stripe.subscriptionItems.create({ subscription: classic.id, price: yearly.id }, opts())).rejects.toMatchObject({
      statusCode: 400,
      param: 'items',
    });
    await expect(stripe.subscriptions.update(classic.id, { items: [{ price: yearly.id }] }, opts())).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});

describe('the request audit', () => {
  it('records refusals, tells PulseScore’s requests from others, and ignores outcomes that are not refusals', async () => {
    running.emulator.audit.reset();
    const pulse = new Stripe(PLATFORM_KEY, {
      host: '127.0.0.1',
      port: running.port,
      protocol: 'http',
      maxNetworkRetries: 0,
      appInfo: { name: 'PulseScore', version: '0.1.0' },
    });
    await expect(pulse.customers.list({ expand: ['data.a.b.c.d'] }, opts())).rejects.toThrow();
    await expect(stripe.customers.list({ colour: 'red' } as never, opts())).rejects.toThrow();
    await expect(pulse.customers.retrieve('cus_nobody', {}, opts())).rejects.toMatchObject({ statusCode: 404 });
    const refusals = running.emulator.audit.refusals;
    expect(refusals.map((r) => [r.status, r.code, r.client])).toEqual([
      [400, 'property_expansion_max_depth', 'PulseScore/0.1.0'],
      [400, 'parameter_unknown', null],
    ]);
    expect(running.emulator.audit.ofPulseScore()).toHaveLength(1);
    // Seen process-wide too (the test set-up fails a file on any); taken here because it was made on purpose.
    expect(takePulseScoreRefusals()).toHaveLength(1);
    const served = (await (await fetch(`${running.url}/_emulator/audit`)).json()) as { refusals: unknown[] };
    expect(served.refusals).toHaveLength(2);
  });
});

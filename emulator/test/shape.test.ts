import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../index.js';
import { connect, firstAccount, sdk, start } from './helpers.js';

/** Stripe's published example objects, in the API version the SDK is pinned to. */
const fixtures = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../../shared/stripe/fixtures3.json'), 'utf8'))
  .resources as Record<string, unknown>;

/**
 * Fields of the examples that the pinned SDK's types (the authority, generated from Stripe's OpenAPI
 * specification) no longer serve by default: a charge's `refunds` is only included when expanded since
 * 2022-11-15, and an invoice's `subscription` moved to `parent.subscription_details` in 2025-03-31.basil.
 * Fields the examples lack are not checked here: `conformance.test.ts` holds every field to the SDK's types.
 */
const NOT_SERVED_BY_DEFAULT = new Set(['charge.refunds', 'invoice.subscription']);

const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Differences between an emulated object and Stripe's example: missing fields and wrong types. */
function compare(actual: unknown, expected: unknown, at: string, problems: string[]): void {
  if (expected === null || actual === null) return;
  if (jsonType(actual) !== jsonType(expected)) {
    problems.push(`${at}: ${jsonType(actual)} where Stripe has ${jsonType(expected)}`);
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length > 0 && actual.length > 0) compare(actual[0], expected[0], `${at}[]`, problems);
    return;
  }
  if (typeof expected !== 'object') return;
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  // Free-form maps (metadata) have no fixed keys.
  if (at.endsWith('.metadata') || at.endsWith('.fraud_details') || at.endsWith('.previous_attributes')) return;
  for (const key of Object.keys(e)) {
    if (!(key in a)) {
      if (!NOT_SERVED_BY_DEFAULT.has(`${at}.${key}`)) problems.push(`${at}.${key}: missing`);
    } else compare(a[key], e[key], `${at}.${key}`, problems);
  }
}

let running: RunningEmulator;
let stripe: Stripe;
let account: string;
const opts = () => ({ stripeAccount: account });
const plain = <T>(v: T) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

beforeAll(async () => {
  running = await start({ customers: 40, seed: 3 });
  account = await connect(running, firstAccount(running));
  stripe = sdk(running);
});
afterAll(() => running?.close());

describe('object shapes match Stripe’s examples', () => {
  const samples: Record<string, () => Promise<unknown>> = {
    customer: async () => (await stripe.customers.list({ limit: 1 }, opts())).data[0],
    product: async () => (await stripe.products.list({ limit: 1 }, opts())).data[0],
    price: async () => (await stripe.prices.list({ limit: 100 }, opts())).data.find((p) => p.transform_quantity),
    coupon: async () => (await stripe.coupons.list({ limit: 1 }, opts())).data[0],
    discount: async () => {
      const subs = await stripe.subscriptions.list({ status: 'all', limit: 100, expand: ['data.discounts'] }, opts());
      return subs.data.flatMap((s) => s.discounts).find((d) => typeof d === 'object');
    },
    subscription: async () => (await stripe.subscriptions.list({ limit: 1 }, opts())).data[0],
    subscription_item: async () => (await stripe.subscriptions.list({ limit: 1 }, opts())).data[0]!.items.data[0],
    charge: async () => (await stripe.charges.list({ limit: 1 }, opts())).data[0],
    invoice: async () => (await stripe.invoices.list({ limit: 1 }, opts())).data[0],
    line_item: async () => (await stripe.invoices.list({ limit: 1 }, opts())).data[0]!.lines.data[0],
    event: async () => {
      await stripe.customers.create({ name: 'Event source' }, opts());
      return (await stripe.events.list({ limit: 1 }, opts())).data[0];
    },
    webhook_endpoint: async () => {
      const created = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hook', enabled_events: ['*'] }, opts());
      return stripe.webhookEndpoints.retrieve(created.id, {}, opts());
    },
  };

  it.each(Object.keys(samples))('%s', async (type) => {
    const sample = await samples[type]!();
    expect(sample, `no ${type} to compare`).toBeTruthy();
    const problems: string[] = [];
    const actual = plain(sample);
    let expected = fixtures[type] as Record<string, any>;
    if (type === 'event') {
      // An event's data.object is compared with the example of its own type.
      const object = (actual.data as { object: { object: string } }).object;
      expected = { ...expected, data: { object: fixtures[object.object] } };
    }
    compare(actual, expected, type, problems);
    expect(problems).toEqual([]);
  });

  it('a failed charge carries Stripe’s failure fields', async () => {
    const failed = (await stripe.charges.list({ limit: 100 }, opts())).data.find((c) => c.status === 'failed')!;
    const problems: string[] = [];
    compare(plain(failed), fixtures.charge, 'charge', problems);
    expect(problems).toEqual([]);
    expect(failed.failure_code).toEqual(expect.any(String));
    expect(failed.failure_message).toEqual(expect.any(String));
    expect(failed.outcome?.type).toBeDefined();
  });
});

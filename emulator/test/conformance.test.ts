import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../index.js';
import { type Schema, type SdkSchema, sdkSchema } from './conformance/sdk-schema.js';
import { type Problem, Validator } from './conformance/validate.js';
import { serveSamples } from './conformance/samples.js';
import { connect, firstAccount, PLATFORM_KEY, sdk, start } from './helpers.js';

/**
 * Holds what the emulator serves to the pinned SDK's own type definitions (derived from its `.d.ts` files,
 * see `conformance/sdk-schema.ts`): every sample is fetched through the SDK, turned back into the JSON that
 * was on the wire, and checked field by field. Problems are reported per Stripe object type, wherever that
 * object was served (retrieved, listed, expanded inside another object, or inside an event).
 */

/** The object types that must each be served at least once, and conform. */
const TYPES = [
  'Customer',
  'DeletedCustomer',
  'Product',
  'Price',
  'Plan',
  'Coupon',
  'Discount',
  'Subscription',
  'SubscriptionItem',
  'Invoice',
  'InvoiceLineItem',
  'Charge',
  'Refund',
  'Dispute',
  'Event',
  'WebhookEndpoint',
];

let running: RunningEmulator;
let stripe: Stripe;
let validator: Validator;
const problems: Problem[] = [];

/** What the SDK returned, as JSON (Decimal fields become their strings again, as on the wire). */
const wire = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

/** Checks one sample; a failed request or a missing sample is a problem of the type it should have given. */
async function sample(label: string, type: string, get: () => Promise<unknown>, list = false): Promise<void> {
  let value: unknown;
  try {
    value = wire(await get());
  } catch (err) {
    const message = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
    problems.push({ owner: type, path: label, field: type, in: label, message: `request failed: ${message}` });
    return;
  }
  if (value === undefined || value === null) {
    problems.push({ owner: type, path: label, field: type, in: label, message: 'no sample found' });
    return;
  }
  problems.push(...(list ? validator.validateList(value, type, label) : validator.validate(value, type, label)));
}

beforeAll(async () => {
  validator = new Validator(sdkSchema());
  running = await start({ customers: 60, seed: 5 });
  const account = await connect(running, firstAccount(running));
  stripe = sdk(running);
  const raw = async (path: string) => {
    const res = await fetch(`${running.url}${path}`, { headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'stripe-account': account } });
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  await serveSamples(stripe, account, sample, raw);
}, 60_000);

afterAll(() => running?.close());

/** One line per distinct problem of a type, with every place it was served (list indices folded). */
function report(type: string): string[] {
  const byProblem = new Map<string, Set<string>>();
  for (const p of problems.filter((x) => x.owner === type)) {
    const key = `${p.field.replace(/\[\d+\]/g, '[]')}: ${p.message}`;
    byProblem.set(key, (byProblem.get(key) ?? new Set()).add(p.in.replace(/\[\d+\]/g, '[]')));
  }
  const lines = [...byProblem].map(([key, where]) => `${key} — in ${[...where].join(', ')}`);
  if (!validator.seen.get(type)) lines.push(`no ${type} was served to check`);
  return lines;
}

describe('what the emulator serves matches the SDK’s types', () => {
  it.each(TYPES)('%s', (type) => {
    expect(report(type)).toEqual([]);
  });

  it('other object types met on the way', () => {
    const others = [...new Set(problems.map((p) => p.owner))].filter((o) => !TYPES.includes(o));
    expect(others.flatMap(report)).toEqual([]);
  });
});

/** The derivation and the validator must find what they are meant to find, or the checks above prove nothing. */
describe('self-test: the SDK-derived schema and the validator', () => {
  let schema: SdkSchema;
  beforeAll(() => void (schema = sdkSchema()));
  const check = (value: unknown, type: string, at = type.toLowerCase()) =>
    new Validator(schema).validate(value, type, at).map((p) => `${p.path}: ${p.message}`);
  const field = (type: string, name: string) => schema.object(type).fields.get(name);

  it('knows Charge’s required and optional fields and their types', () => {
    for (const name of ['amount', 'captured', 'disputed', 'refunded']) expect(field('Charge', name)?.optional).toBe(false);
    expect(field('Charge', 'amount')?.type).toEqual({ kind: 'number' });
    expect(field('Charge', 'captured')?.type).toEqual({ kind: 'boolean' });
    expect(field('Charge', 'refunds')).toEqual({
      optional: true,
      type: { kind: 'union', members: [{ kind: 'null' }, { kind: 'object', name: 'ApiList<Refund>' }] },
    });
    expect(schema.object('ApiList<Refund>').fields.get('data')?.type).toEqual({
      kind: 'array',
      element: { kind: 'object', name: 'Refund' },
    });
    // An enum the SDK leaves open (`| OtherString`) is checked as closed.
    expect(field('Charge', 'status')?.type).toEqual({
      kind: 'union',
      members: ['failed', 'pending', 'succeeded'].map((value) => ({ kind: 'literal', value })),
    });
    expect(field('Charge', 'customer')?.type).toMatchObject({
      kind: 'union',
      members: expect.arrayContaining([{ kind: 'object', name: 'DeletedCustomer' }]),
    });
    expect(schema.object('Metadata')).toMatchObject({ fields: new Map(), rest: { kind: 'string' } });
    expect(field('Price', 'unit_amount_decimal')?.type).toEqual({ kind: 'union', members: [{ kind: 'null' }, { kind: 'decimal' }] });
    expect(field('Customer', 'deleted')).toEqual({ optional: true, type: { kind: 'absent' } });
    expect(field('DeletedCustomer', 'deleted')).toEqual({ optional: false, type: { kind: 'literal', value: true } });
  });

  it('derives every type reachable from the checked ones, accepting anything only for a bare ApiList’s T', () => {
    const seen = new Set<string>();
    const walk = (s: Schema): void => {
      if (s.kind === 'array') return walk(s.element);
      if (s.kind === 'union') return s.members.forEach(walk);
      if (s.kind !== 'object' || seen.has(s.name)) return;
      seen.add(s.name);
      const t = schema.object(s.name);
      [...t.fields.values()].forEach((f) => walk(f.type));
      if (t.rest) walk(t.rest);
    };
    [...TYPES, 'ApiList'].forEach((t) => walk(schema.type(t)));
    expect(seen.size).toBeGreaterThan(1000);
    expect([...schema.loose]).toEqual(['ApiList<T>.data: T']);
  });

  const coupon = {
    id: 'TEN',
    object: 'coupon',
    amount_off: null,
    created: 1700000000,
    currency: null,
    duration: 'once',
    duration_in_months: null,
    livemode: false,
    max_redemptions: null,
    metadata: { k: 'v' },
    name: null,
    percent_off: 10,
    redeem_by: null,
    times_redeemed: 0,
    valid: true,
  };

  it('reports exactly a missing field, an extra field, a wrong enum value and a wrongly typed nested field', () => {
    expect(check(coupon, 'Coupon')).toEqual([]);
    const { created: _created, ...broken } = { ...coupon, duration: 'sometimes', applies_to: { products: 'prod_1' }, surprise: 1 };
    expect(check(broken, 'Coupon')).toEqual([
      'coupon.applies_to.products: wrong type: "prod_1", expected string[]',
      'coupon.created: missing required field (number)',
      'coupon.duration: wrong type: "sometimes", expected "forever" | "once" | "repeating"',
      'coupon.surprise: not a field of Coupon',
    ]);
    expect(check({ ...coupon, metadata: { k: 1 } }, 'Coupon')).toEqual(['coupon.metadata.k: wrong type: 1, expected string']);
  });

  it('picks the member of an expandable union by the object’s `object` and `deleted`', () => {
    const discount = {
      id: 'di_1',
      object: 'discount',
      checkout_session: null,
      customer: 'cus_1',
      customer_account: null,
      end: null,
      invoice: null,
      invoice_item: null,
      promotion_code: null,
      source: { coupon: { ...coupon, valid: 'yes' }, type: 'coupon' },
      start: 1700000000,
      subscription: null,
      subscription_item: null,
    };
    expect(check(discount, 'Discount')).toEqual(['discount.source.coupon.valid: wrong type: "yes", expected boolean']);
    expect(
      check(
        { ...discount, source: { coupon: 'TEN', type: 'coupon' }, customer: { id: 'cus_1', object: 'customer', deleted: true } },
        'Discount',
      ),
    ).toEqual([]);
    expect(
      check(
        { ...discount, source: { coupon: 'TEN', type: 'coupon' }, customer: { id: 'cus_1', object: 'customer', deleted: true, name: 'x' } },
        'Discount',
      ),
    ).toEqual(['discount.customer.name: not a field of DeletedCustomer']);
    expect(check({ ...discount, source: { coupon: 'TEN', type: 'coupon' }, customer: 7 }, 'Discount')).toEqual([
      'discount.customer: wrong type: 7, expected null | string | Customer | DeletedCustomer',
    ]);
  });

  it('checks an event’s data.object by its type, and previous_attributes as a partial of it', () => {
    const event = (type: string, data: object) => ({
      id: 'evt_1',
      object: 'event',
      api_version: '2026-10-28.endive',
      created: 1700000000,
      data,
      livemode: false,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
      type,
    });
    expect(check(event('coupon.updated', { object: coupon, previous_attributes: { name: 'Old' } }), 'Event')).toEqual([]);
    expect(check(event('coupon.updated', { object: coupon, previous_attributes: { name: 5, bogus: 1 } }), 'Event')).toEqual([
      'event.data.previous_attributes.name: wrong type: 5, expected null | string',
      'event.data.previous_attributes.bogus: not a field of Partial<Coupon>',
    ]);
    const mismatched = check(event('customer.created', { object: coupon }), 'Event');
    expect(mismatched).toContain('event.data.object.object: wrong type: "coupon", expected "customer"');
    expect(mismatched).toContain('event.data.object.email: missing required field (null | string)');
    expect(check(event('coupon.exploded', { object: coupon }), 'Event')).toEqual([
      expect.stringMatching(/^event\.type: wrong type: "coupon.exploded", expected /),
    ]);
  });

  it('checks decimal strings as on the wire', () => {
    const tier = { flat_amount: null, flat_amount_decimal: null, unit_amount: 150, unit_amount_decimal: '150.5', up_to: null };
    expect(check(tier, 'Price.Tier', 'tier')).toEqual([]);
    expect(check({ ...tier, unit_amount_decimal: 150.5 }, 'Price.Tier', 'tier')).toEqual([
      'tier.unit_amount_decimal: wrong type: 150.5, expected null | decimal string',
    ]);
    expect(check({ ...tier, unit_amount_decimal: 'lots' }, 'Price.Tier', 'tier')).toEqual([
      'tier.unit_amount_decimal: wrong type: "lots", expected null | decimal string',
    ]);
  });
});

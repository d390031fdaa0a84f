import Stripe from 'stripe';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningEmulator, StartOptions } from '../index.js';
import { connect, firstAccount, receiver, sdk, start, until } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(async () => undefined);

async function setup(options: StartOptions = {}, failFirst = 0) {
  const hook = await receiver(failFirst);
  const running: RunningEmulator = await start({
    customers: 3,
    platform: { webhookUrl: hook.url, webhookSecret: 'whsec_platform_test' },
    webhooks: { retryBaseMs: 20, ...options.webhooks },
    ...options,
  });
  cleanups.push(
    () => hook.close(),
    () => running.close(),
  );
  const account = await connect(running, firstAccount(running));
  return { hook, running, account, stripe: sdk(running) };
}

describe('events and webhooks', () => {
  it('delivers Connect events to the platform endpoint, signed so that constructEvent verifies them', async () => {
    const { hook, account, stripe } = await setup();
    const customer = await stripe.customers.create({ name: 'Hooked' }, { stripeAccount: account });
    await until(() => hook.received.length >= 1);
    const event = stripe.webhooks.constructEvent(hook.received[0]!.body, hook.received[0]!.signature, 'whsec_platform_test');
    expect(event.type).toBe('customer.created');
    expect(event.account).toBe(account);
    expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
    expect(() => stripe.webhooks.constructEvent(hook.received[0]!.body, hook.received[0]!.signature, 'whsec_wrong')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    const listed = await stripe.events.list({ type: 'customer.created' }, { stripeAccount: account });
    expect(listed.data[0]!.id).toBe(event.id);
  });

  it('delivers to account endpoints registered through the API, with previous_attributes on updates', async () => {
    const { account, stripe } = await setup();
    const own = await receiver();
    cleanups.push(() => own.close());
    const endpoint = await stripe.webhookEndpoints.create(
      { url: own.url, enabled_events: ['customer.updated', 'charge.failed'] },
      { stripeAccount: account },
    );
    expect(endpoint.secret).toMatch(/^whsec_/);
    const customer = await stripe.customers.create({ name: 'Before' }, { stripeAccount: account });
    await stripe.customers.update(customer.id, { name: 'After' }, { stripeAccount: account });
    await stripe.charges
      .create({ amount: 900, currency: 'usd', customer: customer.id, source: 'tok_chargeDeclined' }, { stripeAccount: account })
      .catch(() => undefined);
    await until(() => own.received.length >= 2);
    const events = own.received.map((r) => stripe.webhooks.constructEvent(r.body, r.signature, endpoint.secret!));
    expect(events.map((e) => e.type).sort()).toEqual(['charge.failed', 'customer.updated']);
    const updated = events.find((e) => e.type === 'customer.updated')!;
    expect(updated.data.previous_attributes).toEqual({ name: 'Before' });
    const failed = events.find((e) => e.type === 'charge.failed')!.data.object as Stripe.Charge;
    expect(failed.failure_code).toBe('card_declined');
  });

  it('retries deliveries the receiver refuses, with back-off', async () => {
    const { hook, running, account, stripe } = await setup({}, 2);
    await stripe.customers.create({ name: 'Retry' }, { stripeAccount: account });
    await until(() => running.emulator.dispatcher.stats.delivered === 1);
    expect(hook.received).toHaveLength(1);
    expect(running.emulator.dispatcher.stats.failedAttempts).toBe(2);
  });

  it('can deliver every event twice, and out of order', async () => {
    const { hook, account, stripe } = await setup({ webhooks: { duplicates: true, outOfOrderMs: 200 } });
    for (let i = 0; i < 6; i++) await stripe.customers.create({ name: `C${i}` }, { stripeAccount: account });
    await until(() => hook.received.length === 12);
    const ids = hook.received.map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect(new Set(ids).size).toBe(6);
    const created = hook.received.map((r) => (JSON.parse(r.body) as { data: { object: { name: string } } }).data.object.name);
    const firstSeen = [...new Set(created)];
    expect(firstSeen).not.toEqual(['C0', 'C1', 'C2', 'C3', 'C4', 'C5']);
  });

  it('tells the platform when an account disconnects it', async () => {
    const { hook, running, account, stripe } = await setup();
    await fetch(`${running.url}/_emulator/accounts/${account}/deauthorize`, { method: 'POST' });
    await until(() => hook.received.some((r) => r.body.includes('account.application.deauthorized')));
    const delivery = hook.received.find((r) => r.body.includes('account.application.deauthorized'))!;
    const event = stripe.webhooks.constructEvent(delivery.body, delivery.signature, 'whsec_platform_test');
    expect(event.account).toBe(account);
  });

  it('emits subscription, invoice and charge events for a failed renewal', async () => {
    const { hook, running, account, stripe } = await setup();
    const sub = (await stripe.subscriptions.list({ limit: 1 }, { stripeAccount: account })).data[0]!;
    hook.received.length = 0;
    const res = await fetch(`${running.url}/_emulator/accounts/${account}/subscriptions/${sub.id}/renew`, {
      method: 'POST',
      body: JSON.stringify({ outcome: 'failed', failure_code: 'insufficient_funds' }),
    });
    expect(((await res.json()) as any).status).toBe('past_due');
    await until(() => hook.received.length >= 5);
    const types = hook.received.map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types).toEqual(
      expect.arrayContaining(['invoice.created', 'charge.failed', 'invoice.payment_failed', 'customer.subscription.updated']),
    );
  });
});

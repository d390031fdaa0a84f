import Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import type { RunningEmulator } from '../index.js';
import type { ScenarioInput } from '../scenario/schema.js';
import { connect, firstAccount, sdk, start } from './helpers.js';

export const DAY = 86400;

/** One account with a customer, to charge, refund and dispute through the SDK. */
const BUSINESS: ScenarioInput = {
  version: 1,
  accounts: [{ name: 'Charges Co', customers: [{ key: 'ada', name: 'Ada', email: 'ada@example.com' }] }],
};

/**
 * An emulator with that account, for a test file: the SDK on it, the customer, a clock the tests can move
 * (for the 7-day capture window) and helpers to charge, read events and call the admin switches.
 */
export function useChargesWorld() {
  const w = {
    running: undefined as unknown as RunningEmulator,
    stripe: undefined as unknown as Stripe,
    account: '',
    customer: '',
    clock: Date.now(),
    opts: () => ({ stripeAccount: w.account }),
    eventsOf: async (type: string) => (await w.stripe.events.list({ type, limit: 100 }, w.opts())).data,
    charge: (params: Partial<Stripe.ChargeCreateParams> = {}) =>
      w.stripe.charges.create({ amount: 1000, currency: 'usd', customer: w.customer, ...params }, w.opts()),
    admin: (path: string, body: unknown) =>
      fetch(`${w.running.url}/_emulator/accounts/${w.account}${path}`, { method: 'POST', body: JSON.stringify(body) }),
  };
  beforeAll(async () => {
    w.running = await start({ scenario: BUSINESS, now: () => w.clock });
    w.account = await connect(w.running, firstAccount(w.running));
    w.stripe = sdk(w.running);
    w.customer = (await w.stripe.customers.list({ limit: 1 }, w.opts())).data[0]!.id;
  });
  afterAll(() => w.running?.close());
  return w;
}

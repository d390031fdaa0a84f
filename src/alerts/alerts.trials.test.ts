import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedUpUser, waitFor } from '../../test/helpers/app.js';
import { ownerWithStripe, startStripeWorld, type StripeWorld, waitForScores } from '../../test/helpers/stripe.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { trialWatchJob } from './alerts.jobs.js';

// Trials have alerts of their own: "trial ending" and "trial ending with no card on file", from trials made in
// Stripe (through the emulator, with and without a card) and the hourly trial watch.
let world: StripeWorld;
let owner: SignedUpUser;
let stripe: Stripe;
let account: string;
const db = () => world.t.runtime.database.db;
const DAY = 86_400;

beforeAll(async () => {
  world = await startStripeWorld({ emulator: { customers: 8, seed: 71 } });
  owner = await ownerWithStripe(world);
  await waitForScores(world, owner.orgId);
  stripe = new Stripe(world.emulator.emulator.platform.secretKey, {
    host: '127.0.0.1',
    port: world.emulator.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  account = world.emulator.emulator.connectedAccounts()[0]!.id;
}, 120_000);
afterAll(async () => world?.close());

async function trialFor(name: string, days: number, card: boolean) {
  const opts = { stripeAccount: account };
  const customer = await stripe.customers.create({ name, ...(card ? { source: 'tok_visa' } : {}) }, opts);
  const price = (await stripe.prices.list({ limit: 1, active: true, type: 'recurring' }, opts)).data[0]!;
  const now = Math.floor(Date.now() / 1000);
  const sub = await stripe.subscriptions.create(
    { customer: customer.id, items: [{ price: price.id }], trial_end: now + days * DAY - 3600 },
    opts,
  );
  return { customer, sub };
}

const alertsOf = (ruleId: string) =>
  db().selectFrom('alerts').select(['title', 'body', 'situation']).where('rule_id', '=', ruleId).orderBy('title').execute();

describe('trial alerts', () => {
  it('warns before a trial ends, and louder when no card is on file — once per trial', async () => {
    const soonNoCard = await trialFor('Trial Without Card', 2, false);
    const soonCard = await trialFor('Trial With Card', 2, true);
    await trialFor('Trial Far Away', 12, false);
    // The webhooks have stored the subscriptions and what the customers have on file.
    await waitFor(async () => {
      const rows = await db()
        .selectFrom('subscriptions')
        .select('stripe_subscription_id')
        .where('org_id', '=', owner.orgId)
        .where('status', '=', 'trialing')
        .where('stripe_subscription_id', 'in', [soonNoCard.sub.id, soonCard.sub.id])
        .execute();
      return rows.length === 2;
    }, 20_000);
    await waitFor(async () => {
      const c = await db()
        .selectFrom('customers')
        .select('has_payment_method')
        .where('org_id', '=', owner.orgId)
        .where('external_id', '=', soonCard.customer.id)
        .executeTakeFirst();
      return c?.has_payment_method === true;
    }, 20_000);

    const create = async (body: Record<string, unknown>) => {
      const res = await owner.client.post('/api/v1/alerts/rules', { channels: { inApp: true }, cooldownMinutes: 0, ...body });
      expect(res.status, res.text).toBe(201);
      return res.body.id as string;
    };
    const ending = await create({ name: 'Trials ending', kind: 'trial_ending', params: { days: 3 } });
    const noCard = await create({ name: 'No card', kind: 'trial_card_missing', params: { days: 3 } });
    // A window longer than the watch looks is refused with the reason.
    const tooLong = await owner.client.post('/api/v1/alerts/rules', {
      name: 'x',
      kind: 'trial_ending',
      params: { days: 45 },
      channels: { inApp: true },
    });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.message).toMatch(/at most 30 days/);

    await enqueue(db(), trialWatchJob, {});
    await waitFor(async () => (await alertsOf(ending)).length === 2 && (await alertsOf(noCard)).length === 1, 20_000);
    const [withCard, withoutCard] = await alertsOf(ending);
    expect(withCard!.title).toBe('Trial With Card: trial ends in 2 days');
    expect(withoutCard!.title).toBe('Trial Without Card: trial ends in 2 days, no card on file');
    const [missing] = await alertsOf(noCard);
    expect(missing!.title).toBe('Trial Without Card: trial ends in 2 days, no card on file');
    expect(missing!.body).toMatch(/no payment method is on file/);

    // The next hour's watch logs nothing new for the same day, and no alert repeats on a later day either.
    await enqueue(db(), trialWatchJob, {});
    await new Promise((r) => setTimeout(r, 2000));
    expect(await alertsOf(ending)).toHaveLength(2);
    expect(await alertsOf(noCard)).toHaveLength(1);

    // The customer page says whether a card is on file.
    const page = async (external: string) => {
      const c = await db()
        .selectFrom('customers')
        .select('id')
        .where('org_id', '=', owner.orgId)
        .where('external_id', '=', external)
        .executeTakeFirstOrThrow();
      return (await owner.client.get(`/api/v1/customers/${c.id}`)).body.customer;
    };
    expect((await page(soonCard.customer.id)).hasPaymentMethod).toBe(true);
    expect((await page(soonNoCard.customer.id)).hasPaymentMethod).toBe(false);
  }, 90_000);
});

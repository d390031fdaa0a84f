import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { signUp, type TestApp, useTestApp } from '../../test/helpers/app.js';
import { createConnectionsRepo } from './connections.repo.js';
import type { StripePlatform } from './stripe.client.js';
import { createStripeDataRepo } from './stripe-data.repo.js';
import { mapCustomer } from './stripe.mapping.js';
import { createEventApplier } from './webhooks.apply.js';

let t: TestApp;
useTestApp((app) => {
  t = app;
});

const SECOND = 1_800_000_000;
const customer = (name: string) =>
  ({
    id: 'cus_race',
    object: 'customer',
    name,
    email: null,
    currency: null,
    created: SECOND - 100,
    metadata: {},
  }) as unknown as Stripe.Customer;
const event = (id: string, name: string) =>
  ({ id, object: 'event', type: 'customer.updated', created: SECOND, data: { object: customer(name) } }) as unknown as Stripe.Event;

describe('applying events whose version ties (same second)', () => {
  it('writes re-fetches in the order they read: a slow read of an older state never lands after a newer one', async () => {
    const owner = await signUp(t);
    const db = t.runtime.database.db;
    await createConnectionsRepo(db).save({
      orgId: owner.orgId,
      accountId: 'acct_race',
      livemode: false,
      scope: 'read_only',
      accessTokenEnc: 'x',
      refreshTokenEnc: null,
      webhookToken: `tok_${owner.orgId}`,
      userId: owner.userId,
    });
    const stored = mapCustomer(customer('v0'));
    if ('deleted' in stored) throw new Error('unexpected');
    await createStripeDataRepo(db).upsertCustomers(owner.orgId, [stored], { ts: SECOND, eventId: 'evt_0' });

    // Stripe's state changes between the two reads: the first read sees v2 but answers late, the second sees v6.
    let reads = 0;
    const platform = {
      config: {},
      authorizeUrl: () => '',
      client: {
        customers: {
          retrieve: async () => {
            const n = ++reads;
            if (n === 1) {
              await new Promise((r) => setTimeout(r, 300));
              return customer('v2');
            }
            return customer('v6');
          },
        },
      },
    } as unknown as StripePlatform;
    const apply = createEventApplier({ db, platform, onDeauthorized: async () => undefined });
    const first = apply(owner.orgId, event('evt_a', 'v1'));
    await new Promise((r) => setTimeout(r, 50));
    const second = apply(owner.orgId, event('evt_b', 'v5'));
    expect(await Promise.all([first, second])).toEqual(['processed', 'processed']);
    const row = await db
      .selectFrom('customers')
      .select('name')
      .where('org_id', '=', owner.orgId)
      .where('external_id', '=', 'cus_race')
      .executeTakeFirstOrThrow();
    expect(row.name).toBe('v6');
    expect(reads).toBe(2);
  });
});

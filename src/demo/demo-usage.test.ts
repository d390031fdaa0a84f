import { describe, expect, it } from 'vitest';
import { signUp, type TestApp, useTestApp, waitFor } from '../../test/helpers/app.js';
import { createLogger } from '../core/logger.js';
import { createIngestService } from '../usage/ingest.service.js';
import { sendDemoUsage } from './demo-usage.js';

let t: TestApp;
useTestApp((app) => {
  t = app;
});

describe('the demo business', () => {
  it('sends usage and tickets shaped by each customer’s billing, once, and the new factors show', async () => {
    const owner = await signUp(t);
    const { db } = t.runtime.database;
    const statuses = { cus_demo_ok: 'active', cus_demo_late: 'past_due', cus_demo_gone: 'canceled' } as const;
    const ids: Record<string, string> = {};
    for (const [ext, status] of Object.entries(statuses)) {
      ids[ext] = (
        await db
          .insertInto('customers')
          .values({
            org_id: owner.orgId,
            external_id: ext,
            email: `billing@${ext}.test`,
            name: ext,
            currency: 'usd',
            first_seen_at: new Date(),
            metadata: '{}',
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      await db
        .insertInto('subscriptions')
        .values({
          org_id: owner.orgId,
          stripe_subscription_id: `sub_${ext}`,
          stripe_customer_id: ext,
          status,
          amount_cents: 1000,
          currency: 'usd',
          interval: 'month',
          interval_count: 1,
          cancel_at_period_end: false,
          items: '[]',
          discounts: '[]',
        } as never)
        .execute();
    }
    const deps = { db, ingest: createIngestService({ db, apiKeys: { authenticate: async () => null } }), logger: createLogger('silent') };
    const sent = await sendDemoUsage(deps, owner.orgId);
    expect(sent).toBeGreaterThan(100);
    expect(await sendDemoUsage(deps, owner.orgId)).toBe(0);
    const usage = async (ext: string) =>
      ((await db.selectFrom('customer_scores').select('factors').where('customer_id', '=', ids[ext]!).executeTakeFirst())?.factors as any)
        ?.usage;
    await waitFor(
      async () => (await usage('cus_demo_ok'))?.value !== undefined && (await usage('cus_demo_gone'))?.value !== undefined,
      30_000,
    );
    expect((await usage('cus_demo_ok')).value).toBeGreaterThan(0.8);
    expect((await usage('cus_demo_late')).value).toBeLessThan((await usage('cus_demo_ok')).value);
    expect((await usage('cus_demo_gone')).value).toBeLessThan(0.05);
  });
});

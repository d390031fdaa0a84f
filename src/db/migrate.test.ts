import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { withDatabase } from '../../test/global-setup.js';
import { connectDatabase, type DatabaseHandle } from './database.js';
import { migrateToLatest } from './migrate.js';

// Upgrades run against real data: a database migrated to an older version, filled, then brought to the latest.
let handle: DatabaseHandle;
const name = `ps_upgrade_${randomBytes(6).toString('hex')}`;

async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin(`create database ${name}`);
  handle = connectDatabase(withDatabase(inject('adminDatabaseUrl'), name), { max: 2 });
});

afterAll(async () => {
  await handle?.close();
  await admin(`drop database if exists ${name} with (force)`);
});

describe('0007_score_details', () => {
  it('moves each stored score into customer_scores as configuration-independent factors', async () => {
    await migrateToLatest(handle.db, '0006_alerts');
    const scoredAt = new Date('2026-11-01T10:00:00Z');
    await sql`insert into organizations (id, name, slug) values ('org_up', 'Upgrade', 'upgrade')`.execute(handle.db);
    await sql`
      insert into customers (org_id, external_id, first_seen_at, score, risk_level, score_factors, score_absent,
                             score_explanation, scored_at, score_fingerprint)
      values
        ('org_up', 'cus_scored', now(), 80, 'green',
         ${JSON.stringify([
           {
             name: 'payment_recency',
             value: 1,
             weight: 25,
             points: 50,
             explanation: 'Last successful payment 3 days ago; expected every 30 days.',
           },
           { name: 'failed_payments', value: 0.6, weight: 25, points: 30, explanation: 'One failed payment in the last 30 days.' },
         ])}::jsonb,
         ${JSON.stringify([
           { name: 'mrr_trend', reason: 'weight set to 0', value: 0.75, explanation: 'MRR unchanged over 90 days.' },
           { name: 'usage', reason: 'no product-usage data source connected' },
         ])}::jsonb,
         'Healthy (80/100). No concerns in billing.', ${scoredAt}, 'old'),
        ('org_up', 'cus_unscored', now(), null, null, '[]'::jsonb, '[]'::jsonb, null, null, null)`.execute(handle.db);

    expect(await migrateToLatest(handle.db)).toContain('0007_score_details');

    const details = await handle.db.selectFrom('customer_scores').selectAll().execute();
    expect(details).toHaveLength(1);
    expect(details[0]).toMatchObject({
      org_id: 'org_up',
      fingerprint: null,
      scored_at: scoredAt,
      factors: {
        payment_recency: { value: 1, explanation: 'Last successful payment 3 days ago; expected every 30 days.' },
        failed_payments: { value: 0.6, explanation: 'One failed payment in the last 30 days.' },
        mrr_trend: { value: 0.75, explanation: 'MRR unchanged over 90 days.' },
        usage: { reason: 'no product-usage data source connected' },
      },
    });
    // The list columns stay on the customer; their fingerprint is reset so that the next re-score writes them.
    const customers = await handle.db
      .selectFrom('customers')
      .select(['external_id', 'score', 'risk_level', 'summary_fingerprint'])
      .orderBy('external_id')
      .execute();
    expect(customers).toEqual([
      { external_id: 'cus_scored', score: 80, risk_level: 'green', summary_fingerprint: null },
      { external_id: 'cus_unscored', score: null, risk_level: null, summary_fingerprint: null },
    ]);
  });
});

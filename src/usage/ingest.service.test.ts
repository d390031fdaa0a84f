import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/schema.js';
import { createIngestService, WRITE_KEY_CACHE_MS } from './ingest.service.js';

/** The write key of a Segment client is looked up once every few seconds, not on every batch, and never longer. */
describe('write keys', () => {
  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

  it('trusts a valid key for a few seconds, and a revoked one stops working once that is over', async () => {
    let now = 1_000_000;
    let valid = true;
    let lookups = 0;
    const ingest = createIngestService({
      db: {} as Kysely<Database>,
      now: () => now,
      apiKeys: {
        authenticate: async () => {
          lookups++;
          return valid ? { apiKeyId: 'k1', orgId: 'org-1', role: 'member' as const } : null;
        },
      },
    });
    const key = `psk_${'a'.repeat(32)}`;
    expect(await ingest.organizationOf(basic(key), {})).toBe('org-1');
    now += 1_000;
    expect(await ingest.organizationOf(basic(key), {})).toBe('org-1');
    expect(lookups).toBe(1);

    valid = false; // revoked
    now += WRITE_KEY_CACHE_MS;
    await expect(ingest.organizationOf(basic(key), {})).rejects.toMatchObject({ code: 'invalid_write_key' });
    await expect(ingest.organizationOf(basic(key), {})).rejects.toMatchObject({ code: 'invalid_write_key' });
    expect(lookups).toBe(3);
  });

  it('does not remember a key that was refused, so a key created a moment later works at once', async () => {
    let valid = false;
    const ingest = createIngestService({
      db: {} as Kysely<Database>,
      apiKeys: { authenticate: async () => (valid ? { apiKeyId: 'k1', orgId: 'org-1', role: 'member' as const } : null) },
    });
    const key = `psk_${'b'.repeat(32)}`;
    await expect(ingest.organizationOf(basic(key), {})).rejects.toMatchObject({ code: 'invalid_write_key' });
    valid = true;
    expect(await ingest.organizationOf(basic(key), {})).toBe('org-1');
    await expect(ingest.organizationOf(undefined, {})).rejects.toMatchObject({ code: 'invalid_write_key' });
  });
});

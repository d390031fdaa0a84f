import { z } from 'zod';

export const usageSettingsBody = z
  .strictObject({
    matchBy: z
      .enum(['trait', 'metadata', 'email_domain'])
      .describe(
        'trait: the group trait stripe_customer_id; metadata: the Stripe customer metadata key below holds the group id; email_domain',
      ),
    metadataKey: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .regex(/^[A-Za-z0-9_.-]+$/, 'may hold letters, digits, _ . and - only')
      .nullable()
      .default(null),
    rawRetentionDays: z.number().int().min(7).max(365).default(30).describe('How long raw events are kept (rollups stay)'),
    sentimentDays: z.number().int().min(1).max(365).default(30).describe('How long a CSM sentiment counts, by default'),
  })
  .meta({ id: 'DataSourceSettings' });

export const dataSourcesResponse = z
  .object({
    settings: z.object({
      matchBy: z.enum(['trait', 'metadata', 'email_domain']),
      metadataKey: z.string().nullable(),
      rawRetentionDays: z.number().int(),
      sentimentDays: z.number().int(),
    }),
    endpoint: z.object({ host: z.string(), paths: z.array(z.string()) }),
    status: z.object({
      rawEvents: z.number().int(),
      waitingForMatch: z.number().int(),
      pendingRollup: z.number().int(),
      lastEventAt: z.string().nullable(),
      groups: z.number().int(),
      unmatchedGroups: z.number().int(),
      users: z.number().int(),
      unmatchedUsers: z.number().int(),
      customersWithUsage: z.number().int(),
      tickets: z.number().int(),
    }),
  })
  .meta({ id: 'DataSources' });

export const unmatchedQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) });

export const unmatchedResponse = z.object({
  groups: z.array(
    z.object({
      groupId: z.string(),
      name: z.string().nullable(),
      stripeCustomerId: z.string().nullable(),
      email: z.string().nullable(),
      events: z.number().int(),
      firstSeenAt: z.string(),
      lastSeenAt: z.string(),
    }),
  ),
  users: z.array(
    z.object({
      userKey: z.string(),
      groupId: z.string().nullable(),
      email: z.string().nullable(),
      name: z.string().nullable(),
      events: z.number().int(),
      firstSeenAt: z.string(),
      lastSeenAt: z.string(),
    }),
  ),
});

export const identityKeyParam = z.strictObject({ key: z.string().min(1).max(255) });
export const mappingBody = z.strictObject({
  customerId: z.guid('is not a valid id').nullable().describe('The PulseScore customer; null returns it to the automatic rule'),
});
export const mappingResponse = z.object({ kind: z.enum(['group', 'user']), key: z.string(), customerId: z.string().nullable() });

export const importKindParam = z.strictObject({ kind: z.enum(['usage', 'tickets']) });
export const importBody = z.strictObject({
  csv: z.string().min(1, 'is required').max(20_000_000).describe('The file, as text (a header row, then one row per line)'),
  filename: z.string().max(200).optional(),
});
export const importResponse = z.object({
  id: z.string(),
  kind: z.enum(['usage', 'tickets']),
  status: z.literal('imported'),
  rows: z.number().int(),
  customers: z.number().int(),
});
export const importsResponse = z.object({
  imports: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['usage', 'tickets']),
      filename: z.string().nullable(),
      status: z.enum(['imported', 'rejected']),
      rows: z.number().int(),
      errorCount: z.number().int(),
      createdAt: z.string(),
      errorReportUrl: z.string().nullable(),
    }),
  ),
});

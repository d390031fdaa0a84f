import { z } from 'zod';

export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(['admin', 'member']),
    prefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const apiKeysResponse = z.object({ apiKeys: z.array(apiKeySchema) });
export const createApiKeyBody = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(100),
  role: z.enum(['admin', 'member']).default('member'),
});
export const createdApiKeySchema = apiKeySchema.extend({ key: z.string().describe('The secret: shown once, store it now') });

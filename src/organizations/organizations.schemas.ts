import { z } from 'zod';

export const roleSchema = z.enum(['owner', 'admin', 'member']);

export const organizationSchema = z
  .object({ id: z.string(), name: z.string(), slug: z.string(), createdAt: z.string(), role: roleSchema })
  .meta({ id: 'Organization' });

export const meResponse = z.object({
  user: z.object({ id: z.string(), name: z.string(), email: z.string(), emailVerified: z.boolean() }).nullable(),
  apiKey: z.object({ id: z.string(), role: roleSchema }).nullable(),
  activeOrganizationId: z.string().nullable(),
  organizations: z.array(z.object({ id: z.string(), name: z.string(), slug: z.string(), role: roleSchema })),
});

// The pattern tells the OpenAPI document what trimming implies: a name of spaces only is empty.
export const organizationName = z.string().trim().min(1, 'is required').max(100).regex(/\S/, 'is required');
export const renameBody = z.strictObject({ name: organizationName });
export const createBody = z.strictObject({ name: organizationName });
export const switchBody = z.strictObject({ organizationId: z.string().min(1).max(64) });

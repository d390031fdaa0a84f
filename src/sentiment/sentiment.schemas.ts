import { z } from 'zod';

export const sentimentBody = z
  .strictObject({
    rating: z.number().int().min(1).max(5).describe('1 (about to leave) … 5 (delighted)'),
    note: z.string().trim().max(2000).default(''),
    expiresInDays: z.number().int().min(1).max(365).optional().describe('Default: the organization’s setting (30 days)'),
  })
  .meta({ id: 'SentimentInput' });

const entry = z.object({
  id: z.string(),
  rating: z.number().int(),
  note: z.string(),
  by: z.object({ userId: z.string().nullable(), name: z.string().nullable() }),
  createdAt: z.string(),
  expiresAt: z.string(),
  expired: z.boolean(),
});

export const sentimentResponse = z
  .object({
    current: entry.nullable().describe('The latest sentiment (it counts until expiresAt, then stops counting)'),
    history: z.array(entry),
    owner: z.object({ userId: z.string(), name: z.string(), email: z.string() }).nullable(),
    canRecord: z.boolean().describe('Whether the caller may record one: admins and the customer’s owner'),
    defaultDays: z.number().int(),
  })
  .meta({ id: 'CustomerSentiment' });

export const ownerBody = z.strictObject({ userId: z.string().min(1).max(64).nullable() });

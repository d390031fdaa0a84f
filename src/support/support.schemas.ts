import { z } from 'zod';

export const supportInfo = z
  .object({
    email: z.string().describe('Where support answers'),
    statusPageUrl: z.string().describe('Whether PulseScore itself is up'),
  })
  .meta({ id: 'SupportInfo' });

export const supportMessageBody = z.strictObject({
  message: z.string().trim().min(1, 'is required').max(5000),
  page: z
    .string()
    .max(500)
    .regex(/^\/[^\s]*$/, 'must be the path of a page of the app, such as /customers')
    .describe('The page it was sent from'),
});

export const supportMessageSent = z.object({ sent: z.literal(true), to: z.string() });

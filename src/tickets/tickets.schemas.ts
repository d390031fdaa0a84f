import { z } from 'zod';

export const ticketBody = z
  .strictObject({
    ticketId: z.string().trim().min(1, 'is required').max(200).describe('Your help desk’s ticket id: sending it again updates the ticket'),
    customer: z
      .string()
      .trim()
      .min(1, 'is required')
      .max(320)
      .describe('A Stripe customer id (cus_…), a PulseScore customer id or the customer’s email'),
    status: z.enum(['open', 'solved']).default('open'),
    priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
    subject: z.string().trim().max(300).optional(),
    openedAt: z.iso.datetime({ offset: true }).optional().describe('Default: now'),
    solvedAt: z.iso.datetime({ offset: true }).optional().describe('Default: now, when status is solved'),
    satisfaction: z
      .union([z.number().min(0).max(1), z.enum(['good', 'bad'])])
      .nullable()
      .optional()
      .describe('The customer’s rating: good or bad, or 0 (bad) to 1 (good)'),
  })
  .meta({ id: 'NewTicket' });

export const ticketSchema = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    subject: z.string().nullable(),
    priority: z.enum(['low', 'normal', 'high', 'urgent']),
    status: z.enum(['open', 'solved']),
    openedAt: z.string(),
    solvedAt: z.string().nullable(),
    satisfaction: z.number().nullable(),
    source: z.enum(['segment', 'api', 'csv']),
  })
  .meta({ id: 'Ticket' });

export const ticketResponse = z.object({ ticket: ticketSchema });
export const ticketsResponse = z.object({ tickets: z.array(ticketSchema) });

import { z } from 'zod';
import { defineJob } from '../jobs/jobs.registry.js';

/** Applies one stored Stripe event to the organization's data. */
export const processEventJob = defineJob({
  name: 'stripe.event',
  payload: z.object({ eventRowId: z.uuid() }),
  maxAttempts: 10,
  key: (p) => `stripe.event:${p.eventRowId}`,
});

import { z } from 'zod';
import { defineJob } from '../jobs/jobs.registry.js';

/**
 * Drains stored Stripe events in batches. Its fixed key keeps at most one waiting at a time: any number of
 * arrivals ask for a drain, and the next drain takes them all.
 */
export const drainEventsJob = defineJob({
  name: 'stripe.events.drain',
  payload: z.object({}),
  maxAttempts: 5,
  key: () => 'stripe.events.drain',
});

import { z } from 'zod';
import { defineJob } from '../jobs/jobs.registry.js';

/**
 * Runs (or resumes) one sync run; the key makes a second enqueue for the same run replace the pending one.
 * Three attempts, each resuming where the last stopped: a Stripe that keeps failing ends the run in a clear
 * error within a minute or so (with Retry sync), instead of looking like a slow sync for many minutes.
 */
export const syncJob = defineJob({
  name: 'stripe.sync',
  payload: z.object({ runId: z.uuid() }),
  maxAttempts: 3,
  key: (p) => `stripe.sync:${p.runId}`,
});

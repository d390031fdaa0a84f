import { z } from 'zod';
import { defineJob } from '../jobs/jobs.registry.js';

/** Runs (or resumes) one sync run; the key makes a second enqueue for the same run replace the pending one. */
export const syncJob = defineJob({
  name: 'stripe.sync',
  payload: z.object({ runId: z.uuid() }),
  maxAttempts: 6,
  key: (p) => `stripe.sync:${p.runId}`,
});

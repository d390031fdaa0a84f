import { z } from 'zod';
import { defineJob } from '../jobs/jobs.registry.js';

/** When a CSM sentiment expires, its customer is re-scored at that moment: the sentiment visibly stops counting. */
export const sentimentExpiredJob = defineJob({
  name: 'sentiment.expired',
  payload: z.object({ orgId: z.string().min(1), customerId: z.string().min(1) }),
  maxAttempts: 5,
  key: (p) => `sentiment.expired:${p.customerId}`,
});

import { z } from 'zod';
import { defineJob } from '../jobs/jobs.registry.js';

/**
 * Rebuilds an organization's reconstructed score history and churns: after a sync, after a configuration change,
 * and on demand. One pending job per organization (a burst collapses into one run); one run at a time per organization.
 */
export const reconstructJob = defineJob({
  name: 'backtest.reconstruct',
  payload: z.object({ orgId: z.string().min(1) }),
  maxAttempts: 3,
  key: (p) => `backtest.reconstruct:${p.orgId}`,
  queue: (p) => `backtest:${p.orgId}`,
});

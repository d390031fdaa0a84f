import { z } from 'zod';
import { defineJob, type ScheduleDefinition } from '../jobs/jobs.registry.js';

export const RESCORE_REASONS = ['sync', 'webhook', 'config', 'daily', 'manual', 'usage'] as const;
export type RescoreReason = (typeof RESCORE_REASONS)[number];

/**
 * Re-scores an organization. `changedOnly` limits it to customers whose billing data changed (after a sync).
 * One pending job per organization and kind: a burst of requests collapses into one run.
 */
export const rescoreJob = defineJob({
  name: 'scoring.rescore',
  payload: z.object({ orgId: z.string().min(1), reason: z.enum(RESCORE_REASONS), changedOnly: z.boolean().default(false) }),
  maxAttempts: 5,
  key: (p) => `scoring.rescore:${p.orgId}:${p.changedOnly ? 'changed' : 'all'}`,
  queue: (p) => `scoring:${p.orgId}`,
});

/** Time-based factors decay (days since the last payment grow): every organization is re-scored daily. */
export const dailyRescoreJob = defineJob({
  name: 'scoring.daily',
  payload: z.object({}),
  maxAttempts: 3,
  key: () => 'scoring.daily',
});

export const scoringSchedules: ScheduleDefinition[] = [{ job: dailyRescoreJob, pattern: '15 3 * * *', payload: {} }];

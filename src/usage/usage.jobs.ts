import { z } from 'zod';
import { defineJob, type ScheduleDefinition } from '../jobs/jobs.registry.js';

/**
 * Rolls stored usage events up into the daily aggregates (and tickets), then re-scores the customers whose
 * rollups changed. One waiting job at a time: a burst of batches collapses into one run, which drains every
 * pending event; a batch stored while it runs queues the next one.
 */
export const rollupJob = defineJob({
  name: 'usage.rollup',
  payload: z.object({}),
  maxAttempts: 10,
  key: () => 'usage.rollup',
  queue: () => 'usage.rollup',
});

/** Raw events older than each organization's retention period are deleted; the rollups stay. */
export const retentionJob = defineJob({
  name: 'usage.retention',
  payload: z.object({}),
  maxAttempts: 3,
  key: () => 'usage.retention',
});

export const usageSchedules: ScheduleDefinition[] = [{ job: retentionJob, pattern: '40 2 * * *', payload: {} }];

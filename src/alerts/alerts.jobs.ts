import { z } from 'zod';
import { defineJob, type ScheduleDefinition } from '../jobs/jobs.registry.js';

/** Evaluates new events of the organizations' logs against their rules; one waiting at a time. */
export const evaluateAlertsJob = defineJob({
  name: 'alerts.evaluate',
  payload: z.object({}),
  maxAttempts: 10,
  key: () => 'alerts.evaluate',
  queue: () => 'alerts.evaluate',
});

/** Sends one delivery (Slack or outgoing webhook); retried with exponential back-off. */
export const deliverAlertJob = defineJob({
  name: 'alerts.deliver',
  payload: z.object({ deliveryId: z.uuid() }),
  maxAttempts: 6,
  key: (p) => `alerts.deliver:${p.deliveryId}`,
});

/** The weekly digest of at-risk customers, for members who opted in. */
export const weeklyDigestJob = defineJob({
  name: 'alerts.weekly-digest',
  payload: z.object({}),
  maxAttempts: 3,
  key: () => 'alerts.weekly-digest',
});

/** Trials ending soon become `trial.ending` events (see `alerts.trials.ts`), then are evaluated. */
export const trialWatchJob = defineJob({
  name: 'alerts.trial-watch',
  payload: z.object({}),
  maxAttempts: 3,
  key: () => 'alerts.trial-watch',
});

export const alertSchedules: ScheduleDefinition[] = [
  { job: weeklyDigestJob, pattern: '0 8 * * 1', payload: {} },
  { job: trialWatchJob, pattern: '7 * * * *', payload: {} },
];

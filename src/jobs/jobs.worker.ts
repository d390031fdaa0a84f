import { Logger as WorkerLogger, parseCronItems, run, runMigrations, type Runner, type TaskList } from 'graphile-worker';
import type pg from 'pg';
import type { z } from 'zod';
import type { AppLogger } from '../core/logger.js';
import type { JobDefinition, ScheduleDefinition } from './jobs.registry.js';

export interface JobMeta {
  attempt: number;
  maxAttempts: number;
  jobId: string;
  /** Aborts a few seconds into a graceful shutdown: long jobs stop at a safe point and continue later. */
  signal: AbortSignal;
}

export type JobHandler<S extends z.ZodType> = (payload: z.infer<S>, meta: JobMeta) => Promise<void>;

export interface RegisteredJob<S extends z.ZodType = z.ZodType> {
  definition: JobDefinition<S>;
  handler: JobHandler<S>;
}

export function handle<S extends z.ZodType>(definition: JobDefinition<S>, handler: JobHandler<S>): RegisteredJob<S> {
  return { definition, handler };
}

export interface JobEvents {
  onJobFinished?: (name: string, outcome: 'success' | 'failure', seconds: number) => void;
}

function toWorkerLogger(logger: AppLogger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fields = { scope: { label: scope.label, taskIdentifier: scope.taskIdentifier, jobId: scope.jobId }, ...meta };
    if (level === 'error') logger.error(fields, message);
    else if (level === 'warning') logger.warn(fields, message);
    else logger.debug(fields, message);
  });
}

export async function installQueueSchema(pool: pg.Pool, logger: AppLogger): Promise<void> {
  await runMigrations({ pgPool: pool, logger: toWorkerLogger(logger) });
}

function buildTaskList(jobs: RegisteredJob[], logger: AppLogger, events: JobEvents): TaskList {
  const tasks: TaskList = {};
  for (const { definition, handler } of jobs) {
    tasks[definition.name] = async (raw, helpers) => {
      const started = performance.now();
      const parsed = definition.payload.safeParse(raw);
      if (!parsed.success) {
        // A malformed payload will never succeed: record it and drop the job instead of retrying.
        logger.error({ job: definition.name, jobId: helpers.job.id, issues: parsed.error.issues }, 'job payload rejected');
        events.onJobFinished?.(definition.name, 'failure', 0);
        return;
      }
      try {
        await handler(parsed.data, {
          attempt: helpers.job.attempts,
          maxAttempts: helpers.job.max_attempts,
          jobId: helpers.job.id,
          signal: helpers.abortSignal,
        });
        events.onJobFinished?.(definition.name, 'success', (performance.now() - started) / 1000);
      } catch (err) {
        events.onJobFinished?.(definition.name, 'failure', (performance.now() - started) / 1000);
        throw err;
      }
    };
  }
  return tasks;
}

export interface WorkerOptions {
  pool: pg.Pool;
  jobs: RegisteredJob[];
  schedules: ScheduleDefinition[];
  logger: AppLogger;
  concurrency?: number;
  events?: JobEvents;
}

/** Runs the worker and the scheduler. Jobs are picked up through LISTEN/NOTIFY as soon as they are added. */
export async function startWorker(options: WorkerOptions): Promise<Runner> {
  const { pool, jobs, schedules, logger } = options;
  const names = new Set(jobs.map((j) => j.definition.name));
  for (const s of schedules) {
    if (!names.has(s.job.name)) throw new Error(`Schedule refers to job "${s.job.name}" which has no handler`);
  }
  return run({
    pgPool: pool,
    concurrency: options.concurrency ?? 4,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: toWorkerLogger(logger),
    taskList: buildTaskList(jobs, logger, options.events ?? {}),
    parsedCronItems: parseCronItems(
      schedules.map((s) => ({
        task: s.job.name,
        match: s.pattern,
        identifier: `${s.job.name}:${s.pattern}`,
        payload: s.payload as Record<string, unknown>,
        options: { backfillPeriod: 0, maxAttempts: s.job.maxAttempts, jobKey: `${s.job.name}:cron`, queueName: undefined },
      })),
    ),
  });
}

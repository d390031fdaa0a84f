import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { z } from 'zod';

/**
 * One definition per job: its name, payload schema, retry policy and deduplication key.
 * Handlers are attached separately (see jobs.worker.ts) so that definitions can be imported
 * by producers without pulling in the code and dependencies that run them.
 */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  /** Total attempts including the first; failures back off exponentially between attempts. */
  maxAttempts: number;
  /** Deterministic key: a second enqueue with the same key replaces the pending job instead of adding one. */
  key?: (payload: z.infer<S>) => string;
  /** Jobs sharing a queue name run one at a time, in order. */
  queue?: (payload: z.infer<S>) => string;
}

export function defineJob<S extends z.ZodType>(definition: JobDefinition<S>): JobDefinition<S> {
  return definition;
}

export interface EnqueueOptions {
  runAt?: Date;
  priority?: number;
}

/**
 * Adds a job through SQL so it can join the caller's transaction: the job exists if and only if
 * the data it refers to was committed.
 */
export async function enqueue<S extends z.ZodType>(
  db: Kysely<any>,
  job: JobDefinition<S>,
  payload: z.input<S>,
  options: EnqueueOptions = {},
): Promise<void> {
  await sql`select ${addJobCall(job, payload, options)}`.execute(db);
}

/**
 * The `graphile_worker.add_job(…)` call for a job, to embed in a larger statement (e.g. "insert … returning,
 * then add the job only if a row was inserted"), so that one round trip does both atomically.
 */
export function addJobCall<S extends z.ZodType>(
  job: JobDefinition<S>,
  payload: z.input<S>,
  options: EnqueueOptions = {},
): RawBuilder<unknown> {
  const parsed = job.payload.parse(payload) as z.infer<S>;
  return sql`graphile_worker.add_job(
    identifier => ${job.name}::text,
    payload => ${JSON.stringify(parsed)}::json,
    queue_name => ${job.queue?.(parsed) ?? null}::text,
    run_at => ${options.runAt?.toISOString() ?? null}::timestamptz,
    max_attempts => ${job.maxAttempts}::int,
    job_key => ${job.key?.(parsed) ?? null}::text,
    priority => ${options.priority ?? 0}::int
  )`;
}

/** A recurring job: the scheduler enqueues `job` with `payload` on the cron `pattern` (UTC). */
export interface ScheduleDefinition<S extends z.ZodType = z.ZodType> {
  job: JobDefinition<S>;
  pattern: string;
  payload: z.input<S>;
}

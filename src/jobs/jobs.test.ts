import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../core/logger.js';
import { connectDatabase, type DatabaseHandle } from '../db/database.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { waitFor } from '../../test/helpers/app.js';
import { defineJob, enqueue } from './jobs.registry.js';
import { handle, startWorker } from './jobs.worker.js';

const echoJob = defineJob({
  name: 'test.echo',
  payload: z.object({ id: z.string(), n: z.number().int() }),
  maxAttempts: 3,
  key: (p) => `echo:${p.id}`,
});

let database: TestDatabase;
let handle_: DatabaseHandle;
const logger = createLogger('silent');

beforeAll(async () => {
  database = await createTestDatabase();
  handle_ = connectDatabase(database.url);
});
afterAll(async () => {
  await handle_?.close();
  await database?.drop();
});

describe('job queue', () => {
  it('rejects an invalid payload at enqueue time', async () => {
    await expect(enqueue(handle_.db, echoJob, { id: 'x', n: 1.5 })).rejects.toThrow();
  });

  it('deduplicates pending jobs by key and runs the latest payload once', async () => {
    await enqueue(handle_.db, echoJob, { id: 'dup', n: 1 });
    await enqueue(handle_.db, echoJob, { id: 'dup', n: 2 });
    const seen: number[] = [];
    const runner = await startWorker({
      pool: handle_.pool,
      logger,
      schedules: [],
      jobs: [handle(echoJob, async (p) => void seen.push(p.n))],
    });
    try {
      await waitFor(async () => seen.length > 0);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([2]);
    } finally {
      await runner.stop();
    }
  });

  it('keeps jobs enqueued while no worker runs and runs them when one starts (restart safety)', async () => {
    for (let i = 0; i < 5; i++) await enqueue(handle_.db, echoJob, { id: `later-${i}`, n: i });
    const seen = new Set<number>();
    const runner = await startWorker({
      pool: handle_.pool,
      logger,
      schedules: [],
      jobs: [handle(echoJob, async (p) => void seen.add(p.n))],
    });
    try {
      await waitFor(async () => seen.size === 5);
    } finally {
      await runner.stop();
    }
  });

  it('wakes the worker through LISTEN/NOTIFY: a new job starts within milliseconds, not a poll interval', async () => {
    let startedAt = 0;
    const runner = await startWorker({
      pool: handle_.pool,
      logger,
      schedules: [],
      jobs: [handle(echoJob, async () => void (startedAt = performance.now()))],
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const before = performance.now();
      await enqueue(handle_.db, echoJob, { id: 'fast', n: 0 });
      await waitFor(async () => startedAt > 0, 5000, 2);
      // The poll interval is 2 s; anything well under it proves the notification path.
      expect(startedAt - before).toBeLessThan(1000);
    } finally {
      await runner.stop();
    }
  });

  it('retries a failing job and records the attempts', async () => {
    let calls = 0;
    const runner = await startWorker({
      pool: handle_.pool,
      logger,
      schedules: [],
      jobs: [
        handle(echoJob, async () => {
          calls++;
          if (calls === 1) throw new Error('transient');
        }),
      ],
    });
    try {
      await enqueue(handle_.db, echoJob, { id: 'flaky', n: 0 });
      await waitFor(async () => calls >= 2, 15_000);
    } finally {
      await runner.stop();
    }
  });

  it('lets stop() finish a running job before resolving (graceful shutdown)', async () => {
    let finished = false;
    let started = false;
    const runner = await startWorker({
      pool: handle_.pool,
      logger,
      schedules: [],
      jobs: [
        handle(echoJob, async () => {
          started = true;
          await new Promise((r) => setTimeout(r, 500));
          finished = true;
        }),
      ],
    });
    await enqueue(handle_.db, echoJob, { id: 'slow', n: 0 });
    await waitFor(async () => started);
    await runner.stop();
    expect(finished).toBe(true);
  });

  it('refuses a schedule for a job without a handler', async () => {
    await expect(
      startWorker({
        pool: handle_.pool,
        logger,
        jobs: [],
        schedules: [{ job: echoJob, pattern: '* * * * *', payload: { id: 'c', n: 1 } }],
      }),
    ).rejects.toThrow(/no handler/);
  });
});

import { defineConfig } from 'vitest/config';
import { TRANSIENT_DB } from './src/app/process-guards.js';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'emulator/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Fails a file whose PulseScore code made a request the Stripe emulator refused under Stripe's rules.
    setupFiles: ['test/setup-audit.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each file gets its own database, so files can run side by side.
    fileParallelism: true,
    maxWorkers: 2,
    // graphile-worker reports a job's completion without awaiting it; a test that takes the database away at
    // that moment sees the rejection. The server logs and survives exactly these (src/app/process-guards.ts);
    // anything else still fails the run.
    onUnhandledError: (error) => !(TRANSIENT_DB.test(error.message ?? '') && /graphile-worker/.test(error.stack ?? '')),
  },
});

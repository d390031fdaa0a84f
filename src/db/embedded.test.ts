import { describe, expect, it } from 'vitest';
import { loadEmbeddedPostgres } from './embedded.js';

describe('embedded PostgreSQL', () => {
  it('leaves the process’s exit and signal handling alone (its exit hook once turned failed test runs into exit code 0)', async () => {
    const events = ['SIGTERM', 'SIGINT', 'SIGHUP', 'beforeExit', 'exit', 'message'] as const;
    const before = events.map((e) => process.listenerCount(e));
    await loadEmbeddedPostgres();
    expect(events.map((e) => process.listenerCount(e))).toEqual(before);
  });
});

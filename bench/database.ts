import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createLogger } from '../src/core/logger.js';
import { migrate } from '../src/app/runtime.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from '../src/db/embedded.js';

export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, migrated database on DATABASE_URL's server, or on an embedded PostgreSQL when it is unset. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const logger = createLogger('warn');
  let embedded: EmbeddedDatabase | null = null;
  const serverUrl = process.env.DATABASE_URL ?? (embedded = await startEmbeddedPostgres(path.resolve('.pulsescore-bench'), logger)).url;
  const name = `ps_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = withDatabase(serverUrl, name);
  await migrate(url, logger);
  return {
    url,
    async close() {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      await embedded?.stop();
    },
  };
}

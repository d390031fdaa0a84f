import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../src/core/logger.js';
import { migrate } from '../src/app/runtime.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server URL with rights to create databases. */
    adminDatabaseUrl: string;
    /** A migrated database that each test file copies. */
    templateDatabase: string;
    /** What this run's test databases are named with, so that runs side by side never drop each other's. */
    testDatabasePrefix: string;
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Tests use the PostgreSQL in DATABASE_URL when set, otherwise the embedded one (the zero-configuration default).
 * A template database is migrated once; each test file gets its own copy.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger('warn');
  const embedded = process.env.DATABASE_URL ? null : await startEmbeddedPostgres(path.resolve('.pulsescore-test'), logger);
  const adminUrl = process.env.DATABASE_URL ?? embedded!.url;
  const template = `ps_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${template}`);
  await admin.query(`create database ${template}`);
  await migrate(withDatabase(adminUrl, template), logger);
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', template);
  const prefix = `ps_test_${process.pid}_`;
  project.provide('testDatabasePrefix', prefix);

  return async () => {
    // This run's databases, and those of runs whose process is gone (killed before cleaning up); never those of a
    // run still going on beside this one.
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like 'ps_test_%' or datname like 'ps_template_%'`,
    );
    const ownerAlive = (name: string) => {
      const pid = Number(/^ps_(?:test|template)_(\d+)(?:_|$)/.exec(name)?.[1]);
      if (!pid || pid === process.pid) return false;
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (const { datname } of rows)
      if (datname.startsWith(prefix) || datname === template || !ownerAlive(datname))
        await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
    await embedded?.stop();
  };
}

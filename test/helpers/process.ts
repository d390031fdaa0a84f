import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { waitFor } from './app.js';

export interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const running: Proc[] = [];

/**
 * Runs PulseScore as a real process: from its sources (through tsx), or `compiled` from dist/server exactly as
 * `npm start` runs it (the caller builds it first, see buildServer).
 */
export function start(env: Record<string, string>, args: string[] = [], options: { compiled?: boolean } = {}): Proc {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DATABASE_URL')));
  const entry = options.compiled ? ['--enable-source-maps', 'dist/server/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...entry, ...args], {
    env: { ...base, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const proc = { child, output: () => out, exited };
  running.push(proc);
  return proc;
}

/** Compiles the server into dist/server, as `npm start` does before it starts. */
export function buildServer(): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-server.ts'], { stdio: 'inherit' });
}

export async function healthy(port: number, timeoutMs: number) {
  return waitFor(
    async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return res.ok;
      } catch {
        return false;
      }
    },
    timeoutMs,
    200,
  );
}

export async function stop(proc: Proc): Promise<number | null> {
  proc.child.kill('SIGTERM');
  const code = await proc.exited;
  if (code !== 0) console.error(proc.output());
  return code;
}

/** Kills whatever a test file started and left running. */
export async function killAll(): Promise<void> {
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
}

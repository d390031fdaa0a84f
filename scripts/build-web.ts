// Builds the web app into dist/web when it is missing or older than its sources, so that `npm start` on a
// fresh clone serves the app with no separate step. `--force` always builds (that is `npm run build`).
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist/web/index.html');
const sources = [path.join(root, 'web'), path.join(root, 'src')];

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

const force = process.argv.includes('--force');
const stale = !existsSync(out) || Math.max(...sources.map(newest)) > statSync(out).mtimeMs;
if (force || stale) {
  let build: typeof import('vite').build;
  try {
    ({ build } = await import('vite'));
  } catch {
    if (existsSync(out)) process.exit(0);
    console.error('The web app is not built and Vite is not installed: run `npm install` then `npm run build`.');
    process.exit(1);
  }
  // Built beside dist/web and swapped in whole: a server starting meanwhile (tests run side by side) reads either
  // the old app or the new one, never a directory being emptied and refilled.
  const target = path.dirname(out);
  const fresh = `${target}.building-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  await build({ configFile: path.join(root, 'web/vite.config.ts'), logLevel: force ? 'info' : 'warn', build: { outDir: fresh } });
  if (existsSync(target)) renameSync(target, old);
  renameSync(fresh, target);
  rmSync(old, { recursive: true, force: true });
}

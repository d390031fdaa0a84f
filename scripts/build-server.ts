// Compiles the server (src/), the Stripe emulator it runs in demo mode (emulator/) and the benchmarks (bench/)
// from TypeScript to JavaScript in dist/server, file by file (no bundle: the same modules, the same paths under
// dist/server). `npm start` and `npm run bench` run that output with plain Node.js: a process that transpiles its
// own sources at start-up (tsx) holds ~60 MB more and pays for it in CPU. Tests run the sources directly.
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist/server');

function sources(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sources(rel));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) files.push(rel);
  }
  return files;
}

const started = performance.now();
await rm(out, { recursive: true, force: true });
const entryPoints = ['src', 'emulator', 'bench'].flatMap(sources);
await build({
  absWorkingDir: root,
  entryPoints,
  outdir: out,
  outbase: '.',
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Stack traces name the TypeScript file and line (node --enable-source-maps).
  sourcemap: 'linked',
  logLevel: 'warning',
});
if (process.argv.includes('--verbose')) {
  process.stdout.write(`compiled ${entryPoints.length} files into dist/server in ${Math.round(performance.now() - started)} ms\n`);
}

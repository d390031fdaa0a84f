import path from 'node:path';
import { projectRoot } from '../src/core/paths.js';

/**
 * The arguments that run one of the project's modules (its source path, e.g. `bench/loadgen.ts`) in a Node.js
 * process of its own: its compiled copy in dist/server when this process runs compiled (`npm run bench`), the
 * source through tsx otherwise.
 */
export function nodeArgs(module: string): string[] {
  if (!import.meta.filename.endsWith('.js')) return ['--import', 'tsx', module];
  return ['--enable-source-maps', path.join(projectRoot(), 'dist/server', module.replace(/\.ts$/, '.js'))];
}

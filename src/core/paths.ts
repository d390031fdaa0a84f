import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The project's root: the nearest folder above this module holding package.json. The same whether the server
 * runs from its sources (src/core) or from their compiled copy (dist/server/src/core).
 */
export function projectRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

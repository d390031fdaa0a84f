import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export interface Asset {
  body: Buffer;
  br: Buffer | null;
  gzip: Buffer | null;
  type: string;
  etag: string;
  /** Vite puts a content hash in every file name under assets/: those never change. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full, base) : [path.relative(base, full)];
  });
}

/**
 * The built web app, read once at start-up and compressed once (brotli and gzip), keyed by URL path.
 * Null when it has not been built.
 */
export function loadAssets(dir: string): Map<string, Asset> | null {
  // A build swaps the whole directory in at once (scripts/build-web.ts); a file listed just before the swap is gone
  // after it, and reading the directory again gives the new app whole.
  for (let attempt = 1; ; attempt++) {
    try {
      return readAssets(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw err;
    }
  }
}

function readAssets(dir: string): Map<string, Asset> | null {
  if (!existsSync(path.join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  for (const file of walk(dir)) {
    const ext = path.extname(file);
    const body = readFileSync(path.join(dir, file));
    const compress = COMPRESSIBLE.has(ext) && body.length > 512;
    assets.set(`/${file.split(path.sep).join('/')}`, {
      body,
      br: compress ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) : null,
      gzip: compress ? gzipSync(body, { level: 9 }) : null,
      type: TYPES[ext] ?? 'application/octet-stream',
      etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`,
      immutable: file.startsWith(`assets${path.sep}`),
    });
  }
  return assets;
}

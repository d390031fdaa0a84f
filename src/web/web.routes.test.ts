import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../core/http.js';
import { loadAssets } from './web.assets.js';
import { registerWebRoutes } from './web.routes.js';

let app: App;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'web-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(
    path.join(dir, 'index.html'),
    '<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script></body></html>',
  );
  await writeFile(path.join(dir, 'assets/index-abc123.js'), `console.log(${JSON.stringify('x'.repeat(5000))});`);
  app = Fastify() as unknown as App;
  app.get('/api/v1/real', async () => ({ ok: true }));
  registerWebRoutes(app, loadAssets(dir), (_req, reply) => reply.status(404).send({ error: { code: 'not_found', message: 'No route.' } }));
  await app.ready();
});
afterAll(() => app.close());

describe('serving the web app', () => {
  it('caches hashed assets for a year, compressed as the browser accepts', async () => {
    const br = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.rawPayload.length).toBeLessThan(1000);
    const gzip = await app.inject({ url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    const plain = await app.inject({ url: '/assets/index-abc123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('console.log');
    const again = await app.inject({ url: '/assets/index-abc123.js', headers: { 'if-none-match': String(plain.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('answers every app route with index.html, never cached, so client routes survive a reload', async () => {
    for (const url of ['/', '/customers?risk=red', '/customers/123', '/settings/integrations?integration=stripe&status=connected']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="root">');
    }
  });

  it('keeps JSON 404s for the API, unknown assets and other methods', async () => {
    expect((await app.inject({ url: '/api/v1/nope' })).json().error.code).toBe('not_found');
    expect((await app.inject({ url: '/api/v1/real' })).json()).toEqual({ ok: true });
    expect((await app.inject({ url: '/assets/missing-123.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/customers' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/healthz/x' })).statusCode).toBe(404);
  });

  it('explains how to build the app when it is not built', async () => {
    const bare = Fastify() as unknown as App;
    registerWebRoutes(bare, null, (_req, reply) => reply.status(404).send({}));
    const res = await bare.inject({ url: '/dashboard' });
    expect(res.body).toContain('npm run build');
    await bare.close();
  });
});

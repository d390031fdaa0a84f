import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../core/http.js';
import type { Asset } from './web.assets.js';

/** Paths the server answers itself; everything else a browser asks for is the single-page app. */
const SERVER_PATHS = /^\/(api|healthz|readyz|metrics)(\/|$)/;

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply.header('content-type', asset.type).header('etag', asset.etag).header('vary', 'accept-encoding');
  reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  const accepts = String(request.headers['accept-encoding'] ?? '');
  if (asset.br && /\bbr\b/.test(accepts)) return reply.header('content-encoding', 'br').send(asset.br);
  if (asset.gzip && /\bgzip\b/.test(accepts)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PulseScore</title></head>
<body><main><h1>PulseScore</h1><p>The web app has not been built. Run <code>npm run build</code> (or start with <code>npm start</code>, which builds it).</p>
<p>The API is available under <a href="/api/docs">/api/docs</a>.</p></main></body></html>`;

/**
 * Serves the built web app: hashed assets cached for a year, everything else falling back to index.html
 * (never cached) so that client-side routes survive a reload. Unknown API paths keep their JSON 404.
 */
export function registerWebRoutes(
  app: App,
  assets: Map<string, Asset> | null,
  notFoundJson: (request: FastifyRequest, reply: FastifyReply) => unknown,
) {
  app.setNotFoundHandler((request, reply) => {
    const pathname = request.url.split('?')[0]!;
    if ((request.method !== 'GET' && request.method !== 'HEAD') || SERVER_PATHS.test(pathname)) return notFoundJson(request, reply);
    const asset = assets?.get(pathname);
    if (asset) return send(request, reply, asset);
    if (pathname.startsWith('/assets/')) return notFoundJson(request, reply);
    const index = assets?.get('/index.html');
    if (!index) return reply.status(200).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_BUILT);
    return send(request, reply, index);
  });
}

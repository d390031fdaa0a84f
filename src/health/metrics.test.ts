import { describe, expect, it } from 'vitest';
import { type TestApp, useTestApp } from '../../test/helpers/app.js';
import { isLoopback } from './health.routes.js';

const TOKEN = 'metrics-token-0123456789abcdef';
let t: TestApp;
useTestApp(
  (app) => {
    t = app;
  },
  { roles: ['api'], env: { METRICS_TOKEN: TOKEN } },
);

const metrics = (remoteAddress: string, authorization?: string) =>
  t.app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers: authorization ? { authorization } : {} });

describe('GET /metrics with METRICS_TOKEN set', () => {
  it('answers whoever presents the token, from anywhere', async () => {
    for (const [remoteAddress, authorization] of [
      ['10.1.2.3', `Bearer ${TOKEN}`],
      ['127.0.0.1', `bearer ${TOKEN}`],
    ] as const) {
      const res = await metrics(remoteAddress, authorization);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('pulsescore_');
    }
  });

  it('answers 401 without it, with another one, or in another scheme — loopback included', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN]) {
      for (const remoteAddress of ['127.0.0.1', '10.1.2.3']) {
        const res = await metrics(remoteAddress, authorization);
        expect(res.statusCode, `${remoteAddress} ${authorization}`).toBe(401);
        expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('METRICS_TOKEN') } });
        expect(res.headers['cache-control']).toBe('no-store');
      }
    }
  });

  it('is documented with its own bearer scheme', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/docs/openapi.json' })).json();
    expect(doc.paths['/metrics'].get.security).toEqual([{ metricsToken: [] }]);
    expect(Object.keys(doc.paths['/metrics'].get.responses)).toEqual(['200', '401', '403']);
    expect(doc.components.securitySchemes.metricsToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('isLoopback', () => {
  it('knows 127.0.0.0/8 and ::1, also IPv4-mapped, and nothing else', () => {
    for (const ip of ['127.0.0.1', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopback(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '0.0.0.0', '128.0.0.1', '::', '::2', '::ffff:10.0.0.1', 'fe80::1', 'localhost', '', '127.0.0.1.evil']) {
      expect(isLoopback(ip), ip).toBe(false);
    }
  });
});

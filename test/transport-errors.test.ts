import net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createClientErrorHandler } from '../src/app/client-errors.js';
import { createLogger } from '../src/core/logger.js';
import { type TestApp, useTestApp } from './helpers/app.js';

let t: TestApp;
useTestApp(
  (app) => {
    t = app;
  },
  { listen: true, roles: ['api'] },
);

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Writes bytes to the server over a plain socket and reads what it answers until it closes the connection. */
function raw(request: string, options: { halfClose?: boolean } = {}): Promise<RawAnswer> {
  const { port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('connect', () => {
      socket.write(request);
      if (options.halfClose) socket.end();
    });
    socket.on('data', (d) => received.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      if (!statusLine) return reject(new Error('the server closed the connection without an answer'));
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      let body: unknown = null;
      try {
        body = JSON.parse(text.slice(split + 4));
      } catch {
        body = text.slice(split + 4);
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

function expectAppError(answer: RawAnswer, status: number, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.body).toEqual({ error: { code, message: expect.any(String) } });
  // The headers every answer carries, even those written before a request exists.
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  expect(answer.headers['permissions-policy']).toContain('camera=()');
}

const post = (headers: string, body: string) =>
  `POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${headers}\r\n\r\n${body}`;

describe('requests refused before they reach a route', () => {
  it('answers headers over the limit with 431', async () => {
    const answer = await raw(`GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectAppError(answer, 431, 'headers_too_large');
    expect(answer.headers.connection).toBe('close');
  });

  it('answers a request line over the limit with 414', async () => {
    expectAppError(
      await raw(`GET /api/v1/customers?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
      414,
      'uri_too_long',
    );
  });

  it('answers a path segment over the router’s limit with 414, and a malformed one with 400', async () => {
    const long = await raw(`GET /api/v1/customers/${'a'.repeat(2000)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    expectAppError(long, 414, 'uri_too_long');
    expect(long.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expectAppError(
      await raw('GET /api/v1/customers/%E0%A4%A HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
      400,
      'invalid_url',
    );
  });

  it('answers a Content-Length that is not a number, doubled, or beside Transfer-Encoding with 400', async () => {
    expectAppError(await raw(post('Content-Length: abc', '{}')), 400, 'invalid_content_length');
    expectAppError(await raw(post('Content-Length: 2\r\nContent-Length: 3', '{}')), 400, 'invalid_content_length');
    expectAppError(await raw(post('Content-Length: 2\r\nTransfer-Encoding: chunked', '{}')), 400, 'invalid_content_length');
  });

  it('answers a body shorter or longer than its Content-Length with 400', async () => {
    // The connection ends before the announced length.
    expectAppError(await raw(post('Content-Length: 500', '{"email":"a@example.com"}'), { halfClose: true }), 400, 'invalid_content_length');
    // The rest of a longer body is read as a next request, which is not HTTP.
    expectAppError(await raw(post('Content-Length: 5', '{"email":"a@example.com","password":"x"}')), 400, 'bad_request');
  });

  it('answers bytes that are not HTTP with 400', async () => {
    expectAppError(await raw('HELLO\r\n\r\n'), 400, 'bad_request');
  });
});

describe('the client error handler', () => {
  const handler = createClientErrorHandler(createLogger('silent'), { 'x-content-type-options': 'nosniff' });
  const socket = (inFlight?: { headersSent: boolean }) => {
    const s = Object.assign(new PassThrough(), { _httpMessage: inFlight });
    s.on('error', () => undefined);
    let written = '';
    s.on('data', (d: Buffer) => (written += d.toString()));
    return { s: s as unknown as net.Socket, written: () => written };
  };

  it('answers a request that took too long with 408', async () => {
    const { s, written } = socket();
    handler(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT', bytesParsed: 0 }), s);
    await new Promise((r) => setImmediate(r));
    expect(written()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(written()).toContain('{"error":{"code":"request_timeout"');
    expect(s.destroyed).toBe(true);
  });

  it('writes nothing over an answer already under way on the connection', async () => {
    const { s, written } = socket({ headersSent: true });
    handler(Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD', bytesParsed: 0 }), s);
    await new Promise((r) => setImmediate(r));
    expect(written()).toBe('');
    expect(s.destroyed).toBe(true);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryError, postJson, type Resolver } from './alerts.http.js';

interface Hit {
  host: string | undefined;
  path: string | undefined;
  local: string | undefined;
  servername?: string | false | null;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

function track<S extends net.Server>(server: S): S {
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        (server as unknown as http.Server).closeAllConnections?.();
        server.close(() => resolve());
      }),
  );
  return server;
}

async function listen(server: net.Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return (server.address() as AddressInfo).port;
}

/** An HTTP server answering `status` (and `headers`) to every request, recording where it arrived. */
async function receiver(host = '127.0.0.1', port = 0, status = 200, headers: Record<string, string> = {}) {
  const hits: Hit[] = [];
  const server = track(
    http.createServer((req, res) => {
      hits.push({ host: req.headers.host, path: req.url, local: req.socket.localAddress });
      req.resume();
      req.on('end', () => res.writeHead(status, headers).end());
    }),
  );
  return { hits, port: await listen(server, host, port) };
}

/** Answers differently on each call: the rebinding attacker's DNS server. */
function changingResolver(...answers: string[][]) {
  const calls: string[] = [];
  const resolve: Resolver = async (hostname) => {
    calls.push(hostname);
    return answers[Math.min(calls.length - 1, answers.length - 1)]!;
  };
  return { calls, resolve };
}

const fails = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
};

describe('DNS rebinding', () => {
  it('resolves once and connects to the address that answer gave, keeping the Host header', async () => {
    const first = await receiver('127.0.0.1');
    const second = await receiver('127.0.0.2', first.port);
    const dns = changingResolver(['127.0.0.1'], ['127.0.0.2']);
    await postJson(`http://rebind.test:${first.port}/hook?x=1`, '{}', { allowPrivate: true, resolve: dns.resolve });
    expect(dns.calls).toEqual(['rebind.test']);
    expect(first.hits).toEqual([{ host: `rebind.test:${first.port}`, path: '/hook?x=1', local: '127.0.0.1' }]);
    expect(second.hits).toHaveLength(0);
  });

  it('never reaches a private address a second answer would give, after a public first answer', async () => {
    const local = await receiver('127.0.0.1');
    const dns = changingResolver(['8.8.8.8'], ['127.0.0.1']);
    // 8.8.8.8 does not serve HTTP on this port (or there is no network): the attempt fails, retryably.
    const err = await fails(
      postJson(`http://rebind.test:${local.port}/`, '{}', { allowPrivate: false, resolve: dns.resolve, timeoutMs: 500 }),
    );
    expect(err.retryable).toBe(true);
    expect(dns.calls).toHaveLength(1);
    expect(local.hits).toHaveLength(0);
  });

  it('refuses a host whose only answers are special, and uses only the public ones of a mixed answer', async () => {
    const local = await receiver('127.0.0.1');
    const only = changingResolver(['10.0.0.1', '::ffff:169.254.169.254']);
    const err = await fails(postJson(`http://internal.test:${local.port}/`, '{}', { allowPrivate: false, resolve: only.resolve }));
    expect(err).toMatchObject({ retryable: false, message: expect.stringContaining('resolves only to special addresses') });
    const mixed = changingResolver(['127.0.0.1', '8.8.8.8']);
    await fails(postJson(`http://mixed.test:${local.port}/`, '{}', { allowPrivate: false, resolve: mixed.resolve, timeoutMs: 500 }));
    expect(local.hits).toHaveLength(0);
  });

  it.each([
    'http://127.0.0.1/',
    'http://0x7f.1/',
    'http://2130706433/',
    'http://[::1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[::127.0.0.1]/',
    'http://[fe80::1]/',
    'http://198.18.0.1/',
    'http://100.64.0.1/',
  ])('refuses the address literal %s without resolving anything', async (url) => {
    const dns = changingResolver(['8.8.8.8']);
    const err = await fails(postJson(url, '{}', { allowPrivate: false, resolve: dns.resolve }));
    expect(err.retryable).toBe(false);
    expect(dns.calls).toHaveLength(0);
  });
});

describe('answers, redirects and deadlines', () => {
  it('does not follow a redirect, and fails it for good', async () => {
    const target = await receiver('127.0.0.1');
    const redirecting = await receiver('127.0.0.1', 0, 307, { location: `http://127.0.0.1:${target.port}/elsewhere` });
    const err = await fails(postJson(`http://127.0.0.1:${redirecting.port}/`, '{}', { allowPrivate: true }));
    expect(err).toMatchObject({ retryable: false, message: expect.stringContaining('redirects are not followed') });
    expect(redirecting.hits).toHaveLength(1);
    expect(target.hits).toHaveLength(0);
  });

  it.each([
    [503, true],
    [429, true],
    [408, true],
    [404, false],
    [400, false],
  ])('HTTP %i is retryable: %s', async (status, retryable) => {
    const r = await receiver('127.0.0.1', 0, status);
    const err = await fails(postJson(`http://127.0.0.1:${r.port}/`, '{}', { allowPrivate: true }));
    expect(err).toMatchObject({ retryable, message: expect.stringContaining(String(status)) });
  });

  it('gives up on a server that accepts the connection and never answers, within the deadline, retryably', async () => {
    const sockets: net.Socket[] = [];
    const silent = track(net.createServer((s) => void sockets.push(s.on('error', () => undefined))));
    const port = await listen(silent, '127.0.0.1');
    closers.push(async () => sockets.forEach((s) => s.destroy()));
    const started = Date.now();
    const err = await fails(postJson(`http://127.0.0.1:${port}/`, '{}', { allowPrivate: true, timeoutMs: 300 }));
    expect(err).toMatchObject({ retryable: true, message: expect.stringContaining('did not answer within 300 ms') });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sockets).toHaveLength(1);
  });

  it('gives up on an HTTP server that reads the request and never responds', async () => {
    let seen = 0;
    const server = track(http.createServer(() => void seen++));
    const port = await listen(server, '127.0.0.1');
    const err = await fails(postJson(`http://127.0.0.1:${port}/`, '{}', { allowPrivate: true, timeoutMs: 300 }));
    expect(err.retryable).toBe(true);
    expect(seen).toBe(1);
  });

  it('counts a resolver that hangs against the same deadline', async () => {
    const err = await fails(
      postJson('http://slow-dns.test/', '{}', { allowPrivate: false, resolve: () => new Promise(() => undefined), timeoutMs: 200 }),
    );
    expect(err).toMatchObject({ retryable: true, message: expect.stringContaining('within 200 ms') });
  });
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('HTTPS to a pinned address', () => {
  it('sends SNI and Host for the URL’s name and verifies the certificate against it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ps-tls-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=hooks.slack.com',
      '-addext', 'subjectAltName=DNS:hooks.slack.com',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    const cert = readFileSync(path.join(dir, 'cert.pem'));
    const hits: Hit[] = [];
    const server = track(
      https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => {
        hits.push({
          host: req.headers.host,
          path: req.url,
          local: req.socket.localAddress,
          servername: (req.socket as TLSSocket).servername,
        });
        req.resume();
        req.on('end', () => res.writeHead(200).end('ok'));
      }),
    );
    const port = await listen(server, '127.0.0.1');
    const dns = changingResolver(['127.0.0.1'], ['127.0.0.2']);
    await postJson(`https://hooks.slack.com:${port}/services/T/B/x`, '{}', { allowPrivate: true, resolve: dns.resolve, ca: cert });
    expect(hits).toEqual([{ host: `hooks.slack.com:${port}`, path: '/services/T/B/x', local: '127.0.0.1', servername: 'hooks.slack.com' }]);
    expect(dns.calls).toEqual(['hooks.slack.com']);
    // The same certificate does not vouch for another name: verification is still on.
    const err = await fails(postJson(`https://other.example:${port}/`, '{}', { allowPrivate: true, resolve: dns.resolve, ca: cert }));
    expect(err.message).toMatch(/other\.example|altnames|certificate/i);
    expect(hits).toHaveLength(1);
  });
});

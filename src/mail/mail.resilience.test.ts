import net from 'node:net';
import type { Runner } from 'graphile-worker';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { createLogger } from '../core/logger.js';
import { connectDatabase, type DatabaseHandle } from '../db/database.js';
import { freePort } from '../db/embedded.js';
import { startWorker } from '../jobs/jobs.worker.js';
import { createMailer, mailDeliveryHandler } from './mail.service.js';
import { passwordResetMail } from './mail.templates.js';

/**
 * SMTP failures, each with the real job queue: the message stays in the outbox with the error, the job backs off
 * (graphile-worker: e^attempt seconds) and the next attempt delivers it — exactly once.
 */

const TIMEOUT_MS = 600;
let database: TestDatabase;
let handle: DatabaseHandle;
let worker: Runner | null = null;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  handle = connectDatabase(database.url, { max: 6 });
});
afterEach(async () => {
  await worker?.stop();
  worker = null;
  while (closers.length > 0) await closers.pop()!();
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

async function startMailWorker(port: number) {
  worker = await startWorker({
    pool: handle.pool,
    logger: createLogger('silent'),
    concurrency: 4,
    schedules: [],
    jobs: [
      mailDeliveryHandler({
        db: handle.db,
        logger: createLogger('silent'),
        config: { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'PulseScore <alerts@pulsescore.test>', timeoutMs: TIMEOUT_MS },
      }),
    ] as Parameters<typeof startWorker>[0]['jobs'],
  });
}

interface Received {
  to: string[];
  data: string;
}

/** An SMTP server whose first RCPT or DATA for some recipients is refused or left unanswered. */
async function startSmtp(port: number, behaviour: { rejectRcpt?: string[]; rejectData?: string[]; hangRcpt?: string[] } = {}) {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const first = (kind: string, address: string) => {
    const n = (seen.get(`${kind}:${address}`) ?? 0) + 1;
    seen.set(`${kind}:${address}`, n);
    return n === 1;
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onRcptTo(address, _session, callback) {
      if (behaviour.hangRcpt?.includes(address.address) && first('hang', address.address)) return; // never answers
      if (behaviour.rejectRcpt?.includes(address.address) && first('rcpt', address.address))
        return callback(Object.assign(new Error('No such mailbox here (yet)'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        if (to.some((a) => behaviour.rejectData?.includes(a) && first('data', a)))
          return callback(Object.assign(new Error('Message refused by policy'), { responseCode: 554 }));
        received.push({ to, data });
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { received };
}

const send = (to: string) => createMailer(handle.db).send({ to, ...passwordResetMail({ name: 'R', url: 'http://x/y' }) });
const row = (id: string) => handle.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function failedOnce(id: string) {
  return waitFor(async () => {
    const r = await row(id);
    return r.attempts >= 1 ? r : null;
  }, 10_000);
}
async function sent(id: string) {
  return waitFor(async () => {
    const r = await row(id);
    return r.status === 'sent' ? r : null;
  }, 20_000);
}

describe('mail delivery when the SMTP server misbehaves', () => {
  it('keeps the message while the server refuses connections, then delivers it once it is back', async () => {
    const port = await freePort();
    await startMailWorker(port);
    const id = await send('refused@example.com');
    const failed = await failedOnce(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, sent_at: null });
    expect(failed.last_error).toMatch(/ECONNREFUSED/);
    const smtp = await startSmtp(port);
    expect(await sent(id)).toMatchObject({ attempts: 2, last_error: null });
    expect(smtp.received.filter((m) => m.to.includes('refused@example.com'))).toHaveLength(1);
  });

  it('gives up on a server that accepts the connection and never greets, within the deadline, then retries', async () => {
    const port = await freePort();
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => void sockets.push(s.on('error', () => undefined)));
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    await startMailWorker(port);
    const started = Date.now();
    const id = await send('silent@example.com');
    const failed = await failedOnce(id);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.last_error).toMatch(/greeting|timeout|did not finish/i);
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    const smtp = await startSmtp(port);
    expect(await sent(id)).toMatchObject({ attempts: 2 });
    expect(smtp.received.filter((m) => m.to.includes('silent@example.com'))).toHaveLength(1);
  });

  it('retries a 5xx to RCPT and to DATA and a stalled RCPT, keeps delivering other mail meanwhile, and sends each once', async () => {
    const port = await freePort();
    const smtp = await startSmtp(port, {
      rejectRcpt: ['rcpt@example.com'],
      rejectData: ['data@example.com'],
      hangRcpt: ['stall@example.com'],
    });
    await startMailWorker(port);
    const ids = {
      rcpt: await send('rcpt@example.com'),
      data: await send('data@example.com'),
      stall: await send('stall@example.com'),
    };
    const failures = {
      rcpt: await failedOnce(ids.rcpt),
      data: await failedOnce(ids.data),
      stall: await failedOnce(ids.stall),
    };
    expect(failures.rcpt.last_error).toMatch(/550/);
    expect(failures.data.last_error).toMatch(/554/);
    expect(failures.stall.last_error).toMatch(/timeout|did not finish/i);
    for (const f of Object.values(failures)) expect(f).toMatchObject({ status: 'failed', attempts: 1, sent_at: null });
    // While those wait for their retry, other mail goes out at once.
    const other = await send('ok@example.com');
    expect(await waitFor(async () => ((await row(other)).status === 'sent' ? row(other) : null), 3_000)).toMatchObject({ attempts: 1 });
    for (const id of Object.values(ids)) expect(await sent(id)).toMatchObject({ attempts: 2, last_error: null });
    await new Promise((r) => setTimeout(r, 300));
    for (const to of ['rcpt@example.com', 'data@example.com', 'stall@example.com', 'ok@example.com'])
      expect(
        smtp.received.filter((m) => m.to.includes(to)),
        to,
      ).toHaveLength(1);
  });
});

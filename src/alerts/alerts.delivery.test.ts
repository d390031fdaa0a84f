import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { createLogger } from '../core/logger.js';
import { createSecretBox } from '../core/secrets.js';
import { connectDatabase, type DatabaseHandle } from '../db/database.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { handle, startWorker } from '../jobs/jobs.worker.js';
import { createMailer } from '../mail/mail.service.js';
import { deliverAlertJob } from './alerts.jobs.js';
import { createAlertsService } from './alerts.service.js';

/**
 * Slack and webhook endpoints that accept a request and never answer: with the real job queue, the attempt ends
 * at the delivery deadline, is recorded, backs off (graphile-worker: e^attempt seconds) and the retry delivers.
 */

const TIMEOUT_MS = 400;
const secrets = createSecretBox(Buffer.alloc(32, 3));
let database: TestDatabase;
let h: DatabaseHandle;
let worker: Runner;
let server: http.Server;
let url: string;
const requests: { path: string; at: number; answered: boolean }[] = [];
const hang = new Set<string>();

const service = () =>
  createAlertsService({
    db: h.db,
    logger: createLogger('silent'),
    secrets,
    mailer: createMailer(h.db),
    appUrl: 'http://localhost:3000',
    allowPrivateUrls: true,
    deliveryTimeoutMs: TIMEOUT_MS,
  });

beforeAll(async () => {
  database = await createTestDatabase();
  h = connectDatabase(database.url, { max: 6 });
  // Paths in `hang` get their first request read and never answered.
  server = http.createServer((req, res) => {
    req.resume();
    const hangs = hang.delete(req.url ?? '');
    requests.push({ path: req.url ?? '', at: Date.now(), answered: !hangs });
    if (!hangs) req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const alerts = service();
  worker = await startWorker({
    pool: h.pool,
    logger: createLogger('silent'),
    schedules: [],
    jobs: [handle(deliverAlertJob, (p, meta) => alerts.deliver(p.deliveryId, meta.attempt, meta.maxAttempts))] as Parameters<
      typeof startWorker
    >[0]['jobs'],
  });
});
afterAll(async () => {
  await worker?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await h?.close();
  await database?.drop();
});

/** An organization with a rule sending to Slack and a webhook, one fired alert, and its two deliveries. */
async function alertWithDeliveries(tag: string) {
  const orgId = `org_${tag}_${Date.now()}`;
  await h.db.insertInto('organizations').values({ id: orgId, name: tag, slug: orgId }).execute();
  const rule = await h.db
    .insertInto('alert_rules')
    .values({
      org_id: orgId,
      name: 'Hooks',
      kind: 'payment_failed',
      params: '{}',
      email_to: '[]',
      in_app: false,
      enabled: true,
      cooldown_minutes: 0,
      slack_url_enc: secrets.seal(`${url}/slack/${tag}`),
      webhook_url: `${url}/hook/${tag}`,
      webhook_secret_enc: secrets.seal('whsec_test'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const alert = await h.db
    .insertInto('alerts')
    .values({ org_id: orgId, rule_id: rule.id, situation: tag, title: 'T', body: 'B', link: 'http://localhost:3000/x' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const deliveries = await h.db
    .insertInto('alert_deliveries')
    .values([
      { org_id: orgId, alert_id: alert.id, channel: 'slack', target: 'slack' },
      { org_id: orgId, alert_id: alert.id, channel: 'webhook', target: `${url}/hook/${tag}` },
    ])
    .returning(['id', 'channel'])
    .execute();
  return deliveries;
}

const delivery = (id: string) => h.db.selectFrom('alert_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('Slack and webhook endpoints that hang', () => {
  it('time out, are recorded, and are retried with back-off until delivered', async () => {
    hang.add('/slack/hang').add('/hook/hang');
    const deliveries = await alertWithDeliveries('hang');
    const started = Date.now();
    for (const d of deliveries) await enqueue(h.db, deliverAlertJob, { deliveryId: d.id });
    for (const d of deliveries) {
      const failed = await waitFor(async () => {
        const row = await delivery(d.id);
        return row.attempts >= 1 ? row : null;
      }, 5_000);
      expect(failed, d.channel).toMatchObject({
        status: 'pending',
        attempts: 1,
        error: expect.stringContaining(`within ${TIMEOUT_MS} ms`),
      });
    }
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_500);
    // The retry is due ~2.7 s after the failure and found by the worker's poll; the wait is generous for a loaded
    // machine running every test file side by side (CI once took longer than 15 s).
    for (const d of deliveries) {
      const done = await waitFor(async () => {
        const row = await delivery(d.id);
        return row.status === 'sent' ? row : null;
      }, 45_000);
      expect(done, d.channel).toMatchObject({ attempts: 2, error: null });
    }
    for (const path of ['/slack/hang', '/hook/hang']) {
      const hits = requests.filter((r) => r.path === path);
      expect(
        hits.map((r) => r.answered),
        path,
      ).toEqual([false, true]);
      // graphile-worker waits about e^1 s before the second attempt.
      expect(hits[1]!.at - hits[0]!.at, path).toBeGreaterThan(2_000);
    }
  }, 70_000);

  it('fail for good when the last attempt times out, without throwing for another retry', async () => {
    hang.add('/hook/last');
    const [, webhook] = await alertWithDeliveries('last');
    await expect(service().deliver(webhook!.id, 6, 6)).resolves.toBeUndefined();
    expect(await delivery(webhook!.id)).toMatchObject({ status: 'failed', attempts: 6, error: expect.stringContaining('within') });
  });
});

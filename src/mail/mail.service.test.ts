import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/helpers/database.js';
import { startTestApp, type TestApp, waitFor } from '../../test/helpers/app.js';
import { startSmtp } from '../../test/helpers/smtp.js';
import { createMailer } from './mail.service.js';
import { passwordResetMail } from './mail.templates.js';

describe('mail over SMTP', () => {
  let database: TestDatabase;
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;

  beforeAll(async () => {
    smtp = await startSmtp();
    database = await createTestDatabase();
    t = await startTestApp({ databaseUrl: database.url, env: { SMTP_URL: smtp.url, MAIL_FROM: 'PulseScore <alerts@pulsescore.test>' } });
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await smtp?.close();
  });

  it('delivers a password reset email through a real SMTP conversation', async () => {
    const email = `smtp-${Date.now()}@example.com`;
    await t.client().post('/api/v1/auth/signup', { name: 'Mail', email, password: 'a long enough password' });
    await t.client().post('/api/v1/auth/password/forgot', { email });
    const message = await waitFor(async () =>
      smtp.received.find((m) => m.to.includes(email) && m.data.includes('Reset your PulseScore password')),
    );
    expect(message.from).toBe('alerts@pulsescore.test');
    expect(message.data).toContain('text/html');
    expect(message.data).toContain('text/plain');
    const row = await waitFor(async () =>
      t.runtime.database.db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('to_address', '=', email)
        .where('status', '=', 'sent')
        .where('subject', 'like', 'Reset%')
        .executeTakeFirst(),
    );
    expect(row.sent_at).toBeInstanceOf(Date);
  });

  it('retries a delivery the server refuses and records the failure', async () => {
    smtp.failNext(1);
    const id = await createMailer(t.runtime.database.db).send({
      to: 'retry@example.com',
      ...passwordResetMail({ name: 'R', url: 'http://x/y' }),
    });
    const failed = await waitFor(async () => {
      const row = await t.runtime.database.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
      return row && row.attempts >= 1 ? row : null;
    });
    expect(failed.last_error ?? '').toMatch(/451|temporarily/i);
    // The job backs off (graphile-worker: about e^1 s) and then succeeds.
    const sent = await waitFor(async () => {
      const row = await t.runtime.database.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
      return row?.status === 'sent' ? row : null;
    }, 20_000);
    expect(sent.attempts).toBe(2);
    expect(smtp.received.filter((m) => m.to.includes('retry@example.com'))).toHaveLength(1);
  });
});

describe('mail without SMTP', () => {
  it('keeps the message in the outbox and logs that it did, without the body', async () => {
    const database = await createTestDatabase();
    const t = await startTestApp({ databaseUrl: database.url });
    try {
      const id = await createMailer(t.runtime.database.db).send({
        to: 'dev@example.com',
        ...passwordResetMail({ name: 'D', url: 'http://x/reset?token=SECRET123' }),
      });
      const row = await waitFor(async () => {
        const r = await t.runtime.database.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
        return r?.status === 'logged' ? r : null;
      });
      expect(row.text_body).toContain('SECRET123');
      expect(t.logs.text()).toContain('mail kept in outbox');
      expect(t.logs.text()).not.toContain('SECRET123');
    } finally {
      await t.close();
      await database.drop();
    }
  });
});

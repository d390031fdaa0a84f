import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { AppLogger } from '../app/logger.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { handle } from '../jobs/jobs.worker.js';
import { deliverMailJob } from './mail.jobs.js';
import { createMailRepo, type OutboxMessage } from './mail.repo.js';
import type { RenderedMail } from './mail.templates.js';

export interface Mailer {
  /** Stores the message in the outbox and queues its delivery; returns the outbox id. */
  send(input: { to: string; orgId?: string | null } & RenderedMail): Promise<string>;
}

export function createMailer(db: Kysely<Database>): Mailer {
  return {
    async send(input) {
      const message: OutboxMessage = {
        orgId: input.orgId ?? null,
        to: input.to,
        subject: input.subject,
        text: input.text,
        html: input.html,
      };
      // The outbox row and its delivery job commit together, so a crash never loses or doubles a message.
      return db.transaction().execute(async (trx) => {
        const id = await createMailRepo(trx).insert(message);
        await enqueue(trx, deliverMailJob, { messageId: id });
        return id;
      });
    },
  };
}

export interface MailTransportConfig {
  smtpUrl: string | undefined;
  from: string;
}

/** Delivers queued outbox messages over SMTP; without SMTP the message stays readable in the outbox and is logged. */
export function mailDeliveryHandler(deps: { db: Kysely<Database>; logger: AppLogger; config: MailTransportConfig }) {
  const repo = createMailRepo(deps.db);
  const transport: Transporter | null = deps.config.smtpUrl ? nodemailer.createTransport(deps.config.smtpUrl) : null;
  return handle(deliverMailJob, async ({ messageId }) => {
    const message = await repo.findById(messageId);
    if (!message || message.status === 'sent' || message.status === 'logged') return;
    if (!transport) {
      deps.logger.info({ mailId: message.id, to: message.to_address, subject: message.subject }, 'mail kept in outbox (no SMTP_URL set)');
      await repo.markAttempt(message.id, 'logged', null);
      return;
    }
    try {
      await transport.sendMail({
        from: deps.config.from,
        to: message.to_address,
        subject: message.subject,
        text: message.text_body,
        html: message.html_body,
      });
      await repo.markAttempt(message.id, 'sent', null);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await repo.markAttempt(message.id, 'failed', reason);
      deps.logger.warn({ mailId: message.id, reason }, 'mail delivery failed; will retry');
      throw err;
    }
  });
}

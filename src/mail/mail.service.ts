import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { AppLogger } from '../core/logger.js';
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
  /** Longest one delivery attempt may take, connection to final reply (default 30 s). */
  timeoutMs?: number;
}

export const DEFAULT_SMTP_TIMEOUT_MS = 30_000;

/**
 * nodemailer's own defaults (2 min to connect, 30 s for the greeting, 10 min of socket silence) would let one
 * stalled SMTP server hold a worker slot for minutes per message; each phase gets a bound, and the attempt as a
 * whole a deadline (an AbortSignal closes the connection).
 */
function smtpTransport(config: MailTransportConfig): Transporter {
  const total = config.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
  const phase = Math.min(total, 10_000);
  return nodemailer.createTransport({
    url: config.smtpUrl,
    connectionTimeout: phase,
    greetingTimeout: phase,
    dnsTimeout: phase,
    socketTimeout: total,
  } as SMTPTransport.Options);
}

/**
 * Delivers queued outbox messages over SMTP; without SMTP the message stays readable in the outbox and is logged.
 * A refusal (connection refused, a 4xx/5xx to RCPT or DATA, a recipient rejected) or a stall fails the attempt:
 * the message stays in the outbox with the error and attempt count recorded, and the job is retried with
 * back-off up to `deliverMailJob.maxAttempts`. A message already marked sent is never sent again.
 */
export function mailDeliveryHandler(deps: { db: Kysely<Database>; logger: AppLogger; config: MailTransportConfig }) {
  const repo = createMailRepo(deps.db);
  const transport: Transporter | null = deps.config.smtpUrl ? smtpTransport(deps.config) : null;
  // Transports report some failures (OAuth2 token refresh) as events; unheard, an 'error' event would end the process.
  transport?.on('error', (err: unknown) => deps.logger.warn({ err }, 'mail transport error'));
  const timeoutMs = deps.config.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
  return handle(deliverMailJob, async ({ messageId }, meta) => {
    const message = await repo.findById(messageId);
    if (!message || message.status === 'sent' || message.status === 'logged') return;
    if (!transport) {
      deps.logger.info({ mailId: message.id, to: message.to_address, subject: message.subject }, 'mail kept in outbox (no SMTP_URL set)');
      await repo.markAttempt(message.id, 'logged', null);
      return;
    }
    try {
      const info = await transport.sendMail({
        from: deps.config.from,
        to: message.to_address,
        subject: message.subject,
        text: message.text_body,
        html: message.html_body,
        // nodemailer ≥ 9 closes the connection of an aborted send (not yet in @types/nodemailer).
        signal: AbortSignal.timeout(timeoutMs),
      } as SendOptions);
      // A server may accept the transaction yet refuse a recipient; with one recipient that is a refusal.
      const rejected = (info as { rejected?: unknown[] }).rejected ?? [];
      if (rejected.length > 0) throw new Error(`recipient refused: ${(info as { response?: string }).response ?? 'rejected'}`);
      await repo.markAttempt(message.id, 'sent', null);
    } catch (err) {
      const reason = smtpReason(err, timeoutMs);
      await repo.markAttempt(message.id, 'failed', reason);
      const final = meta.attempt >= meta.maxAttempts;
      deps.logger.warn(
        { mailId: message.id, reason, attempt: meta.attempt, final },
        final ? 'mail delivery failed for good' : 'mail delivery failed; will retry',
      );
      throw err instanceof Error ? err : new Error(reason);
    }
  });
}

type SendOptions = Parameters<Transporter['sendMail']>[0];

/** A one-line reason for the outbox: the SMTP reply when there is one, else the error. */
function smtpReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; response?: string };
  if (e.name === 'AbortError' || e.code === 'EABORT') return `SMTP server did not finish within ${timeoutMs} ms`;
  const text = e.response ?? e.message ?? String(err);
  return e.code && !text.includes(e.code) ? `${e.code}: ${text}` : text;
}

import type { Kysely } from 'kysely';
import type { Database, MailStatus } from '../db/schema.js';

export interface OutboxMessage {
  orgId: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export function createMailRepo(db: Kysely<Database>) {
  return {
    async insert(message: OutboxMessage): Promise<string> {
      const row = await db
        .insertInto('mail_outbox')
        .values({
          org_id: message.orgId,
          to_address: message.to,
          subject: message.subject,
          text_body: message.text,
          html_body: message.html,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },
    findById(id: string) {
      return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async markAttempt(id: string, status: MailStatus, error: string | null): Promise<void> {
      await db
        .updateTable('mail_outbox')
        .set((eb) => ({
          status,
          last_error: error,
          attempts: eb('attempts', '+', 1),
          sent_at: status === 'sent' || status === 'logged' ? new Date() : null,
        }))
        .where('id', '=', id)
        .execute();
    },
    async deleteOlderThan(cutoff: Date): Promise<number> {
      const res = await db.deleteFrom('mail_outbox').where('created_at', '<', cutoff).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

export type MailRepo = ReturnType<typeof createMailRepo>;

import type { Kysely } from 'kysely';
import { forbidden } from '../core/errors.js';
import type { Actor } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import type { Mailer } from '../mail/mail.service.js';
import { supportMail } from '../mail/mail.templates.js';

export interface SupportDeps {
  db: Kysely<Database>;
  mailer: Mailer;
  appUrl: string;
  supportEmail: string;
  statusPageUrl: string;
}

/** Getting help (the guide's last table): where support is, and a message to it from the page the user is on. */
export function createSupportService(deps: SupportDeps) {
  return {
    info() {
      return { email: deps.supportEmail, statusPageUrl: deps.statusPageUrl };
    },

    /** Goes through the mail outbox like every message: stored first, delivered (and retried) by a job. */
    async send(actor: Actor, input: { message: string; page: string }) {
      if (actor.type !== 'user') throw forbidden('Help requests come from people: sign in as a user.', 'user_required');
      const org = actor.orgId
        ? await deps.db.selectFrom('organizations').select('name').where('id', '=', actor.orgId).executeTakeFirst()
        : undefined;
      await deps.mailer.send({
        to: deps.supportEmail,
        orgId: actor.orgId,
        ...supportMail({
          from: { name: actor.name, email: actor.email },
          organization: org?.name ?? 'none',
          page: input.page,
          message: input.message,
          url: `${deps.appUrl}${input.page}`,
        }),
      });
      return { sent: true as const, to: deps.supportEmail };
    },
  };
}

export type SupportService = ReturnType<typeof createSupportService>;

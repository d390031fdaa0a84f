import { sql } from 'kysely';
import { AppError, notFound } from '../core/errors.js';
import type { OrgContext } from '../auth/roles.js';
import { digestMail } from '../mail/mail.templates.js';
import { type AlertsDeps, UUID } from './alerts.deps.js';

/** What members read of alerts: the history with every channel's outcome, their notifications, the weekly digest. */
export function createNotificationsService(deps: AlertsDeps) {
  const { db } = deps;
  return {
    async history(ctx: OrgContext, query: { ruleId?: string | undefined; limit: number; before?: string | undefined }) {
      let q = db
        .selectFrom('alerts as a')
        .innerJoin('alert_rules as r', 'r.id', 'a.rule_id')
        .leftJoin('customers as c', 'c.id', 'a.customer_id')
        .select([
          'a.id',
          'a.title',
          'a.body',
          'a.created_at',
          'r.id as rule_id',
          'r.name as rule_name',
          'r.kind',
          'c.id as customer_id',
          'c.name as customer_name',
        ])
        .where('a.org_id', '=', ctx.orgId)
        .orderBy('a.created_at', 'desc')
        .limit(query.limit);
      if (query.ruleId) q = q.where('a.rule_id', '=', query.ruleId);
      if (query.before) q = q.where('a.created_at', '<', new Date(query.before));
      const alerts = await q.execute();
      const deliveries =
        alerts.length === 0
          ? []
          : await db
              .selectFrom('alert_deliveries as d')
              .leftJoin('mail_outbox as m', 'm.id', 'd.mail_id')
              .select([
                'd.alert_id',
                'd.channel',
                'd.target',
                'd.status',
                'd.attempts',
                'd.error',
                'd.sent_at',
                'm.status as mail_status',
                'm.attempts as mail_attempts',
                'm.last_error',
                'm.sent_at as mail_sent_at',
              ])
              .where('d.org_id', '=', ctx.orgId)
              .where(
                'd.alert_id',
                'in',
                alerts.map((a) => a.id),
              )
              .execute();
      return {
        alerts: alerts.map((a) => ({
          id: a.id,
          rule: { id: a.rule_id, name: a.rule_name, kind: a.kind },
          customer: a.customer_id ? { id: a.customer_id, name: a.customer_name } : null,
          title: a.title,
          body: a.body,
          createdAt: a.created_at.toISOString(),
          deliveries: deliveries
            .filter((d) => d.alert_id === a.id)
            .map((d) =>
              d.channel === 'email'
                ? {
                    channel: d.channel,
                    target: d.target,
                    // The outbox's words in the history's: kept without SMTP ("logged") is as sent as it gets.
                    status: (d.mail_status === 'sent' || d.mail_status === 'logged'
                      ? 'sent'
                      : d.mail_status === 'failed'
                        ? 'failed'
                        : 'pending') as 'pending' | 'sent' | 'failed',
                    attempts: d.mail_attempts ?? 0,
                    error: d.last_error ?? null,
                    sentAt: d.mail_sent_at?.toISOString() ?? null,
                  }
                : {
                    channel: d.channel,
                    target: d.channel === 'slack' ? 'Slack' : d.target,
                    status: d.status,
                    attempts: d.attempts,
                    error: d.error,
                    sentAt: d.sent_at?.toISOString() ?? null,
                  },
            ),
        })),
      };
    },

    async notifications(ctx: OrgContext) {
      if (!ctx.userId) throw new AppError(403, 'user_required', 'Notifications belong to users; sign in as a user.');
      const [rows, unread] = await Promise.all([
        db
          .selectFrom('notifications')
          .selectAll()
          .where('org_id', '=', ctx.orgId)
          .where('user_id', '=', ctx.userId)
          .orderBy('created_at', 'desc')
          .limit(50)
          .execute(),
        db
          .selectFrom('notifications')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('org_id', '=', ctx.orgId)
          .where('user_id', '=', ctx.userId)
          .where('read_at', 'is', null)
          .executeTakeFirstOrThrow(),
      ]);
      return {
        unread: Number(unread.n),
        notifications: rows.map((n) => ({
          id: n.id,
          title: n.title,
          body: n.body,
          link: n.link.replace(deps.appUrl, ''),
          read: n.read_at !== null,
          createdAt: n.created_at.toISOString(),
        })),
      };
    },
    async markRead(ctx: OrgContext, id: string) {
      if (!ctx.userId || !UUID.test(id)) throw notFound('Notification');
      const res = await db
        .updateTable('notifications')
        .set({ read_at: sql`coalesce(read_at, now())` })
        .where('org_id', '=', ctx.orgId)
        .where('user_id', '=', ctx.userId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw notFound('Notification');
    },
    async markAllRead(ctx: OrgContext) {
      if (!ctx.userId) throw new AppError(403, 'user_required', 'Notifications belong to users; sign in as a user.');
      await db
        .updateTable('notifications')
        .set({ read_at: new Date() })
        .where('org_id', '=', ctx.orgId)
        .where('user_id', '=', ctx.userId)
        .where('read_at', 'is', null)
        .execute();
    },
    async digest(ctx: OrgContext) {
      if (!ctx.userId) return { weeklyDigest: false };
      const row = await db
        .selectFrom('digest_subscriptions')
        .select('user_id')
        .where('org_id', '=', ctx.orgId)
        .where('user_id', '=', ctx.userId)
        .executeTakeFirst();
      return { weeklyDigest: Boolean(row) };
    },
    async setDigest(ctx: OrgContext, weeklyDigest: boolean) {
      if (!ctx.userId) throw new AppError(403, 'user_required', 'The digest is sent to users; sign in as a user.');
      if (weeklyDigest) {
        await db
          .insertInto('digest_subscriptions')
          .values({ org_id: ctx.orgId, user_id: ctx.userId })
          .onConflict((oc) => oc.doNothing())
          .execute();
      } else {
        await db.deleteFrom('digest_subscriptions').where('org_id', '=', ctx.orgId).where('user_id', '=', ctx.userId).execute();
      }
      return { weeklyDigest };
    },

    /** The weekly digest: members who opted in get the organization's at-risk customers. */
    async sendDigests(): Promise<number> {
      const subs = await db
        .selectFrom('digest_subscriptions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .innerJoin('members as m', (j) => j.onRef('m.user_id', '=', 's.user_id').onRef('m.org_id', '=', 's.org_id'))
        .innerJoin('organizations as o', 'o.id', 's.org_id')
        .select(['s.org_id', 'u.email', 'u.name', 'o.name as org_name'])
        .execute();
      for (const s of subs) {
        const atRisk = await db
          .selectFrom('customers')
          .select(['id', 'name', 'email', 'score', 'risk_level'])
          .where('org_id', '=', s.org_id)
          .where('deleted_at', 'is', null)
          .where('risk_level', 'in', ['red', 'yellow'])
          .orderBy('score')
          .limit(20)
          .execute();
        await deps.mailer.send({
          to: s.email,
          orgId: s.org_id,
          ...digestMail({
            name: s.name,
            organization: s.org_name,
            customers: atRisk.map((c) => ({
              name: c.name ?? c.email ?? c.id,
              score: c.score,
              level: c.risk_level ?? 'none',
              url: `${deps.appUrl}/customers/${c.id}`,
            })),
            url: `${deps.appUrl}/customers?risk=red,yellow`,
          }),
        });
      }
      return subs.length;
    },
  };
}

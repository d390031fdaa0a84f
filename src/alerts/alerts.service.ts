import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { AppError, badRequest, notFound } from '../app/errors.js';
import type { AppLogger } from '../app/logger.js';
import type { SecretBox } from '../app/secrets.js';
import { type OrgContext, requireRole } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import type { Mailer } from '../mail/mail.service.js';
import { alertMail, digestMail } from '../mail/mail.templates.js';
import { createScoringRepo } from '../scoring/scoring.repo.js';
import { DeliveryError, postJson, type Resolver, signature, slackMessage } from './alerts.channels.js';
import { systemResolver } from './alerts.http.js';
import { deliverAlertJob, evaluateAlertsJob } from './alerts.jobs.js';
import { createAlertsRepo } from './alerts.repo.js';
import { type AlertEvent, decide, describe, type RuleSpec, TRIGGERS } from './alerts.rules.js';
import { type RuleInput, type RulePatch, ruleBody, ruleProblems } from './alerts.schemas.js';
import { checkRuleUrls } from './alerts.urls.js';

const BATCH = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface AlertsDeps {
  db: Kysely<Database>;
  logger: AppLogger;
  secrets: SecretBox;
  mailer: Mailer;
  appUrl: string;
  allowPrivateUrls: boolean;
  /** Resolves Slack/webhook hosts, when a rule is saved and at each delivery (tests inject one). */
  resolve?: Resolver;
  /** Total time one Slack/webhook delivery may take before it fails and is retried (default 10 s). */
  deliveryTimeoutMs?: number;
}

type RuleRow = Awaited<ReturnType<ReturnType<typeof createAlertsRepo>['rules']>>[number];

const spec = (r: RuleRow): RuleSpec => ({
  kind: r.kind,
  params: r.params as RuleSpec['params'],
  minMrr: r.min_mrr === null ? null : Number(r.min_mrr),
  cooldownMinutes: r.cooldown_minutes,
});

export function createAlertsService(deps: AlertsDeps) {
  const { db, logger } = deps;
  const repo = createAlertsRepo(db);
  const resolve = deps.resolve ?? systemResolver;
  const transport = { allowPrivate: deps.allowPrivateUrls, resolve, timeoutMs: deps.deliveryTimeoutMs };

  function dto(r: RuleRow, admin: boolean) {
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      params: r.params,
      minMrr: r.min_mrr === null ? null : Number(r.min_mrr),
      channels: {
        email: r.email_to,
        inApp: r.in_app,
        slack: r.slack_url_enc !== null,
        webhookUrl: r.webhook_url,
        webhookSecret: admin && r.webhook_secret_enc ? deps.secrets.open(r.webhook_secret_enc) : null,
      },
      cooldownMinutes: r.cooldown_minutes,
      enabled: r.enabled,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    };
  }

  /** Recipients must be members of the organization (by user id) or email addresses. */
  async function checkRecipients(orgId: string, emails: string[]) {
    const members = new Set((await repo.memberEmails(orgId)).map((m) => m.id));
    const bad = emails.filter((e) => !EMAIL.test(e) && !members.has(e));
    if (bad.length > 0)
      throw badRequest('invalid_recipient', `channels.email: "${bad[0]}" is neither an email address nor a member of this organization.`);
  }

  /** The rule's own consistency, then the URLs being set (not unchanged ones: a legacy rule stays editable). */
  async function validated(input: RuleInput, changedUrls: Parameters<typeof checkRuleUrls>[0]) {
    const problem = ruleProblems(input);
    if (problem) throw badRequest('invalid_rule', problem);
    await checkRuleUrls(changedUrls, { allowPrivate: deps.allowPrivateUrls, resolve });
    return input;
  }

  function columns(input: RuleInput, existing?: RuleRow) {
    const slack =
      input.channels.slackWebhookUrl === undefined
        ? (existing?.slack_url_enc ?? null)
        : input.channels.slackWebhookUrl
          ? deps.secrets.seal(input.channels.slackWebhookUrl)
          : null;
    const secret = input.channels.webhookUrl
      ? (existing?.webhook_secret_enc ?? deps.secrets.seal(`whsec_${randomBytes(24).toString('base64url')}`))
      : null;
    return {
      name: input.name,
      kind: input.kind,
      params: JSON.stringify(input.params),
      min_mrr: input.minMrr,
      email_to: JSON.stringify(input.channels.email),
      in_app: input.channels.inApp,
      slack_url_enc: slack,
      webhook_url: input.channels.webhookUrl,
      webhook_secret_enc: secret,
      cooldown_minutes: input.cooldownMinutes,
      enabled: input.enabled,
      updated_at: new Date(),
    };
  }

  async function load(ctx: OrgContext, id: string) {
    const row = UUID.test(id) ? await repo.rule(ctx.orgId, id) : undefined;
    if (!row) throw notFound('Alert rule');
    return row;
  }

  /** Creates the alert's deliveries (and in-app notifications) and queues what is sent over the network. */
  async function fire(
    rule: RuleRow,
    event: AlertEvent & { orgId: string },
    customer: { id: string; name: string | null; email: string | null },
    situation: string,
    text: { title: string; body: string },
  ) {
    const link = `${deps.appUrl}/customers/${customer.id}`;
    const alertId = await repo.insertAlert({
      org_id: rule.org_id,
      rule_id: rule.id,
      customer_id: customer.id,
      event_id: event.id,
      situation,
      ...text,
      link,
    });
    if (!alertId) return false;
    const members = await repo.memberEmails(rule.org_id);
    if (rule.in_app) {
      await repo.notify(
        rule.org_id,
        alertId,
        members.map((m) => m.id),
        { ...text, link },
      );
      await repo.insertDelivery(rule.org_id, alertId, 'in_app', `${members.length} members`, { status: 'sent' });
    }
    const byId = new Map(members.map((m) => [m.id, m.email]));
    const addresses = [
      ...new Set(rule.email_to.map((e) => byId.get(e) ?? (EMAIL.test(e) ? e : null)).filter((e): e is string => e !== null)),
    ];
    for (const to of addresses) {
      const mailId = await deps.mailer.send({ to, orgId: rule.org_id, ...alertMail({ ruleName: rule.name, ...text, url: link }) });
      await repo.insertDelivery(rule.org_id, alertId, 'email', to, { mailId });
    }
    for (const [channel, target] of [
      ['slack', rule.slack_url_enc ? 'slack' : null],
      ['webhook', rule.webhook_url],
    ] as const) {
      if (!target) continue;
      const id = await repo.insertDelivery(rule.org_id, alertId, channel, target);
      if (id) await enqueue(db, deliverAlertJob, { deliveryId: id });
    }
    return true;
  }

  /** Evaluates a batch of new events against the enabled rules of their organizations. */
  async function evaluateBatch(now: Date): Promise<number> {
    return db.transaction().execute(async (trx) => {
      const events = await createAlertsRepo(trx).claimEvents(BATCH);
      if (events.length === 0) return 0;
      const rules = await createAlertsRepo(trx).enabledRules([...new Set(events.map((e) => e.org_id))]);
      const scoring = createScoringRepo(db);
      // One configuration read per organization in the batch, not one per event.
      const configs = new Map<string, Promise<{ green: number; yellow: number }>>();
      const thresholdsOf = (orgId: string) => {
        if (!configs.has(orgId))
          configs.set(
            orgId,
            scoring.config(orgId).then((c) => c.thresholds),
          );
        return configs.get(orgId)!;
      };
      for (const event of events) {
        const relevant = rules.filter((r) => r.org_id === event.org_id && TRIGGERS[r.kind].includes(event.type));
        if (relevant.length === 0 || !event.customer_external_id) continue;
        const customer = await repo.customer(event.org_id, event.customer_external_id);
        if (!customer) continue;
        const thresholds = await thresholdsOf(event.org_id);
        for (const rule of relevant) {
          const s = spec(rule);
          const facts = {
            id: customer.id,
            score: customer.score,
            level: customer.risk_level,
            mrrMajor: Number(customer.mrr_major),
            windowMax: s.kind === 'score_drop' ? await repo.windowMax(event.org_id, customer.id, s.params.days ?? 30) : null,
            thresholds,
          };
          const state = await repo.state(rule.id, customer.id);
          const alertEvent = { id: event.id, type: event.type, payload: event.payload as Record<string, unknown> };
          const decision = decide(s, alertEvent, facts, { active: state?.active ?? false, lastFiredAt: state?.last_fired_at ?? null }, now);
          let fired = false;
          if (decision.fire && decision.situation) {
            fired = await fire(
              rule,
              { ...alertEvent, orgId: event.org_id },
              customer,
              decision.situation,
              describe(s, rule.name, customer, facts, alertEvent),
            );
          }
          if (fired || decision.active !== (state?.active ?? false))
            await repo.saveState(rule.id, customer.id, decision.active, fired ? now : null);
        }
      }
      await createAlertsRepo(trx).markEvaluated(events.map((e) => e.id));
      return events.length;
    });
  }

  return {
    async listRules(ctx: OrgContext) {
      const admin = ctx.role !== 'member';
      return { rules: (await repo.rules(ctx.orgId)).map((r) => dto(r, admin)) };
    },
    async getRule(ctx: OrgContext, id: string) {
      return dto(await load(ctx, id), ctx.role !== 'member');
    },
    async createRule(ctx: OrgContext, input: RuleInput) {
      requireRole(ctx, 'admin', 'manage alert rules');
      await validated(input, input.channels);
      await checkRecipients(ctx.orgId, input.channels.email);
      const row = await db
        .insertInto('alert_rules')
        .values({ org_id: ctx.orgId, created_by: ctx.userId, ...columns(input) })
        .returningAll()
        .executeTakeFirstOrThrow();
      return dto(row, true);
    },
    async updateRule(ctx: OrgContext, id: string, patch: RulePatch) {
      requireRole(ctx, 'admin', 'manage alert rules');
      const row = await load(ctx, id);
      const current = dto(row, true);
      const merged = ruleBody.safeParse({
        name: patch.name ?? current.name,
        kind: patch.kind ?? current.kind,
        params: patch.params ?? current.params,
        minMrr: patch.minMrr === undefined ? current.minMrr : patch.minMrr,
        channels: {
          email: patch.channels?.email ?? current.channels.email,
          inApp: patch.channels?.inApp ?? current.channels.inApp,
          ...(patch.channels?.slackWebhookUrl !== undefined ? { slackWebhookUrl: patch.channels.slackWebhookUrl } : {}),
          webhookUrl: patch.channels?.webhookUrl === undefined ? current.channels.webhookUrl : patch.channels.webhookUrl,
        },
        cooldownMinutes: patch.cooldownMinutes ?? current.cooldownMinutes,
        enabled: patch.enabled ?? current.enabled,
      });
      if (!merged.success) {
        const issue = merged.error.issues[0]!;
        const path = issue.path.join('.');
        throw badRequest('invalid_rule', `${path}: ${issue.message}`, [{ path: `body.${path}`, message: issue.message }]);
      }
      const changed = patch.channels ?? {};
      await validated(merged.data, {
        slackWebhookUrl: changed.slackWebhookUrl,
        webhookUrl: changed.webhookUrl === current.channels.webhookUrl ? undefined : changed.webhookUrl,
      });
      await checkRecipients(ctx.orgId, merged.data.channels.email);
      const updated = await db
        .updateTable('alert_rules')
        .set(columns(merged.data, row))
        .where('org_id', '=', ctx.orgId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return dto(updated, true);
    },
    async deleteRule(ctx: OrgContext, id: string) {
      requireRole(ctx, 'admin', 'manage alert rules');
      await load(ctx, id);
      await db.deleteFrom('alert_rules').where('org_id', '=', ctx.orgId).where('id', '=', id).execute();
    },

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
                    status:
                      d.mail_status === 'sent' || d.mail_status === 'logged' ? 'sent' : d.mail_status === 'failed' ? 'failed' : 'pending',
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

    /** The evaluation job: every new event, batch by batch. */
    async evaluate(now: () => Date = () => new Date()): Promise<number> {
      let total = 0;
      for (;;) {
        const n = await evaluateBatch(now());
        total += n;
        if (n < BATCH) return total;
      }
    },
    /** Asks for an evaluation (events were just logged). */
    async wake(): Promise<void> {
      await enqueue(db, evaluateAlertsJob, {});
    },
    /** Safety net: events waiting for evaluation get a job. */
    async recover(): Promise<void> {
      const waiting = await db.selectFrom('org_events').select('id').where('alerts_at', 'is', null).limit(1).executeTakeFirst();
      if (waiting) await enqueue(db, evaluateAlertsJob, {});
    },

    /** Sends a Slack or webhook delivery; throws (for a retry) while attempts remain. */
    async deliver(deliveryId: string, attempt: number, maxAttempts: number): Promise<void> {
      const d = await db
        .selectFrom('alert_deliveries as d')
        .innerJoin('alerts as a', 'a.id', 'd.alert_id')
        .innerJoin('alert_rules as r', 'r.id', 'a.rule_id')
        .select([
          'd.id',
          'd.channel',
          'd.status',
          'd.target',
          'a.id as alert_id',
          'a.title',
          'a.body',
          'a.link',
          'a.created_at',
          'a.customer_id',
          'r.name',
          'r.kind',
          'r.slack_url_enc',
          'r.webhook_secret_enc',
          'a.org_id',
        ])
        .where('d.id', '=', deliveryId)
        .executeTakeFirst();
      if (!d || d.status === 'sent') return;
      try {
        if (d.channel === 'slack') {
          if (!d.slack_url_enc) throw new DeliveryError('the rule no longer has a Slack URL', false);
          await postJson(
            deps.secrets.open(d.slack_url_enc),
            slackMessage({ ruleName: d.name, title: d.title, body: d.body, link: d.link }),
            transport,
          );
        } else if (d.channel === 'webhook') {
          if (!d.webhook_secret_enc) throw new DeliveryError('the rule no longer has a webhook secret', false);
          const body = JSON.stringify({
            type: 'alert.fired',
            id: d.alert_id,
            createdAt: d.created_at.toISOString(),
            organizationId: d.org_id,
            rule: { name: d.name, kind: d.kind },
            customerId: d.customer_id,
            title: d.title,
            body: d.body,
            link: d.link,
          });
          const t = Math.floor(Date.now() / 1000);
          await postJson(d.target, body, {
            ...transport,
            headers: {
              'pulsescore-signature': signature(deps.secrets.open(d.webhook_secret_enc), body, t),
              'pulsescore-delivery': d.id,
              'pulsescore-event': 'alert.fired',
            },
          });
        }
        await db
          .updateTable('alert_deliveries')
          .set({ status: 'sent', sent_at: new Date(), attempts: attempt, error: null })
          .where('id', '=', d.id)
          .execute();
      } catch (err) {
        const retryable = !(err instanceof DeliveryError) || err.retryable;
        const final = !retryable || attempt >= maxAttempts;
        const message = err instanceof Error ? err.message : String(err);
        await db
          .updateTable('alert_deliveries')
          .set({ status: final ? 'failed' : 'pending', attempts: attempt, error: message })
          .where('id', '=', d.id)
          .execute();
        logger.warn({ deliveryId, channel: d.channel, attempt, final, error: message }, 'alert delivery failed');
        if (!final) throw err;
      }
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

export type AlertsService = ReturnType<typeof createAlertsService>;

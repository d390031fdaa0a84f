import { randomBytes } from 'node:crypto';
import { AppError, notFound } from '../core/errors.js';
import { type OrgContext, requireRole } from '../auth/roles.js';
import { systemResolver } from './alerts.http.js';
import { type AlertsDeps, EMAIL, type RuleRow, UUID } from './alerts.deps.js';
import { createAlertsRepo } from './alerts.repo.js';
import { type RuleInput, type RulePatch, ruleBody, ruleProblems } from './alerts.schemas.js';
import { checkRuleUrls } from './alerts.urls.js';

/**
 * A rule that is well-formed (the schema holds) but cannot be saved as it stands — a kind without its
 * parameters, no channel, an unknown recipient, a URL that may not be used: 422, not 400.
 */
const unprocessable = (code: string, message: string, details?: unknown) => new AppError(422, code, message, details);

/** Alert rules: what admins create, change and delete (members read them, without webhook secrets). */
export function createAlertRulesService(deps: AlertsDeps) {
  const { db } = deps;
  const repo = createAlertsRepo(db);
  const resolve = deps.resolve ?? systemResolver;

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
      throw unprocessable(
        'invalid_recipient',
        `channels.email: "${bad[0]}" is neither an email address nor a member of this organization.`,
      );
  }

  /** The rule's own consistency, then the URLs being set (not unchanged ones: a legacy rule stays editable). */
  async function validated(input: RuleInput, changedUrls: Parameters<typeof checkRuleUrls>[0]) {
    const problem = ruleProblems(input);
    if (problem) throw unprocessable('invalid_rule', problem);
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
        throw unprocessable('invalid_rule', `${path}: ${issue.message}`, [{ path: `body.${path}`, message: issue.message }]);
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
  };
}

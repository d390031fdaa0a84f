import { z } from 'zod';

/** How far ahead a trial rule may warn (the trial watch looks this far). */
export const TRIAL_WINDOW_DAYS = 30;

export const KINDS = [
  'score_below',
  'score_drop',
  'risk_level',
  'payment_failed',
  'subscription_canceled',
  'trial_ending',
  'trial_card_missing',
] as const;

// Zod runs every check even after one failed, so these parse defensively.
const parsed = (u: string) => (URL.canParse(u) ? new URL(u) : null);
const withoutCredentials = (u: string) => {
  const url = parsed(u);
  return url !== null && url.username === '' && url.password === '' && url.hostname !== '';
};

const LABEL = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const LABEL_REST = '([A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const LABEL_ALPHA = `[A-Za-z]${LABEL_REST}`;
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `${OCTET}(\\.${OCTET}){3}`;
const PORT = '([1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d{2}|655[0-2]\\d|6553[0-5])';

/** An outgoing webhook: http(s) with a host; no user name or password (the URL is shown to every member). */
const httpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  .max(500)
  .regex(
    // A DNS name (its last label starting with a letter) or a dotted IPv4 address, an optional port 1–65535, then
    // anything: narrower than what URL parsers accept, and stated here so the OpenAPI document says it.
    new RegExp(`^https?://(${LABEL}(\\.${LABEL})*\\.[A-Za-z]${LABEL_REST}|${LABEL_ALPHA}|${IPV4})(:${PORT})?([/?#][^\\s\\\\]*)?$`),
    'must be an http(s) URL with a host and without a user name or password',
  )
  .refine(withoutCredentials, 'must be an http(s) URL with a host and without a user name or password');

/**
 * A Slack webhook, as Slack issues them: https on the default port, host hooks.slack.com (or GovSlack's
 * hooks.slack-gov.com), path /services/… (incoming webhooks), /workflows/… or /triggers/… (Workflow Builder).
 * Anything else is not Slack, and a look-alike would be a way to aim the Slack channel at arbitrary hosts.
 */
export const SLACK_HOSTS = ['hooks.slack.com', 'hooks.slack-gov.com'] as const;
const SLACK_PATH = /^\/(services|workflows|triggers)\/[^/]/;
const slackUrl = z
  .url({ protocol: /^https$/, message: 'must be an https URL' })
  .max(500)
  .regex(
    /^https:\/\/hooks\.slack(-gov)?\.com\/(services|workflows|triggers)\/[^/\s\\#?]\S*$/,
    'must be a Slack webhook URL: https://hooks.slack.com/services/…',
  )
  .refine((u) => {
    const url = parsed(u);
    return (
      url !== null &&
      (SLACK_HOSTS as readonly string[]).includes(url.hostname) &&
      url.port === '' &&
      withoutCredentials(u) &&
      SLACK_PATH.test(url.pathname)
    );
  }, 'must be a Slack webhook URL: https://hooks.slack.com/services/… (or /workflows/…, /triggers/…; hooks.slack-gov.com for GovSlack)');

const ruleFields = {
  name: z.string().trim().min(1, 'is required').max(100),
  kind: z.enum(KINDS),
  params: z
    .strictObject({
      threshold: z.number().int().min(1).max(100).optional().describe('score_below: alert when the score falls below this'),
      points: z.number().int().min(1).max(100).optional().describe('score_drop: a fall of at least this many points…'),
      days: z
        .number()
        .int()
        .min(1)
        .max(365)
        .optional()
        .describe(
          'score_drop: …within this many days; trial_ending, trial_card_missing: this many days before the trial ends (1–30, default 3)',
        ),
      level: z.enum(['red', 'yellow']).optional().describe('risk_level: alert when a customer becomes this level (yellow: or worse)'),
    })
    .default({}),
  minMrr: z.number().min(0).max(1e12).nullable().default(null).describe('Only customers with at least this MRR (major units)'),
  channels: z.strictObject({
    email: z.array(z.string().trim().min(1).max(254)).max(50).default([]).describe('Member user ids and/or email addresses'),
    inApp: z.boolean().default(true).describe('A notification for every member of the organization'),
    slackWebhookUrl: slackUrl
      .nullable()
      .optional()
      .describe('A Slack webhook URL, https://hooks.slack.com/services/… (stored encrypted; omit to keep)'),
    webhookUrl: httpUrl.nullable().default(null).describe('An http(s) endpoint receiving signed JSON (https recommended)'),
  }),
  cooldownMinutes: z.number().int().min(0).max(43_200).default(1440),
  enabled: z.boolean().default(true),
};

export const ruleBody = z.strictObject(ruleFields);
export const rulePatch = z.strictObject({
  ...ruleFields,
  params: ruleFields.params.unwrap().optional(),
  channels: ruleFields.channels.partial().optional(),
  name: ruleFields.name.optional(),
  kind: ruleFields.kind.optional(),
  minMrr: z.number().min(0).max(1e12).nullable().optional(),
  cooldownMinutes: z.number().int().min(0).max(43_200).optional(),
  enabled: z.boolean().optional(),
});
export type RuleInput = z.infer<typeof ruleBody>;
export type RulePatch = z.infer<typeof rulePatch>;

/** What each kind needs, checked on the rule as saved (after a patch is merged). */
export function ruleProblems(rule: RuleInput): string | null {
  const p = rule.params;
  if (rule.kind === 'score_below' && p.threshold === undefined) return 'params.threshold: a "score below" rule needs a threshold (1–100).';
  if (rule.kind === 'score_drop' && (p.points === undefined || p.days === undefined))
    return 'params: a "score drop" rule needs points (1–100) and days (1–365).';
  if (rule.kind === 'risk_level' && p.level === undefined) return 'params.level: a "risk level" rule needs level red or yellow.';
  if ((rule.kind === 'trial_ending' || rule.kind === 'trial_card_missing') && p.days !== undefined && p.days > TRIAL_WINDOW_DAYS)
    return `params.days: a trial rule warns at most ${TRIAL_WINDOW_DAYS} days before the trial ends.`;
  const c = rule.channels;
  if (c.email.length === 0 && !c.inApp && !c.slackWebhookUrl && !c.webhookUrl) return 'channels: choose at least one channel.';
  return null;
}

export const ruleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(KINDS),
    params: z.record(z.string(), z.unknown()),
    minMrr: z.number().nullable(),
    channels: z.object({
      email: z.array(z.string()),
      inApp: z.boolean(),
      slack: z.boolean().describe('Whether a Slack webhook URL is set (the URL itself is a secret)'),
      webhookUrl: z.string().nullable(),
      webhookSecret: z.string().nullable().describe('Signs outgoing webhooks (admins only)'),
    }),
    cooldownMinutes: z.number(),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'AlertRule' });

export const rulesResponse = z.object({ rules: z.array(ruleSchema) });

export const historyQuery = z.strictObject({
  ruleId: z.guid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime().optional().describe('Page backwards: alerts created before this time'),
});

export const historyResponse = z.object({
  alerts: z.array(
    z.object({
      id: z.string(),
      rule: z.object({ id: z.string(), name: z.string(), kind: z.string() }),
      customer: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
      title: z.string(),
      body: z.string(),
      createdAt: z.string(),
      deliveries: z.array(
        z.object({
          channel: z.enum(['email', 'in_app', 'slack', 'webhook']),
          target: z.string(),
          status: z.enum(['pending', 'sent', 'failed']),
          attempts: z.number(),
          error: z.string().nullable(),
          sentAt: z.string().nullable(),
        }),
      ),
    }),
  ),
});

export const notificationsResponse = z.object({
  unread: z.number(),
  notifications: z.array(
    z.object({ id: z.string(), title: z.string(), body: z.string(), link: z.string(), read: z.boolean(), createdAt: z.string() }),
  ),
});

export const digestBody = z.strictObject({ weeklyDigest: z.boolean() });

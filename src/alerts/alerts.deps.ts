/** What the alert services share: their dependencies and the rule row. */
import type { Kysely } from 'kysely';
import type { AppLogger } from '../core/logger.js';
import type { SecretBox } from '../core/secrets.js';
import type { Database } from '../db/schema.js';
import type { Mailer } from '../mail/mail.service.js';
import type { Resolver } from './alerts.channels.js';
import type { createAlertsRepo } from './alerts.repo.js';
import type { RuleSpec } from './alerts.rules.js';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

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

export type RuleRow = Awaited<ReturnType<ReturnType<typeof createAlertsRepo>['rules']>>[number];

export const spec = (r: RuleRow): RuleSpec => ({
  kind: r.kind,
  params: r.params as RuleSpec['params'],
  minMrr: r.min_mrr === null ? null : Number(r.min_mrr),
  cooldownMinutes: r.cooldown_minutes,
});

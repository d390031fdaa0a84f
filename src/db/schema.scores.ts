import type { ColumnType, CreatedAt, Generated, Json, NullableTs, Ts } from './schema.columns.js';

/** Scores, revenue history and alerts. */
export interface ScoringConfigsTable {
  org_id: string;
  config: Json<unknown>;
  updated_by: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ScoreHistoryTable {
  id: Generated<string>;
  org_id: string;
  customer_id: string;
  score: number | null;
  risk_level: string | null;
  previous_score: number | null;
  previous_level: string | null;
  factors: Json<Record<string, number>>;
  changed: Json<{ name: string; from: number | null; to: number | null }[]>;
  reason: string;
  computed_at: Ts;
}

export interface MrrHistoryTable {
  org_id: string;
  customer_id: string;
  currency: string;
  valid_from: Ts;
  valid_to: NullableTs;
  mrr: ColumnType<string, number | string, number | string>;
  movement: 'new' | 'expansion' | 'contraction' | 'churn' | 'reactivation';
  delta: ColumnType<string, number | string, number | string>;
}

export type AlertKind =
  'score_below' | 'score_drop' | 'risk_level' | 'payment_failed' | 'subscription_canceled' | 'trial_ending' | 'trial_card_missing';
export type AlertChannel = 'email' | 'in_app' | 'slack' | 'webhook';

export interface AlertRulesTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  kind: AlertKind;
  params: Json<Record<string, unknown>>;
  min_mrr: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  email_to: Json<string[]>;
  in_app: boolean;
  slack_url_enc: string | null;
  webhook_url: string | null;
  webhook_secret_enc: string | null;
  cooldown_minutes: number;
  enabled: boolean;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AlertStatesTable {
  rule_id: string;
  customer_id: string;
  active: boolean;
  last_fired_at: NullableTs;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface AlertsTable {
  id: Generated<string>;
  org_id: string;
  rule_id: string;
  customer_id: string | null;
  event_id: string | null;
  situation: string;
  title: string;
  body: string;
  link: string;
  created_at: CreatedAt;
}

export interface AlertDeliveriesTable {
  id: Generated<string>;
  org_id: string;
  alert_id: string;
  channel: AlertChannel;
  target: string;
  status: Generated<'pending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  error: string | null;
  mail_id: string | null;
  created_at: CreatedAt;
  sent_at: NullableTs;
}

export interface NotificationsTable {
  id: Generated<string>;
  org_id: string;
  user_id: string;
  alert_id: string | null;
  title: string;
  body: string;
  link: string;
  read_at: NullableTs;
  created_at: CreatedAt;
}

export interface DigestSubscriptionsTable {
  org_id: string;
  user_id: string;
  created_at: CreatedAt;
}

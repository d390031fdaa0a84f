import type { ColumnType, CreatedAt, Generated, Json, NullableTs, Ts } from './schema.columns.js';

/** What PulseScore keeps of each connected Stripe account. */
export interface StripeConnectionsTable {
  id: Generated<string>;
  org_id: string;
  stripe_account_id: string;
  livemode: boolean;
  scope: string;
  status: 'connected' | 'disconnected';
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  webhook_secret_enc: string | null;
  webhook_token: string;
  connected_by: string | null;
  connected_at: ColumnType<Date, Date | string | undefined, Date | string>;
  disconnected_at: NullableTs;
  disconnect_reason: string | null;
  disconnected_by: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface OAuthStatesTable {
  id: string;
  org_id: string;
  user_id: string;
  expires_at: Ts;
  used_at: NullableTs;
  created_at: CreatedAt;
}

export type SyncStatus = 'running' | 'succeeded' | 'failed' | 'canceled';

export interface SyncRunsTable {
  id: Generated<string>;
  org_id: string;
  kind: 'initial' | 'manual';
  status: SyncStatus;
  phase: Generated<string>;
  cursors: ColumnType<Record<string, { after: string | null; done: boolean; since?: number; until?: number }>, string | undefined, string>;
  counts: ColumnType<Record<string, number>, string | undefined, string>;
  error: string | null;
  owner_token: string | null;
  heartbeat_at: NullableTs;
  /** A Stripe call being retried now: why, which attempt, when the next one goes. */
  retry: ColumnType<{ reason: string; attempt: number; nextAttemptAt: string } | null, string | null | undefined, string | null>;
  /** What to do about a run that failed or stopped, in the guide's words. */
  advice: string | null;
  /** Users who dismissed this run's banner. */
  dismissed_by: ColumnType<string[], string | undefined, string>;
  requested_by: string | null;
  started_at: CreatedAt;
  finished_at: NullableTs;
}

interface SourceVersion {
  source_ts: Generated<number>;
  source_event_id: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CustomersTable extends SourceVersion {
  id: Generated<string>;
  org_id: string;
  external_id: string;
  email: string | null;
  name: string | null;
  currency: string | null;
  first_seen_at: Ts;
  metadata: Json<Record<string, string>>;
  deleted_at: NullableTs;
  last_seen_at: NullableTs;
  score_dirty_at: NullableTs;
  /** Current MRR in minor units of `mrr_currency` (the customer's main currency); fractional cents are kept. */
  mrr: Generated<string>;
  mrr_currency: string | null;
  /** The same in major units, the sort key of the customers list. */
  mrr_major: Generated<string>;
  mrr_by_currency: ColumnType<Record<string, number>, string | undefined, string>;
  last_payment_at: NullableTs;
  score: number | null;
  risk_level: 'green' | 'yellow' | 'red' | null;
  lifecycle_state: string | null;
  lifecycle_churn: 'voluntary' | 'involuntary' | null;
  lifecycle_at: NullableTs;
  /** A card on file: `invoice_settings.default_payment_method` or `default_source`; null before it was read. */
  has_payment_method: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  /** Digests of what was last written (list columns; MRR history), so that unchanged re-scores write nothing. */
  summary_fingerprint: string | null;
  mrr_fingerprint: string | null;
}

/** What a customer's current score is made of: each factor's value and sentence, or why it is absent. */
export interface CustomerScoresTable {
  customer_id: string;
  org_id: string;
  factors: ColumnType<Record<string, unknown>, string, string>;
  invoice_points: ColumnType<unknown, string | null | undefined, string | null>;
  invoice_points_at: NullableTs;
  /** The latest paid invoice (not refunded or disputed) when the invoice points were computed; kept with them. */
  last_paid_invoice_at: NullableTs;
  fingerprint: string | null;
  scored_at: Ts;
}

export interface SubscriptionsTable extends SourceVersion {
  id: Generated<string>;
  org_id: string;
  stripe_subscription_id: string;
  stripe_customer_id: string;
  status: string;
  plan_name: string | null;
  amount_cents: number;
  currency: string;
  interval: string | null;
  interval_count: number;
  current_period_start: NullableTs;
  current_period_end: NullableTs;
  cancel_at_period_end: boolean;
  cancel_at: NullableTs;
  canceled_at: NullableTs;
  ended_at: NullableTs;
  trial_start: NullableTs;
  trial_end: NullableTs;
  started_at: NullableTs;
  items: Json<unknown[]>;
  discounts: Json<unknown[]>;
  /** Stripe's `cancellation_details.reason`: why the subscription ended (or will). */
  cancellation_reason: string | null;
  /** The subscription names its own payment method (`default_payment_method` or `default_source`). */
  has_payment_method: boolean | null;
}

export interface PaymentsTable extends SourceVersion {
  id: Generated<string>;
  org_id: string;
  stripe_payment_id: string;
  stripe_customer_id: string;
  amount_cents: number;
  currency: string;
  status: PaymentStatus;
  failure_code: string | null;
  failure_message: string | null;
  paid_at: Ts;
  amount_refunded_cents: Generated<number>;
  captured: Generated<boolean>;
  refunded: Generated<boolean>;
  disputed: Generated<boolean>;
  /** The issuer's reason (`outcome.reason`) and Stripe's retry advice (`outcome.advice_code`). */
  decline_code: string | null;
  advice_code: string | null;
}

/**
 * A charge as a payment: `succeeded` only when captured and not fully refunded (a partial refund stays a
 * success, with `amount_refunded_cents`); `uncaptured` is an authorization, `refunded` a payment given back.
 */
export const PAYMENT_STATUSES = ['succeeded', 'failed', 'pending', 'refunded', 'uncaptured'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface StripeCatalogTable {
  org_id: string;
  object_type: 'price' | 'product' | 'coupon';
  stripe_id: string;
  data: Json<Record<string, unknown>>;
  deleted: Generated<boolean>;
  source_ts: Generated<number>;
  source_event_id: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface RefundsTable extends SourceVersion {
  id: Generated<string>;
  org_id: string;
  stripe_refund_id: string;
  stripe_charge_id: string | null;
  amount_cents: number;
  currency: string;
  status: string;
  reason: string | null;
  refunded_at: Ts;
}

export interface DisputesTable extends SourceVersion {
  id: Generated<string>;
  org_id: string;
  stripe_dispute_id: string;
  stripe_charge_id: string;
  stripe_customer_id: string | null;
  amount_cents: number;
  currency: string;
  status: string;
  reason: string | null;
  opened_at: Ts;
  evidence_due_by: NullableTs;
}

export interface SyncSkippedTable {
  run_id: string;
  org_id: string;
  object_type: string;
  object_id: string;
  reason: string;
  created_at: CreatedAt;
}

export interface InvoicesTable extends SourceVersion {
  id: Generated<string>;
  org_id: string;
  stripe_invoice_id: string;
  stripe_customer_id: string;
  stripe_subscription_id: string | null;
  status: string;
  currency: string;
  subtotal_cents: number;
  total_cents: number;
  amount_due_cents: number;
  amount_paid_cents: number;
  period_start: NullableTs;
  period_end: NullableTs;
  issued_at: Ts;
  paid_at: NullableTs;
  lines: Json<unknown[]>;
  /** When Stripe will try to collect again (Smart Retries); null when it will not. */
  next_payment_attempt: NullableTs;
  attempt_count: Generated<number>;
}

export interface StripeEventsTable {
  id: Generated<string>;
  org_id: string;
  stripe_event_id: string;
  type: string;
  stripe_created: number;
  payload: Json<Record<string, any>>;
  status: Generated<'pending' | 'processing' | 'processed' | 'skipped' | 'failed'>;
  attempts: Generated<number>;
  error: string | null;
  received_at: CreatedAt;
  processed_at: NullableTs;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  claimed_at: NullableTs;
}

export interface OrgEventsTable {
  id: Generated<string>;
  org_id: string;
  type: string;
  customer_external_id: string | null;
  payload: Json<Record<string, unknown>>;
  occurred_at: Ts;
  dedup_key: string;
  created_at: CreatedAt;
  alerts_at: NullableTs;
}

/**
 * The database's tables as Kysely sees them, one file per area: accounts (`schema.accounts.ts`), Stripe data
 * (`schema.stripe.ts`), scores and alerts (`schema.scores.ts`). Everything is re-exported from here.
 */
import type {
  UsersTable,
  SessionsTable,
  OrganizationsTable,
  MembersTable,
  InvitationsTable,
  LoginFailuresTable,
  ApiKeysTable,
  MailOutboxTable,
} from './schema.accounts.js';
import type {
  StripeConnectionsTable,
  OAuthStatesTable,
  SyncRunsTable,
  CustomersTable,
  CustomerScoresTable,
  SubscriptionsTable,
  PaymentsTable,
  StripeCatalogTable,
  RefundsTable,
  DisputesTable,
  SyncSkippedTable,
  InvoicesTable,
  StripeEventsTable,
  OrgEventsTable,
} from './schema.stripe.js';
import type {
  ScoringConfigsTable,
  ScoreHistoryTable,
  MrrHistoryTable,
  AlertRulesTable,
  AlertStatesTable,
  AlertsTable,
  AlertDeliveriesTable,
  NotificationsTable,
  DigestSubscriptionsTable,
} from './schema.scores.js';
import type {
  UsageSettingsTable,
  UsageEventsTable,
  UsageGroupsTable,
  UsageUsersTable,
  UsageDailyTable,
  UsageDailyUsersTable,
  UsageUserDaysTable,
  SupportTicketsTable,
  CsmSentimentsTable,
  CustomerOwnersTable,
  DataImportsTable,
} from './schema.usage.js';
import type { CurrencySettingsTable, ExchangeRatesTable } from './schema.currencies.js';
import type { ReconstructedChurnsTable, ReconstructionRunsTable, ScoreReconstructionsTable } from './schema.backtest.js';

export * from './schema.accounts.js';
export * from './schema.stripe.js';
export * from './schema.scores.js';
export * from './schema.usage.js';
export * from './schema.currencies.js';
export * from './schema.backtest.js';

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  organizations: OrganizationsTable;
  members: MembersTable;
  invitations: InvitationsTable;
  login_failures: LoginFailuresTable;
  api_keys: ApiKeysTable;
  mail_outbox: MailOutboxTable;
  stripe_connections: StripeConnectionsTable;
  oauth_states: OAuthStatesTable;
  sync_runs: SyncRunsTable;
  customers: CustomersTable;
  customer_scores: CustomerScoresTable;
  subscriptions: SubscriptionsTable;
  payments: PaymentsTable;
  invoices: InvoicesTable;
  stripe_catalog: StripeCatalogTable;
  refunds: RefundsTable;
  disputes: DisputesTable;
  sync_skipped: SyncSkippedTable;
  stripe_events: StripeEventsTable;
  org_events: OrgEventsTable;
  scoring_configs: ScoringConfigsTable;
  score_history: ScoreHistoryTable;
  mrr_history: MrrHistoryTable;
  alert_rules: AlertRulesTable;
  alert_states: AlertStatesTable;
  alerts: AlertsTable;
  alert_deliveries: AlertDeliveriesTable;
  notifications: NotificationsTable;
  digest_subscriptions: DigestSubscriptionsTable;
  usage_settings: UsageSettingsTable;
  usage_events: UsageEventsTable;
  usage_groups: UsageGroupsTable;
  usage_users: UsageUsersTable;
  usage_daily: UsageDailyTable;
  usage_daily_users: UsageDailyUsersTable;
  usage_user_days: UsageUserDaysTable;
  support_tickets: SupportTicketsTable;
  csm_sentiments: CsmSentimentsTable;
  customer_owners: CustomerOwnersTable;
  data_imports: DataImportsTable;
  currency_settings: CurrencySettingsTable;
  exchange_rates: ExchangeRatesTable;
  score_reconstructions: ScoreReconstructionsTable;
  reconstructed_churns: ReconstructedChurnsTable;
  reconstruction_runs: ReconstructionRunsTable;
}

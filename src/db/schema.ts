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

export * from './schema.accounts.js';
export * from './schema.stripe.js';
export * from './schema.scores.js';

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
}

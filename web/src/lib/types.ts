import type { z } from 'zod';
import type { historyResponse, notificationsResponse, rulesResponse } from '../../../src/alerts/alerts.schemas';
import type { createdApiKeySchema, apiKeysResponse } from '../../../src/api-keys/api-keys.schemas';
import type { backtestResponse, whatIfResponse } from '../../../src/backtest/backtest.schemas';
import type {
  customerDetail,
  customerListResponse,
  customerVersion,
  scoreHistoryResponse,
  timelineResponse,
} from '../../../src/customers/customers.schemas';
import type { distributionResponse, summaryResponse, trendResponse } from '../../../src/dashboard/dashboard.schemas';
import type { invitationsResponse } from '../../../src/invitations/invitations.schemas';
import type { membersResponse } from '../../../src/members/members.schemas';
import type { meResponse } from '../../../src/organizations/organizations.schemas';
import type { previewResponse, scoringConfigBody } from '../../../src/scoring/scoring.schemas';
import type { stripeIntegrationSchema, syncProgressResponse, syncSchema } from '../../../src/stripe/stripe.schemas';
import type { supportInfo, supportMessageSent } from '../../../src/support/support.schemas';

// The server's own response schemas are the web app's types: a change on one side fails the other's typecheck.

export type Me = z.infer<typeof meResponse>;
export type SyncRun = z.infer<typeof syncSchema>;
export type SyncStep = SyncRun['steps'][number];
export type SyncRetry = NonNullable<SyncRun['retry']>;
export type StripeIntegration = z.infer<typeof stripeIntegrationSchema>;
export type SyncProgress = z.infer<typeof syncProgressResponse>;
export type CustomerList = z.infer<typeof customerListResponse>;
export type CustomerSummary = CustomerList['customers'][number];
export type CustomerDetail = z.infer<typeof customerDetail>;
export type CustomerVersion = z.infer<typeof customerVersion>;
export type LifecycleState = NonNullable<CustomerSummary['state']['value']>;
export type ScoreHistory = z.infer<typeof scoreHistoryResponse>;
export type Timeline = z.infer<typeof timelineResponse>;
export type DashboardSummary = z.infer<typeof summaryResponse>;
export type Distribution = z.infer<typeof distributionResponse>;
export type MrrTrend = z.infer<typeof trendResponse>;
export type ScoringConfig = z.infer<typeof scoringConfigBody>;
export type ScoringPreview = z.infer<typeof previewResponse>;
export type Members = z.infer<typeof membersResponse>;
export type Invitations = z.infer<typeof invitationsResponse>;
export type ApiKeys = z.infer<typeof apiKeysResponse>;
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;
export type RiskLevel = 'green' | 'yellow' | 'red';
export type AlertRules = z.infer<typeof rulesResponse>;
export type AlertRule = AlertRules['rules'][number];
export type AlertHistory = z.infer<typeof historyResponse>;
export type Notifications = z.infer<typeof notificationsResponse>;

export type Support = z.infer<typeof supportInfo>;
export type SupportMessageSent = z.infer<typeof supportMessageSent>;

// The backtest (Settings → Scoring): the reconstructed score history measured against the customers who churned.
export type Backtest = z.infer<typeof backtestResponse>;
export type BacktestWhatIf = z.infer<typeof whatIfResponse>;
export type BacktestResult = NonNullable<Backtest['result']>;
export type BacktestKind = BacktestResult['all'];
export type BacktestFlag = BacktestKind['red'];
export type BacktestRate = BacktestKind['baseRate'];
export type BacktestChurn = Backtest['churns'][number];
export type ScoreHistoryEntry = ScoreHistory['history'][number];

import type { ColumnType, CreatedAt, Generated, Json, NullableTs, Ts } from './schema.columns.js';

/** Product usage (Segment-compatible events and their rollups), support tickets, CSM sentiment. */
export type MatchBy = 'trait' | 'metadata' | 'email_domain';
export type MatchedBy = MatchBy | 'manual' | 'group';

export interface UsageSettingsTable {
  org_id: string;
  match_by: ColumnType<MatchBy, MatchBy | undefined, MatchBy>;
  metadata_key: string | null;
  raw_retention_days: ColumnType<number, number | undefined, number>;
  sentiment_days: ColumnType<number, number | undefined, number>;
  updated_by: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface UsageEventsTable {
  id: Generated<string>;
  org_id: string;
  message_id: string;
  type: 'identify' | 'track' | 'group' | 'page' | 'screen';
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  group_id: string | null;
  customer_id: string | null;
  /** 0 waiting for the rollup, 1 rolled up, 2 matched to no customer yet. */
  state: ColumnType<number, number | undefined, number>;
  occurred_at: Ts;
  received_at: CreatedAt;
  payload: Json<Record<string, unknown>>;
}

interface SeenIdentity {
  org_id: string;
  customer_id: string | null;
  traits: Json<Record<string, unknown>>;
  events: ColumnType<string, number | undefined, number>;
  first_seen_at: CreatedAt;
  last_seen_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface UsageGroupsTable extends SeenIdentity {
  group_id: string;
  matched_by: Exclude<MatchedBy, 'group'> | null;
}

export interface UsageUsersTable extends SeenIdentity {
  user_key: string;
  group_id: string | null;
  email: string | null;
  matched_by: MatchedBy | null;
}

export interface UsageDailyTable {
  org_id: string;
  customer_id: string;
  day: ColumnType<Date, string, string>;
  event: string;
  events: number;
}

export interface UsageDailyUsersTable {
  org_id: string;
  customer_id: string;
  day: ColumnType<Date, string, string>;
  users: number;
  events: number;
}

export interface UsageUserDaysTable {
  customer_id: string;
  day: ColumnType<Date, string, string>;
  user_key: string;
}

export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';

export interface SupportTicketsTable {
  id: Generated<string>;
  org_id: string;
  external_id: string;
  customer_id: string | null;
  group_id: string | null;
  user_key: string | null;
  subject: string | null;
  priority: TicketPriority;
  status: 'open' | 'solved';
  opened_at: Ts;
  solved_at: NullableTs;
  /** 0 (bad) … 1 (good). */
  satisfaction: number | null;
  source: 'segment' | 'api' | 'csv';
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CsmSentimentsTable {
  id: Generated<string>;
  org_id: string;
  customer_id: string;
  rating: number;
  note: string;
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Ts;
}

export interface CustomerOwnersTable {
  customer_id: string;
  org_id: string;
  user_id: string;
  assigned_by: string | null;
  assigned_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface DataImportsTable {
  id: Generated<string>;
  org_id: string;
  kind: 'usage' | 'tickets';
  filename: string | null;
  status: 'imported' | 'rejected';
  rows: number;
  errors: Json<{ row: number; column: string; value: string; message: string }[]>;
  created_by: string | null;
  created_at: CreatedAt;
}

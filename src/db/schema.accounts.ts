import type { ColumnType, CreatedAt, Generated, NullableTimestamp, Timestamp } from './schema.columns.js';

/** Accounts, organizations, members, invitations, API keys and mail. */
export type Role = 'owner' | 'admin' | 'member';

export interface UsersTable {
  id: string;
  name: string;
  email: string;
  email_verified: Generated<boolean>;
  image: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  expires_at: Timestamp;
  token: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
  ip_address: string | null;
  user_agent: string | null;
  user_id: string;
  active_organization_id: string | null;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  slug: string;
  logo: string | null;
  metadata: string | null;
  created_at: CreatedAt;
}

export interface MembersTable {
  id: string;
  org_id: string;
  user_id: string;
  role: Role;
  created_at: CreatedAt;
}

export type InvitationStatus = 'pending' | 'accepted' | 'rejected' | 'canceled';

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  expires_at: Timestamp;
  created_at: CreatedAt;
  inviter_id: string;
  /** SHA-256 of the emailed token (null for invitations made before tokens). */
  token_hash: string | null;
  /** The token, sealed, so that admins can copy the link again. */
  token_enc: string | null;
}

export interface LoginFailuresTable {
  email: string;
  failures: number;
  first_failed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  locked_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ApiKeysTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  role: Exclude<Role, 'owner'>;
  prefix: string;
  key_hash: string;
  created_by: string | null;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export type MailStatus = 'queued' | 'sent' | 'logged' | 'failed';

export interface MailOutboxTable {
  id: Generated<string>;
  org_id: string | null;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: Generated<MailStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: NullableTimestamp;
}

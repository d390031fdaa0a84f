import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export function createConnectionsRepo(db: Kysely<Database>) {
  return {
    find(orgId: string) {
      return db.selectFrom('stripe_connections').selectAll().where('org_id', '=', orgId).executeTakeFirst();
    },
    /** Connected organizations of a Stripe account: one account may be connected to several organizations. */
    findConnectedByAccount(accountId: string) {
      return db
        .selectFrom('stripe_connections')
        .select(['org_id', 'stripe_account_id'])
        .where('stripe_account_id', '=', accountId)
        .where('status', '=', 'connected')
        .execute();
    },
    findByWebhookToken(token: string) {
      return db.selectFrom('stripe_connections').selectAll().where('webhook_token', '=', token).executeTakeFirst();
    },
    async save(input: {
      orgId: string;
      accountId: string;
      livemode: boolean;
      scope: string;
      accessTokenEnc: string;
      refreshTokenEnc: string | null;
      webhookToken: string;
      userId: string;
    }): Promise<void> {
      await db
        .insertInto('stripe_connections')
        .values({
          org_id: input.orgId,
          stripe_account_id: input.accountId,
          livemode: input.livemode,
          scope: input.scope,
          status: 'connected',
          access_token_enc: input.accessTokenEnc,
          refresh_token_enc: input.refreshTokenEnc,
          webhook_token: input.webhookToken,
          connected_by: input.userId,
        })
        .onConflict((oc) =>
          oc.column('org_id').doUpdateSet({
            stripe_account_id: input.accountId,
            livemode: input.livemode,
            scope: input.scope,
            status: 'connected',
            access_token_enc: input.accessTokenEnc,
            refresh_token_enc: input.refreshTokenEnc,
            connected_by: input.userId,
            connected_at: sql`now()`,
            disconnected_at: null,
            disconnect_reason: null,
            disconnected_by: null,
            updated_at: sql`now()`,
          }),
        )
        .execute();
    },
    async markDisconnected(orgId: string, reason: string, userId: string | null): Promise<void> {
      await db
        .updateTable('stripe_connections')
        .set({
          status: 'disconnected',
          disconnected_at: sql`now()`,
          disconnect_reason: reason,
          disconnected_by: userId,
          access_token_enc: null,
          refresh_token_enc: null,
          updated_at: sql`now()`,
        })
        .where('org_id', '=', orgId)
        .where('status', '=', 'connected')
        .execute();
    },
    async setWebhookSecret(orgId: string, sealed: string | null): Promise<boolean> {
      const res = await db
        .updateTable('stripe_connections')
        .set({ webhook_secret_enc: sealed, updated_at: sql`now()` })
        .where('org_id', '=', orgId)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}

export function createOAuthStatesRepo(db: Kysely<Database>) {
  return {
    async create(input: { id: string; orgId: string; userId: string; expiresAt: Date }): Promise<void> {
      await db
        .insertInto('oauth_states')
        .values({ id: input.id, org_id: input.orgId, user_id: input.userId, expires_at: input.expiresAt })
        .execute();
    },
    /** Marks the state used and returns it, once: a second call (a replay) finds nothing. */
    consume(id: string) {
      return db
        .updateTable('oauth_states')
        .set({ used_at: sql`now()` })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .returning(['id', 'org_id', 'user_id', 'expires_at'])
        .executeTakeFirst();
    },
    async purgeExpired(): Promise<void> {
      await db
        .deleteFrom('oauth_states')
        .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
        .execute();
    },
  };
}

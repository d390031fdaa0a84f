import { type Kysely, sql } from 'kysely';
import { forbidden, notFound } from '../core/errors.js';
import { atLeast, type OrgContext, requireRole } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { createUsageRepo } from '../usage/usage.repo.js';
import { sentimentExpiredJob } from './sentiment.jobs.js';

const DAY_MS = 86_400_000;

export interface SentimentDeps {
  db: Kysely<Database>;
  now?: () => number;
  /** The customer's sentiment changed: re-score it. */
  onCustomerChanged?: (orgId: string, customerId: string) => Promise<void>;
}

/** The team's own judgment of a customer: a 1–5 sentiment with a note, which counts until it expires. */
export function createSentimentService(deps: SentimentDeps) {
  const { db } = deps;
  const clock = deps.now ?? Date.now;

  async function owner(orgId: string, customerId: string) {
    const exists = await db
      .selectFrom('customers')
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', '=', customerId)
      .executeTakeFirst();
    if (!exists) throw notFound('Customer');
    const row = await db
      .selectFrom('customer_owners as o')
      .innerJoin('users as u', 'u.id', 'o.user_id')
      .innerJoin('members as m', (j) => j.onRef('m.user_id', '=', 'o.user_id').onRef('m.org_id', '=', 'o.org_id'))
      .select(['u.id', 'u.name', 'u.email'])
      .where('o.org_id', '=', orgId)
      .where('o.customer_id', '=', customerId)
      .executeTakeFirst();
    return row ? { userId: row.id, name: row.name, email: row.email } : null;
  }

  const mayRecord = (ctx: OrgContext, ownerId: string | null) =>
    atLeast(ctx.role, 'admin') || (ctx.userId !== null && ctx.userId === ownerId);

  async function get(ctx: OrgContext, customerId: string) {
    const own = await owner(ctx.orgId, customerId);
    const now = clock();
    const rows = await sql<{
      id: string;
      rating: number;
      note: string;
      created_by: string | null;
      name: string | null;
      created_at: Date;
      expires_at: Date;
    }>`
      select s.id, s.rating, s.note, s.created_by, u.name, s.created_at, s.expires_at
      from csm_sentiments s left join users u on u.id = s.created_by
      where s.org_id = ${ctx.orgId} and s.customer_id = ${customerId}
      order by s.created_at desc limit 20`.execute(db);
    const history = rows.rows.map((r) => ({
      id: r.id,
      rating: r.rating,
      note: r.note,
      by: { userId: r.created_by, name: r.name },
      createdAt: r.created_at.toISOString(),
      expiresAt: r.expires_at.toISOString(),
      expired: r.expires_at.getTime() <= now,
    }));
    const settings = await createUsageRepo(db).settings(ctx.orgId);
    return {
      current: history[0] ?? null,
      history,
      owner: own,
      canRecord: mayRecord(ctx, own?.userId ?? null),
      defaultDays: settings.sentimentDays,
    };
  }

  return {
    get,

    /** Admins and the customer's owner record a sentiment; it is scored at once and again when it expires. */
    async record(ctx: OrgContext, customerId: string, input: { rating: number; note: string; expiresInDays?: number | undefined }) {
      const own = await owner(ctx.orgId, customerId);
      if (!mayRecord(ctx, own?.userId ?? null)) throw forbidden('Only admins and the customer’s owner can record a sentiment.');
      const days = input.expiresInDays ?? (await createUsageRepo(db).settings(ctx.orgId)).sentimentDays;
      const now = clock();
      const expiresAt = new Date(now + days * DAY_MS);
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('csm_sentiments')
          .values({
            org_id: ctx.orgId,
            customer_id: customerId,
            rating: input.rating,
            note: input.note,
            created_by: ctx.userId,
            expires_at: expiresAt,
          })
          .execute();
        await enqueue(trx, sentimentExpiredJob, { orgId: ctx.orgId, customerId }, { runAt: new Date(expiresAt.getTime() + 1000) });
      });
      await deps.onCustomerChanged?.(ctx.orgId, customerId);
      return get(ctx, customerId);
    },

    /** Who owns (manages) a customer (admins); null clears it. The owner must be a member. */
    async setOwner(ctx: OrgContext, customerId: string, userId: string | null) {
      requireRole(ctx, 'admin', 'assign customer owners');
      await owner(ctx.orgId, customerId);
      if (userId === null) {
        await db.deleteFrom('customer_owners').where('org_id', '=', ctx.orgId).where('customer_id', '=', customerId).execute();
      } else {
        const member = await db
          .selectFrom('members')
          .select('user_id')
          .where('org_id', '=', ctx.orgId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (!member) throw notFound('Member');
        await db
          .insertInto('customer_owners')
          .values({ customer_id: customerId, org_id: ctx.orgId, user_id: userId, assigned_by: ctx.userId })
          .onConflict((oc) => oc.column('customer_id').doUpdateSet({ user_id: userId, assigned_by: ctx.userId, assigned_at: new Date() }))
          .execute();
      }
      return get(ctx, customerId);
    },
  };
}

export type SentimentService = ReturnType<typeof createSentimentService>;

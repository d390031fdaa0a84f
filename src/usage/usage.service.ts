import type { Kysely } from 'kysely';
import { AppError, notFound } from '../core/errors.js';
import { type OrgContext, requireRole } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { errorReport } from './csv.js';
import { matchIdentities, reopenWaiting } from './matching.js';
import { type ImportKind, importCsv, importRejected } from './usage.import.js';
import { rollupJob } from './usage.jobs.js';
import { createUsageRepo, type UsageSettings } from './usage.repo.js';

export interface UsageServiceDeps {
  db: Kysely<Database>;
  /** Where Segment clients send to (PulseScore's own host). */
  appUrl: string;
  now?: () => number;
  /** Customers whose usage or tickets changed outside the rollup (imports): re-score them. */
  onCustomersChanged?: (orgId: string, customerIds: string[]) => Promise<void>;
  /** An import brought the organization its first tickets: every customer's support factor changes. */
  onSupportConnected?: (orgId: string) => Promise<void>;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;
const traitText = (traits: Record<string, unknown>, key: string) =>
  typeof traits[key] === 'string' ? (traits[key] as string).slice(0, 200) : null;

/** Settings → Data sources: how events match customers, retention, sentiment expiry, unmatched identities, imports. */
export function createUsageService(deps: UsageServiceDeps) {
  const { db } = deps;
  const repo = createUsageRepo(db);
  const clock = deps.now ?? Date.now;

  async function overview(ctx: OrgContext) {
    const [settings, status] = await Promise.all([repo.settings(ctx.orgId), repo.status(ctx.orgId)]);
    return {
      settings,
      endpoint: { host: deps.appUrl, paths: ['/v1/identify', '/v1/track', '/v1/group', '/v1/batch'] },
      status: {
        rawEvents: status.raw,
        waitingForMatch: status.waiting,
        pendingRollup: status.pending,
        lastEventAt: iso(status.last),
        groups: status.groups,
        unmatchedGroups: status.unmatched_groups,
        users: status.users,
        unmatchedUsers: status.unmatched_users,
        customersWithUsage: status.customers,
        tickets: status.tickets,
      },
    };
  }

  return {
    overview,

    /** Saves the settings (admins); a new matching rule re-matches every group and user not mapped by hand. */
    async putSettings(ctx: OrgContext, input: UsageSettings) {
      requireRole(ctx, 'admin', 'change data source settings');
      if (input.matchBy === 'metadata' && !input.metadataKey) {
        throw new AppError(422, 'metadata_key_required', 'metadataKey: name the Stripe metadata key that holds the group id.');
      }
      const before = await repo.settings(ctx.orgId);
      const settings = { ...input, metadataKey: input.matchBy === 'metadata' ? input.metadataKey : null };
      const ticketCustomers = await db.transaction().execute(async (trx) => {
        await createUsageRepo(trx).saveSettings(ctx.orgId, settings, ctx.userId);
        if (before.matchBy === settings.matchBy && before.metadataKey === settings.metadataKey) return [];
        const { groups, users } = await createUsageRepo(trx).autoIdentities(ctx.orgId);
        const matched = await matchIdentities(trx, ctx.orgId, settings, groups, users);
        await enqueue(trx, rollupJob, {});
        return matched.ticketCustomers;
      });
      if (ticketCustomers.length > 0) await deps.onCustomersChanged?.(ctx.orgId, ticketCustomers);
      return overview(ctx);
    },

    async unmatched(ctx: OrgContext, limit: number) {
      const [groups, users] = await Promise.all([repo.unmatchedGroups(ctx.orgId, limit), repo.unmatchedUsers(ctx.orgId, limit)]);
      return {
        groups: groups.map((g) => ({
          groupId: g.group_id,
          name: traitText(g.traits, 'name'),
          stripeCustomerId: traitText(g.traits, 'stripe_customer_id'),
          email: traitText(g.traits, 'email') ?? traitText(g.traits, 'website'),
          events: Number(g.events),
          firstSeenAt: g.first_seen_at.toISOString(),
          lastSeenAt: g.last_seen_at.toISOString(),
        })),
        users: users.map((u) => ({
          userKey: u.user_key,
          groupId: u.group_id,
          email: u.email,
          name: traitText(u.traits, 'name'),
          events: Number(u.events),
          firstSeenAt: u.first_seen_at.toISOString(),
          lastSeenAt: u.last_seen_at.toISOString(),
        })),
      };
    },

    /** Maps a group or user to a customer by hand (admins); `null` clears a manual mapping. Waiting events follow. */
    async map(ctx: OrgContext, kind: 'group' | 'user', key: string, customerId: string | null) {
      requireRole(ctx, 'admin', 'map usage data to customers');
      if (customerId !== null && !(await repo.customerExists(ctx.orgId, customerId))) throw notFound('Customer');
      // Tickets move at once (their events are not waiting ones): those customers are re-scored after the commit.
      const ticketCustomers = await db.transaction().execute(async (trx) => {
        const r = createUsageRepo(trx);
        const found = kind === 'group' ? await r.mapGroup(ctx.orgId, key, customerId) : await r.mapUser(ctx.orgId, key, customerId);
        if (!found) throw notFound(kind === 'group' ? 'Group' : 'User');
        if (customerId === null) {
          // Back to the automatic rule.
          const all = await r.autoIdentities(ctx.orgId);
          const matched = await matchIdentities(
            trx,
            ctx.orgId,
            await r.settings(ctx.orgId),
            all.groups.filter((g) => kind === 'group' && g.group_id === key),
            all.users.filter((u) => (kind === 'user' ? u.user_key === key : u.group_id === key)),
          );
          await enqueue(trx, rollupJob, {});
          return matched.ticketCustomers;
        }
        // The group's users follow it (unless mapped by hand), and so do their waiting events.
        const followers =
          kind === 'group'
            ? await trx
                .updateTable('usage_users')
                .set({ customer_id: customerId, matched_by: 'group' })
                .where('org_id', '=', ctx.orgId)
                .where('group_id', '=', key)
                .where((eb) => eb.or([eb('matched_by', 'is', null), eb('matched_by', '!=', 'manual')]))
                .returning('user_key')
                .execute()
            : [];
        const moved = await reopenWaiting(
          trx,
          ctx.orgId,
          kind === 'group' ? { groups: [key], users: followers.map((f) => f.user_key) } : { groups: [], users: [key] },
        );
        await enqueue(trx, rollupJob, {});
        return moved;
      });
      if (ticketCustomers.length > 0) await deps.onCustomersChanged?.(ctx.orgId, ticketCustomers);
      return { kind, key, customerId };
    },

    /** A CSV backfill (admins): all rows or none; a rejected file's errors stay downloadable. */
    async importFile(ctx: OrgContext, kind: ImportKind, input: { csv: string; filename?: string | undefined }) {
      requireRole(ctx, 'admin', 'import data');
      const result = await importCsv(db, ctx.orgId, ctx.userId, kind, input, new Date(clock()));
      if (result.status === 'rejected') throw importRejected(result);
      if (result.supportConnected && deps.onSupportConnected) await deps.onSupportConnected(ctx.orgId);
      else if (result.customers.length > 0) await deps.onCustomersChanged?.(ctx.orgId, result.customers);
      return { id: result.id, kind, status: result.status, rows: result.rows, customers: result.customers.length };
    },

    async imports(ctx: OrgContext) {
      const rows = await db
        .selectFrom('data_imports')
        .select([
          'id',
          'kind',
          'filename',
          'status',
          'rows',
          'created_at',
          (eb) => eb.fn<number>('jsonb_array_length', ['errors']).as('errors'),
        ])
        .where('org_id', '=', ctx.orgId)
        .orderBy('created_at', 'desc')
        .limit(20)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        filename: r.filename,
        status: r.status,
        rows: r.rows,
        errorCount: Number(r.errors),
        createdAt: r.created_at.toISOString(),
        errorReportUrl: Number(r.errors) > 0 ? `/api/v1/data-sources/imports/${r.id}/errors.csv` : null,
      }));
    },

    async errorReport(ctx: OrgContext, id: string): Promise<string> {
      const row = await db
        .selectFrom('data_imports')
        .select('errors')
        .where('org_id', '=', ctx.orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw notFound('Import');
      return errorReport(row.errors);
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;

import { type Kysely, sql } from 'kysely';
import type { AppLogger } from '../core/logger.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { isTicketEvent, type TicketPatch, ticketFromEvent } from '../tickets/ticket-convention.js';
import { upsertTickets } from '../tickets/tickets.repo.js';
import { upsertIdentities } from './rollup.identities.js';
import { type ClaimedEvent, claimPending, customersOfEvents, rollUpEvents } from './rollup.repo.js';
import { rollupJob } from './usage.jobs.js';

/** Events claimed per transaction. */
const CHUNK = 10_000;
/** Who was active on a day is kept this long, to count distinct users as late events arrive. */
const USER_DAYS_KEPT = 14;

export interface RollupDeps {
  db: Kysely<Database>;
  logger: AppLogger;
  /** Called once a drain is done, with the customers whose rollups or tickets changed (to re-score them). */
  onRolledUp?: (orgId: string, customerIds: string[]) => Promise<void>;
  /** Called instead when a drain brought an organization its first support ticket (every customer's score changes). */
  onSupportConnected?: (orgId: string) => Promise<void>;
}

export function createRollupService(deps: RollupDeps) {
  const { db, logger } = deps;

  /**
   * The tickets that ticket events of a chunk open or solve (with the customer each event belongs to); true when
   * they are the organization's first.
   */
  async function tickets(trx: Kysely<Database>, orgId: string, events: ClaimedEvent[]): Promise<boolean> {
    const ticketEvents = events.filter((e) => e.type === 'track' && isTicketEvent(e.event));
    if (ticketEvents.length === 0) return false;
    const customers = await customersOfEvents(
      trx,
      orgId,
      ticketEvents.map((e) => e.id),
    );
    const patches: TicketPatch[] = [];
    for (const e of ticketEvents) {
      const t = ticketFromEvent({
        event: e.event,
        messageId: e.message_id!,
        properties: e.properties,
        occurredAt: e.occurred_at.toISOString(),
        customerId: customers.get(e.id) ?? null,
        groupId: e.group_id,
        userKey: e.user_key,
      });
      if (t) patches.push(t);
    }
    return (await upsertTickets(trx, orgId, patches, 'segment')).firstOfOrganization;
  }

  /** One chunk of pending events, in one transaction; returns how many were claimed. */
  async function rollupChunk(touched: Map<string, Set<string>>, connected: Set<string>): Promise<number> {
    const today = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000);
    return db.transaction().execute(async (trx) => {
      const events = await claimPending(trx, CHUNK);
      const byOrg = new Map<string, ClaimedEvent[]>();
      for (const e of events) {
        const list = byOrg.get(e.org_id);
        if (list) list.push(e);
        else byOrg.set(e.org_id, [e]);
      }
      for (const [orgId, list] of byOrg) {
        // Identities first (upserted and matched), so that the rollup statement finds every event's customer.
        const moved = await upsertIdentities(trx, orgId, list);
        if (await tickets(trx, orgId, list)) connected.add(orgId);
        const changed = touched.get(orgId) ?? new Set<string>();
        touched.set(orgId, changed);
        for (const id of moved) changed.add(id);
        const ids = list.map((e) => e.id);
        for (const id of await rollUpEvents(trx, orgId, ids, today)) changed.add(id);
      }
      return events.length;
    });
  }

  return {
    /** Rolls up every pending event, then has the customers whose rollups changed re-scored. */
    async drain(signal?: AbortSignal): Promise<number> {
      const touched = new Map<string, Set<string>>();
      const connected = new Set<string>();
      let total = 0;
      for (;;) {
        const n = await rollupChunk(touched, connected);
        total += n;
        if (n < CHUNK || signal?.aborted) break;
      }
      if (signal?.aborted) await enqueue(db, rollupJob, {});
      for (const [orgId, ids] of touched) {
        if (connected.has(orgId) && deps.onSupportConnected) await deps.onSupportConnected(orgId);
        else if (ids.size > 0) await deps.onRolledUp?.(orgId, [...ids]);
      }
      if (total > 0) logger.debug({ events: total }, 'usage events rolled up');
      return total;
    },

    /** Safety net: events stored but never rolled up (the job was lost) get a rollup job. */
    async recover(): Promise<void> {
      const row = await sql<{ id: string }>`
        select id from usage_events where state = 0 and received_at < now() - interval '5 seconds' limit 1`.execute(db);
      if (row.rows.length > 0) await enqueue(db, rollupJob, {});
    },

    /** Deletes raw events past each organization's retention period, and day-user sets past their use. */
    async purge(now = new Date()): Promise<{ events: number }> {
      const events = await sql`
        delete from usage_events e using (
          select o.id as org_id, coalesce(s.raw_retention_days, 30) as days
          from organizations o left join usage_settings s on s.org_id = o.id
        ) r
        where e.org_id = r.org_id and e.received_at < ${now}::timestamptz - make_interval(days => r.days) and e.state <> 0`.execute(db);
      await sql`delete from usage_user_days where day < (${now}::timestamptz - make_interval(days => ${USER_DAYS_KEPT}))::date`.execute(db);
      const deleted = Number(events.numAffectedRows ?? 0);
      logger.info({ events: deleted }, 'raw usage events past retention deleted');
      return { events: deleted };
    },
  };
}

export type RollupService = ReturnType<typeof createRollupService>;

import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export interface IncomingEvent {
  /** Connect events: attributed to every organization connected to this account… */
  account: string | null;
  /** …events of an account-level endpoint: to that connection only. */
  connectionId: string | null;
  id: string;
  type: string;
  created: number;
  /** The raw JSON, exactly as signed. */
  payload: string;
}

export interface StoreOutcome {
  /** Connected organizations the event belongs to. */
  orgs: number;
  /** Rows stored now (0 for a redelivery). */
  stored: number;
}

interface Waiting {
  event: IncomingEvent;
  resolve: (outcome: StoreOutcome) => void;
  reject: (err: unknown) => void;
}

/**
 * Stores webhook events from concurrent requests together: what arrives within `maxDelayMs` is attributed and
 * inserted in one statement (one commit), and each request is answered once its event is durably stored.
 */
export function createEventStore(db: Kysely<Database>, options: { maxDelayMs?: number; maxBatch?: number } = {}) {
  const maxDelayMs = options.maxDelayMs ?? 2;
  const maxBatch = options.maxBatch ?? 100;
  let queue: Waiting[] = [];
  let timer: NodeJS.Timeout | null = null;

  async function write(batch: Waiting[]): Promise<void> {
    try {
      const values = sql.join(
        batch.map(
          ({ event: e }, i) =>
            sql`(${i}::int, ${e.account}::text, ${e.connectionId}::uuid, ${e.id}::text, ${e.type}::text, ${e.created}::bigint, ${e.payload}::jsonb)`,
        ),
      );
      const result = await sql<{ i: number; orgs: number; stored: number }>`
        with input (i, account, connection_id, event_id, type, created, payload) as (values ${values}),
        matched as (
          select input.i, c.org_id from input
          join stripe_connections c on c.status = 'connected' and (c.stripe_account_id = input.account or c.id = input.connection_id)
        ),
        stored as (
          insert into stripe_events (org_id, stripe_event_id, type, stripe_created, payload)
          select m.org_id, input.event_id, input.type, input.created, input.payload from matched m join input using (i)
          on conflict (org_id, stripe_event_id) do nothing
          returning org_id, stripe_event_id
        )
        select input.i,
          (select count(*) from matched m where m.i = input.i)::int as orgs,
          (select count(*) from stored s join matched m on m.org_id = s.org_id and m.i = input.i where s.stripe_event_id = input.event_id)::int as stored
        from input`.execute(db);
      for (const row of result.rows) batch[row.i]!.resolve({ orgs: row.orgs, stored: row.stored });
    } catch (err) {
      // One bad event fails alone: the batch is stored again event by event, so that only the request whose
      // event cannot be stored gets the error (when the database itself is away, each fails the same way).
      if (batch.length > 1) {
        await Promise.all(batch.map((w) => write([w])));
        return;
      }
      for (const w of batch) w.reject(err);
    }
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = queue;
    queue = [];
    if (batch.length > 0) void write(batch);
  }

  return {
    store(event: IncomingEvent): Promise<StoreOutcome> {
      return new Promise<StoreOutcome>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        if (queue.length >= maxBatch) flush();
        else timer ??= setTimeout(flush, maxDelayMs);
      });
    },
  };
}

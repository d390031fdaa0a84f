import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { AppError } from '../core/errors.js';
import { type ApiKeysService, hashApiKey } from '../api-keys/api-keys.service.js';
import type { Database } from '../db/schema.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { type MessageError, type NormalizedMessage, normalizeMessage } from './segment.schemas.js';
import { rollupJob } from './usage.jobs.js';

const ROLLUP_REQUEST_MS = 250;
/** How long a write key found valid is trusted without looking it up again (see `organizationOf`). */
export const WRITE_KEY_CACHE_MS = 5_000;
const WRITE_KEY_CACHE_SIZE = 1_000;

export interface IngestDeps {
  db: Kysely<Database>;
  apiKeys: Pick<ApiKeysService, 'authenticate'>;
  now?: () => number;
}

const invalidWriteKey = () =>
  new AppError(
    401,
    'invalid_write_key',
    'Send an organization API key as the write key: HTTP basic authentication with the key as the user name and no password.',
  );

/** The write key of a request: basic auth (Segment's way: the key as user name), a bearer API key, or `writeKey` in the body. */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | null {
  if (authorization) {
    const [scheme, value] = authorization.trim().split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return (colon === -1 ? decoded : decoded.slice(0, colon)) || null;
    }
    if (scheme?.toLowerCase() === 'bearer' && value) return value;
    return null;
  }
  const key = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof key === 'string' && key.length > 0 ? key : null;
}

export interface BatchOutcome {
  stored: number;
  duplicates: number;
  rejected: { index: number; messageId: string | null; code: string; message: string }[];
}

/**
 * Segment-compatible intake: each message is checked on its own, the good ones are stored in one statement
 * (deduplicated by organization and messageId) before the answer goes out, then the rollup is asked for.
 */
export function createIngestService(deps: IngestDeps) {
  const { db } = deps;
  const clock = deps.now ?? Date.now;
  let lastRollupRequest = 0;
  let deferred: NodeJS.Timeout | null = null;
  function requestRollup(): void {
    const wait = lastRollupRequest + ROLLUP_REQUEST_MS - clock();
    if (wait <= 0) {
      lastRollupRequest = clock();
      // Not awaited: the events are stored (and acknowledged) either way, and the request for their rollup is only
      // a wake-up: the workers' periodic check (`recover`) queues it for events left pending. Awaited, it put the
      // job queue’s round trip (10–30 ms measured while a drain runs) on one batch request in fifteen, the slow tail of intake.
      enqueue(db, rollupJob, {}).catch(() => undefined);
    } else {
      // Within the quarter second: one request when it is over (a drain running now may have claimed its chunk already).
      deferred ??= setTimeout(() => {
        deferred = null;
        lastRollupRequest = clock();
        enqueue(db, rollupJob, {}).catch(() => undefined);
      }, wait);
      deferred.unref();
    }
  }

  // Write keys recently found valid, by their hash, for WRITE_KEY_CACHE_MS: a Segment client sends dozens of
  // batches a second with the same key, and looking it up (with its creator's membership) for each one was a
  // query per request. Only successes are kept, so a new key works at once; a revoked key, or one whose creator
  // left, stops working here within WRITE_KEY_CACHE_MS (a few seconds), since the entry is then looked up again.
  const writeKeys = new Map<string, { orgId: string; until: number }>();
  async function organizationOf(authorization: string | undefined, body: unknown): Promise<string> {
    const key = writeKeyOf(authorization, body);
    if (!key) throw invalidWriteKey();
    const hash = hashApiKey(key);
    const cached = writeKeys.get(hash);
    if (cached && cached.until > clock()) return cached.orgId;
    const found = await deps.apiKeys.authenticate(key);
    if (!found) {
      writeKeys.delete(hash);
      throw invalidWriteKey();
    }
    // Bounded: a flood of distinct valid keys cannot grow the map without limit.
    if (writeKeys.size >= WRITE_KEY_CACHE_SIZE) writeKeys.clear();
    writeKeys.set(hash, { orgId: found.orgId, until: clock() + WRITE_KEY_CACHE_MS });
    return found.orgId;
  }

  /** Stores messages; answers the messageIds that were new. */
  async function store(orgId: string, messages: NormalizedMessage[]): Promise<Set<string>> {
    if (messages.length === 0) return new Set();
    const rows = messages.map((m) => ({
      message_id: m.messageId,
      type: m.type,
      event: m.event,
      user_id: m.userId,
      anonymous_id: m.anonymousId,
      group_id: m.groupId,
      occurred_at: m.occurredAt,
      payload: m.payload,
    }));
    const result = await sql<{ stored: string[] | null }>`
      with ins as (
        insert into usage_events (org_id, message_id, type, event, user_id, anonymous_id, group_id, occurred_at, payload)
        select ${orgId}, x.message_id, x.type, x.event, x.user_id, x.anonymous_id, x.group_id, x.occurred_at, x.payload
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(
          message_id text, type text, event text, user_id text, anonymous_id text, group_id text, occurred_at timestamptz, payload jsonb)
        on conflict (org_id, message_id) do nothing
        returning message_id
      )
      select array_agg(message_id) as stored from ins`.execute(db);
    const stored = new Set(result.rows[0]?.stored ?? []);
    // The rollup drains everything pending, so one request for it a quarter second is enough (asking on every
    // request would have them all update the one job row); the workers' periodic check (`recover`) stands behind it.
    if (stored.size > 0) requestRollup();
    return stored;
  }

  function check(raw: unknown, type: string | undefined, now: Date) {
    return normalizeMessage(raw, type, now, () => `pulsescore-${randomUUID()}`);
  }

  return {
    organizationOf,

    /** One message of a given type (`/v1/identify`, `/v1/track`, …): a bad one is a 400. */
    async ingestOne(orgId: string, type: string, raw: unknown): Promise<{ duplicate: boolean }> {
      const checked = check(raw, type, new Date(clock()));
      if (!checked.ok) throw new AppError(400, checked.error.code, checked.error.message);
      const stored = await store(orgId, [checked.message]);
      return { duplicate: !stored.has(checked.message.messageId) };
    },

    /** A batch: good messages are stored, bad ones are reported by index and fail alone. */
    async ingestBatch(orgId: string, batch: unknown[], envelope: { context?: Record<string, unknown> | undefined }): Promise<BatchOutcome> {
      const now = new Date(clock());
      const good: NormalizedMessage[] = [];
      const seen = new Set<string>();
      const rejected: BatchOutcome['rejected'] = [];
      let repeated = 0;
      batch.forEach((raw, index) => {
        // The batch's own context applies to messages without one.
        const withContext =
          envelope.context && raw && typeof raw === 'object' && !('context' in raw) ? { ...raw, context: envelope.context } : raw;
        const checked = check(withContext, undefined, now);
        if (!checked.ok) {
          const messageId = (raw as { messageId?: unknown } | null)?.messageId;
          const error: MessageError = checked.error;
          rejected.push({ index, messageId: typeof messageId === 'string' ? messageId : null, ...error });
        } else if (seen.has(checked.message.messageId)) {
          repeated++;
        } else {
          seen.add(checked.message.messageId);
          good.push(checked.message);
        }
      });
      const stored = await store(orgId, good);
      return { stored: stored.size, duplicates: repeated + good.length - stored.size, rejected };
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;

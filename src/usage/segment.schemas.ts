import { z } from 'zod';

/**
 * Segment's HTTP tracking API (identify, track, group, page, screen and batch), as its own clients and
 * RudderStack's send it. Messages are loose objects: fields PulseScore does not use (`context`, `integrations`,
 * `_metadata`, …) are accepted and kept. Each message of a batch is checked on its own, so one bad event fails alone.
 */

/** Segment's own limits: 32 KB per message, 500 KB per batch request. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 512 * 1024;
export const MESSAGE_TYPES = ['identify', 'track', 'group', 'page', 'screen'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

const id = z.union([z.string().min(1).max(255), z.number()]);
const stamp = z.iso.datetime({ offset: true, local: true, message: 'must be an ISO 8601 date and time' });
const dict = z.record(z.string(), z.unknown());
const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);

const common = {
  messageId: z.string().min(1).max(255).optional().describe('Deduplication key: a message sent twice is stored once'),
  userId: id.nullish(),
  anonymousId: id.nullish(),
  timestamp: stamp.optional().describe('When it happened (ISO 8601, after 2000-01-01); defaults to when it was received'),
  sentAt: stamp.optional(),
  originalTimestamp: stamp.optional(),
  context: dict.optional(),
  integrations: dict.optional(),
};

export const identifyMessage = z.looseObject({ ...common, type: z.literal('identify').optional(), traits: dict.optional() });
export const trackMessage = z.looseObject({
  ...common,
  type: z.literal('track').optional(),
  event: z.string().trim().min(1).max(200),
  properties: dict.optional(),
});
export const groupMessage = z.looseObject({ ...common, type: z.literal('group').optional(), groupId: id, traits: dict.optional() });
export const pageMessage = z.looseObject({
  ...common,
  type: z.enum(['page', 'screen']).optional(),
  name: z.string().max(200).optional(),
  properties: dict.optional(),
});

export const SCHEMAS = { identify: identifyMessage, track: trackMessage, group: groupMessage, page: pageMessage, screen: pageMessage };

export const batchBody = z.looseObject({
  batch: z
    .array(dict)
    .min(1, 'must hold at least one message')
    .max(2500)
    .describe('Messages, each with its `type`; each is validated on its own (see `rejected` in the answer)'),
  writeKey: z.string().max(200).optional(),
  sentAt: stamp.optional(),
  context: dict.optional(),
  integrations: dict.optional(),
});

export const acceptedSchema = z
  .object({ success: z.literal(true), duplicate: z.boolean().describe('The messageId was stored before: counted once') })
  .meta({ id: 'SegmentAccepted' });

export const batchAcceptedSchema = z
  .object({
    success: z.literal(true),
    stored: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(z.object({ index: z.number().int(), messageId: z.string().nullable(), code: z.string(), message: z.string() })),
  })
  .meta({ id: 'SegmentBatchAccepted' });

/** A message as stored: what the rollup reads. */
export interface NormalizedMessage {
  messageId: string;
  type: MessageType;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  groupId: string | null;
  occurredAt: string;
  payload: Record<string, unknown>;
}

export interface MessageError {
  code: string;
  message: string;
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** The first text (key or value) holding U+0000, which PostgreSQL cannot store; iterative. */
export function nulPath(value: unknown, root = ''): string | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (k.includes('\u0000')) return `${path}.${k.replaceAll('\u0000', '\\u0000')}`;
        stack.push([child, path ? `${path}.${k}` : k]);
      }
    }
  }
  return null;
}

/**
 * Checks one message (of `type`, or its own `type` in a batch) and brings it to the stored shape; `fallbackId`
 * names a message without a messageId (Segment's clients always set one). Errors are Segment-style: a code and
 * a sentence naming the field.
 */
export function normalizeMessage(
  raw: unknown,
  type: string | undefined,
  now: Date,
  fallbackId: () => string,
): { ok: true; message: NormalizedMessage } | { ok: false; error: MessageError } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, error: { code: 'invalid_message', message: 'a message must be an object' } };
  const kind = type ?? (raw as { type?: unknown }).type;
  if (typeof kind !== 'string' || !(kind in SCHEMAS)) {
    return {
      ok: false,
      error: { code: 'unsupported_type', message: `type must be one of ${MESSAGE_TYPES.join(', ')} (got ${JSON.stringify(kind ?? null)})` },
    };
  }
  const nul = nulPath(raw);
  if (nul !== null)
    return { ok: false, error: { code: 'invalid_text', message: `${nul || 'message'} must not contain the NUL character` } };
  if (JSON.stringify(raw).length > MAX_MESSAGE_BYTES)
    return { ok: false, error: { code: 'message_too_large', message: 'a message must be 32 KB or smaller' } };
  const parsed = SCHEMAS[kind as MessageType].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: { code: 'invalid_message', message: `${issue.path.join('.') || 'message'}: ${issue.message}` } };
  }
  const m = parsed.data as Record<string, unknown> & { context?: Record<string, unknown> };
  const userId = str(m.userId);
  const anonymousId = str(m.anonymousId);
  if (!userId && !anonymousId) return { ok: false, error: { code: 'missing_identifier', message: 'userId or anonymousId is required' } };
  const groupId = str(m.groupId) ?? str(m.context?.groupId);
  const at = typeof m.timestamp === 'string' ? new Date(Date.parse(m.timestamp)) : now;
  // ISO 8601 allows any year (0000 included, which PostgreSQL has not); product usage from before 2000 is a clock error.
  if (Number.isNaN(at.getTime()) || at.getTime() < EARLIEST_EVENT_MS)
    return { ok: false, error: { code: 'invalid_message', message: 'timestamp: must be a date and time after 2000-01-01' } };
  // A clock far in the future is the sender's mistake: the event is counted when it arrived.
  const occurredAt = at.getTime() > now.getTime() + 86_400_000 ? now : at;
  return {
    ok: true,
    message: {
      messageId: typeof m.messageId === 'string' ? m.messageId : fallbackId(),
      type: kind as MessageType,
      event: kind === 'track' ? String(m.event).trim() : kind === 'page' || kind === 'screen' ? (str(m.name) ?? kind) : null,
      userId,
      anonymousId,
      groupId,
      occurredAt: occurredAt.toISOString(),
      payload: { traits: m.traits ?? null, properties: m.properties ?? null, context: m.context ?? null },
    },
  };
}

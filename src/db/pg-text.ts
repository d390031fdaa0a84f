/**
 * PostgreSQL's text and jsonb cannot hold the NUL character (U+0000), which Stripe (and any JSON) can. Text
 * that comes from Stripe keeps everything but that character; text typed by users is refused at the edge
 * instead (see the HTTP layer).
 */
const NUL = '\u0000';

/** `value` with NUL removed from every string in it (object keys included); anything else is returned as is. */
export function stripNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes(NUL) ? value.replaceAll(NUL, '') : value) as T;
  if (Array.isArray(value)) return value.map(stripNul) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  // Defined, not assigned: a key named `__proto__` (valid JSON) stays a key instead of replacing the prototype.
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, stripNul(k), { value: stripNul(v), enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}

/** Raw JSON text made storable in jsonb: unchanged unless it holds an escaped NUL (`\u0000`). */
export function storableJson(raw: string): string {
  // Cheap test first: almost no payload has one, and re-serialising every event would cost the hot path.
  if (!raw.includes('\\u0000')) return raw;
  return JSON.stringify(stripNul(JSON.parse(raw)));
}

import { invalidParam, missingResource } from './errors.js';
import type { FormValue } from './form.js';
import type { StripeObject } from './state.js';

export type Params = Record<string, FormValue>;

const str = (v: FormValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function parseInteger(param: string, v: FormValue | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw invalidParam(param, `Invalid integer: ${typeof v === 'string' ? v : 'object'}`);
  return Number(v);
}

/** First index in [0, n) where a monotone (false… then true…) predicate holds; n when it never does. */
function firstTrue(n: number, pred: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The part of a newest-first list inside a `created` filter. Lists are sorted by `created`, so the filter is
 * a contiguous slice, found by binary search instead of a scan.
 */
export function createdRange(items: StripeObject[], value: FormValue | undefined): StripeObject[] {
  if (value === undefined) return items;
  createdFilter(value); // validates
  const b = typeof value === 'string' ? { gte: value, lte: value } : (value as Record<string, string | undefined>);
  const upper = (c: number) => (b.lt === undefined || c < Number(b.lt)) && (b.lte === undefined || c <= Number(b.lte));
  const lower = (c: number) => (b.gt === undefined || c > Number(b.gt)) && (b.gte === undefined || c >= Number(b.gte));
  const start = firstTrue(items.length, (i) => upper(items[i]!.created));
  const end = firstTrue(items.length, (i) => !lower(items[i]!.created));
  return items.slice(start, Math.max(start, end));
}

/** `created=123` or `created[gt|gte|lt|lte]=123`. */
export function createdFilter(value: FormValue | undefined): (o: StripeObject) => boolean {
  if (value === undefined) return () => true;
  if (typeof value === 'string') {
    const exact = parseInteger('created', value)!;
    return (o) => o.created === exact;
  }
  if (Array.isArray(value)) throw invalidParam('created', 'Invalid created filter');
  const bounds: [string, (a: number, b: number) => boolean][] = [
    ['gt', (a, b) => a > b],
    ['gte', (a, b) => a >= b],
    ['lt', (a, b) => a < b],
    ['lte', (a, b) => a <= b],
  ];
  for (const k of Object.keys(value))
    if (!bounds.some(([b]) => b === k)) throw invalidParam(`created[${k}]`, `Received unknown parameter: created[${k}]`);
  const checks = bounds
    .filter(([k]) => value[k] !== undefined)
    .map(([k, cmp]) => {
      const bound = parseInteger(`created[${k}]`, value[k])!;
      return (o: StripeObject) => cmp(o.created, bound);
    });
  return (o) => checks.every((c) => c(o));
}

/**
 * Stripe's cursor pagination over a newest-first list: `limit` (1–100, default 10), `starting_after`,
 * `ending_before`, `has_more`.
 */
export function paginate(
  items: StripeObject[],
  params: Params,
  url: string,
  noun: string,
  locate: (id: string) => number = (id) => items.findIndex((o) => o.id === id),
) {
  const limit = parseInteger('limit', params.limit) ?? 10;
  if (limit < 1 || limit > 100) throw invalidParam('limit', 'This value must be greater than or equal to 1 and less than or equal to 100.');
  const after = str(params.starting_after);
  const before = str(params.ending_before);
  if (after && before) throw invalidParam('ending_before', 'You may only specify one of these parameters: starting_after, ending_before.');
  let data: StripeObject[];
  let hasMore: boolean;
  if (after) {
    const i = locate(after);
    if (i === -1) throw missingResource(noun, after, 'starting_after');
    data = items.slice(i + 1, i + 1 + limit);
    hasMore = i + 1 + limit < items.length;
  } else if (before) {
    const i = locate(before);
    if (i === -1) throw missingResource(noun, before, 'ending_before');
    const start = Math.max(0, i - limit);
    data = items.slice(start, i);
    hasMore = start > 0;
  } else {
    data = items.slice(0, limit);
    hasMore = limit < items.length;
  }
  return { object: 'list', data, has_more: hasMore, url };
}

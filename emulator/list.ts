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
export function paginate(items: StripeObject[], params: Params, url: string, noun: string) {
  const limit = parseInteger('limit', params.limit) ?? 10;
  if (limit < 1 || limit > 100) throw invalidParam('limit', 'This value must be greater than or equal to 1 and less than or equal to 100.');
  const after = str(params.starting_after);
  const before = str(params.ending_before);
  if (after && before) throw invalidParam('ending_before', 'You may only specify one of these parameters: starting_after, ending_before.');
  let data: StripeObject[];
  let hasMore: boolean;
  if (after) {
    const i = items.findIndex((o) => o.id === after);
    if (i === -1) throw missingResource(noun, after, 'starting_after');
    data = items.slice(i + 1, i + 1 + limit);
    hasMore = i + 1 + limit < items.length;
  } else if (before) {
    const i = items.findIndex((o) => o.id === before);
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

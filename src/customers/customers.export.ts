import { isZeroDecimal, toMajor } from '../revenue/mrr.js';
import type { createCustomersRepo } from './customers.repo.js';

type ExportChunk = ReturnType<typeof createCustomersRepo>['each'] extends (...args: never[]) => AsyncGenerator<infer R> ? R : never;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

const CSV_COLUMNS = [
  'id',
  'stripe_id',
  'name',
  'email',
  'state',
  'risk_level',
  'score',
  'mrr',
  'currency',
  'last_payment_at',
  'customer_since',
];

/** Quotes a CSV cell, and defuses values a spreadsheet would run as a formula. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The export's lines: a header, then one chunk of rows at a time. Dates exact (ISO 8601, UTC). */
export async function* csvLines(chunks: AsyncIterable<ExportChunk>): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const rows of chunks) {
    let out = '';
    for (const r of rows) {
      const currency = r.mrr_currency ?? '';
      out += `${[
        r.id,
        r.external_id,
        r.name,
        r.email,
        r.lifecycle_state ?? '',
        r.risk_level ?? 'none',
        r.score,
        currency ? toMajor(Number(r.mrr), currency).toFixed(isZeroDecimal(currency) ? 0 : 2) : '0',
        currency.toUpperCase(),
        iso(r.last_payment_at),
        r.first_seen_at.toISOString(),
      ]
        .map(csvCell)
        .join(',')}\r\n`;
    }
    yield out;
  }
}

import { csvCell } from '../customers/customers.export.js';

/** CSV for backfill imports (RFC 4180: quoted fields, doubled quotes, CRLF or LF), with a header row. */

export interface CsvError {
  /** 1-based line of the file (the header is line 1). */
  row: number;
  column: string;
  value: string;
  message: string;
}

export class CsvSyntaxError extends Error {}

/** The rows of a CSV text as records keyed by the (trimmed, lower-cased) header names. */
export function parseCsv(text: string, maxRows: number): { header: string[]; rows: { line: number; cells: Record<string, string> }[] } {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    record.push(field);
    field = '';
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
    if (records.length > maxRows + 1) throw new CsvSyntaxError(`the file has more than ${maxRows} rows; split it`);
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') endRecord();
    else if (c === '\r') {
      if (text[i + 1] !== '\n') endRecord();
    } else field += c;
  }
  if (quoted) throw new CsvSyntaxError('a quoted field is not closed');
  if (field !== '' || record.length > 0) endRecord();
  const [head, ...body] = records;
  if (!head) throw new CsvSyntaxError('the file is empty');
  const header = head.map((h) => h.trim().toLowerCase());
  const rows = body.map((cells, n) => ({
    line: n + 2,
    cells: Object.fromEntries(header.map((h, j) => [h, (cells[j] ?? '').trim()])),
  }));
  return { header, rows };
}

/** The downloadable error report of an import. */
export function errorReport(errors: CsvError[]): string {
  const lines = [['row', 'column', 'value', 'error'].join(',')];
  for (const e of errors) lines.push([e.row, e.column, e.value, e.message].map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

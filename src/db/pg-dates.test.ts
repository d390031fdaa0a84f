import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { fastTimestamptzParser } from './pg-dates.js';

const general = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (value: string) => unknown;
const fast = fastTimestamptzParser(general);
const same = (value: string) => {
  const a = fast(value);
  const b = general(value);
  expect(a instanceof Date ? a.getTime() : a, value).toEqual(b instanceof Date ? b.getTime() : b);
};

describe('fast timestamptz parser', () => {
  it.each([
    '2026-12-02 22:14:46+00',
    '2026-12-02 22:14:46.1+00',
    '2026-12-02 22:14:46.123456+00',
    '2026-12-02 22:14:46.999999+00',
    '2026-12-02 22:14:46.5-05',
    '2026-12-02 22:14:46+05:30',
    '1901-12-13 20:45:52-00:19:32',
    '2000-02-29 00:00:00+14',
    '1970-01-01 00:00:00+00',
  ])('reads %s as the general parser does', same);

  it.each(['infinity', '-infinity', '0099-01-01 00:00:00+00', '2026-12-02 22:14:46+00 BC', '12026-12-02 22:14:46+00', '2026-12-02'])(
    'leaves %s to the general parser',
    same,
  );

  it('agrees with the general parser on any instant, fraction and offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.integer({ min: -15 * 60, max: 15 * 60 }),
        fc.integer({ min: 0, max: 6 }),
        (ms, micros, offsetMinutes, fractionDigits) => {
          // PostgreSQL prints the local time at the session's offset, the fraction without trailing zeros.
          const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');
          const fraction = fractionDigits === 0 ? '' : `.${String(micros).padStart(6, '0').slice(0, fractionDigits)}`;
          const abs = Math.abs(offsetMinutes);
          const hh = String(Math.floor(abs / 60)).padStart(2, '0');
          const offset = `${offsetMinutes < 0 ? '-' : '+'}${hh}${abs % 60 === 0 ? '' : `:${String(abs % 60).padStart(2, '0')}`}`;
          same(`${local}${fraction}${offset}`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

import type { ColumnType, CreatedAt, Generated, NullableTs } from './schema.columns.js';

/** The organization's reporting currency, when an admin chose one (null or no row: the default rule). */
export interface CurrencySettingsTable {
  org_id: string;
  reporting_currency: string | null;
  /** What the default rule gave when last worked out (a cache, refreshed after a few minutes). */
  default_currency: string | null;
  default_at: NullableTs;
  updated_by: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** 1 `base` = `rate` `quote` (major units), used from `effective_from` (a day) on. */
export interface ExchangeRatesTable {
  id: Generated<string>;
  org_id: string;
  base: string;
  quote: string;
  /** numeric(24, 12), as text. */
  rate: ColumnType<string, string, string>;
  /** A date: read it as text (`to_char`), never as a JavaScript Date (which would shift it by the time zone). */
  effective_from: ColumnType<string, string, string>;
  created_by: string | null;
  created_at: CreatedAt;
}

import type { ColumnType, Generated } from 'kysely';

/** Column shapes shared by the tables: what Kysely selects, inserts and updates. */
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
export type Json<T> = ColumnType<T, string, string>;
export type Ts = ColumnType<Date, Date | string, Date | string>;
export type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
export type { ColumnType, Generated };

import type { ColumnType, Json, NullableTs, Ts } from './schema.columns.js';

/** The score reconstructed over the synced history, and the churns the backtest measures it against. */
export interface ScoreReconstructionsTable {
  org_id: string;
  customer_id: string;
  at: Ts;
  score: number | null;
  risk_level: 'green' | 'yellow' | 'red' | null;
  lifecycle_state: string;
  /** The values of the factors present at that moment (configuration-independent). */
  factors: Json<Record<string, number>>;
}

export interface ReconstructedChurnsTable {
  org_id: string;
  customer_id: string;
  churned_at: Ts;
  kind: 'voluntary' | 'involuntary';
  mrr: ColumnType<string | null, number | string | null, number | string | null>;
  currency: string | null;
}

export interface ReconstructionRunsTable {
  org_id: string;
  status: 'running' | 'done' | 'failed';
  started_at: Ts;
  finished_at: NullableTs;
  history_start: NullableTs;
  history_end: NullableTs;
  customers: ColumnType<number, number | undefined, number>;
  points: ColumnType<number, number | undefined, number>;
  error: string | null;
}

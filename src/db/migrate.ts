import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as m0001 from './migrations/0001_accounts_and_organizations.js';
import * as m0002 from './migrations/0002_api_keys_and_mail.js';
import * as m0003 from './migrations/0003_stripe.js';
import * as m0004 from './migrations/0004_stripe_event_queue.js';
import * as m0005 from './migrations/0005_scores_and_revenue.js';
import * as m0006 from './migrations/0006_alerts.js';
import * as m0007 from './migrations/0007_score_details.js';
import * as m0008 from './migrations/0008_stripe_fidelity.js';
import * as m0009 from './migrations/0009_account_safety.js';
import * as m0010 from './migrations/0010_customer_states.js';
import * as m0011 from './migrations/0011_sync_status.js';
import * as m0012 from './migrations/0012_customer_attention.js';
import * as m0013 from './migrations/0013_currencies.js';
import * as m0014 from './migrations/0014_usage.js';
import * as m0015 from './migrations/0015_trials.js';
import * as m0016 from './migrations/0016_score_reconstruction.js';
import * as m0017 from './migrations/0017_paid_invoice_evidence.js';
import * as m0018 from './migrations/0018_score_updates_in_place.js';
import * as m0019 from './migrations/0019_usage_ingest_speed.js';
import * as m0020 from './migrations/0020_customers_room_for_rescores.js';
import * as m0021 from './migrations/0021_mrr_history_from_subscription_start.js';

// Forward-only: a landed migration is never edited; a change is a new numbered file added here.
const migrations: Record<string, Migration> = {
  '0001_accounts_and_organizations': m0001,
  '0002_api_keys_and_mail': m0002,
  '0003_stripe': m0003,
  '0004_stripe_event_queue': m0004,
  '0005_scores_and_revenue': m0005,
  '0006_alerts': m0006,
  '0007_score_details': m0007,
  '0008_stripe_fidelity': m0008,
  '0009_account_safety': m0009,
  '0010_customer_states': m0010,
  '0011_sync_status': m0011,
  '0012_customer_attention': m0012,
  '0013_currencies': m0013,
  '0014_usage': m0014,
  '0015_trials': m0015,
  '0016_score_reconstruction': m0016,
  '0017_paid_invoice_evidence': m0017,
  '0018_score_updates_in_place': m0018,
  '0019_usage_ingest_speed': m0019,
  '0020_customers_room_for_rescores': m0020,
  '0021_mrr_history_from_subscription_start': m0021,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies every migration not applied yet (or, for tests of an upgrade, those up to `target`). */
export async function migrateToLatest(db: Kysely<any>, target?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
  const { error, results } = target ? await migrator.migrateTo(target) : await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Database migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

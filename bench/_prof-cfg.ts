import { connectDatabase } from '../src/db/database.js';
import { createLogger } from '../src/app/logger.js';
import { createScoringRepo } from '../src/scoring/scoring.repo.js';
import { createScoringService } from '../src/scoring/scoring.service.js';
const d = connectDatabase('postgres://postgres@127.0.0.1:5432/ps_prof', { max: 6 });
const s = createScoringService({ db: d.db, logger: createLogger('warn') });
const w = Number(process.argv[2] ?? 20);
await createScoringRepo(d.db).saveConfig(
  'bench-org',
  { weights: { payment_recency: 25, mrr_trend: 25, failed_payments: w, usage: 15, support: 15 }, thresholds: { green: 70, yellow: 40 } },
  null,
);
const t = performance.now();
const c0 = process.cpuUsage();
await s.rescoreOrganization('bench-org', 'config');
const c = process.cpuUsage(c0);
console.log('config change', (performance.now() - t).toFixed(0), 'node cpu', ((c.user + c.system) / 1000).toFixed(0));
await d.close();

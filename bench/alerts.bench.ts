import { sql } from 'kysely';
import { startBenchApp } from './bench-app.js';
import type { Benchmark, BenchResult } from './types.js';
import { chargeFailedEvent, percentile, sendWebhook } from './webhook-events.js';

const ORG = 'bench-alerts';
const ACCOUNT = 'acct_1BenchAlerts';
const SECRET = 'whsec_bench_alerts_secret';
const EVENTS = 40;

export const alertsBench: Benchmark = {
  name: 'alerts',
  description: `Alert latency: ${EVENTS} charge.failed webhooks, each from the Stripe event being stored to the in-app notification being stored`,
  async run() {
    const bench = await startBenchApp({ secret: SECRET, org: ORG, account: ACCOUNT });
    const { port, db } = bench;
    try {
      await db
        .insertInto('users')
        .values({ id: 'bench-user', name: 'Bench', email: 'bench@example.com', updated_at: new Date() })
        .execute();
      await db
        .insertInto('members')
        .values({ id: 'bench-member', org_id: ORG, user_id: 'bench-user', role: 'owner', created_at: new Date() })
        .execute();
      await db
        .insertInto('customers')
        .values(
          Array.from({ length: EVENTS }, (_, i) => ({
            org_id: ORG,
            external_id: `cus_alert${i}`,
            name: `Customer ${i}`,
            first_seen_at: new Date(),
            metadata: '{}',
          })),
        )
        .execute();
      await db
        .insertInto('alert_rules')
        .values({
          org_id: ORG,
          name: 'Payment failed',
          kind: 'payment_failed',
          params: '{}',
          email_to: '[]',
          in_app: true,
          cooldown_minutes: 0,
          enabled: true,
        })
        .execute();

      for (let i = 0; i < EVENTS; i++) {
        const body = chargeFailedEvent({
          eventId: `evt_bench_alert_${i}`,
          chargeId: `ch_bench_alert_${i}`,
          account: ACCOUNT,
          customer: `cus_alert${i}`,
          amount: 4900,
        });
        await sendWebhook(port, body, SECRET);
        await new Promise((r) => setTimeout(r, 100));
      }
      const deadline = Date.now() + 60_000;
      let rows: { ms: number }[] = [];
      while (Date.now() < deadline) {
        rows = (
          await sql<{ ms: number }>`
            select extract(epoch from (n.created_at - e.received_at)) * 1000 as ms
            from notifications n
            join alerts a on a.id = n.alert_id
            join org_events o on o.id = a.event_id
            join stripe_events e on e.org_id = o.org_id and e.stripe_event_id = 'evt_bench_alert_' || substring(o.payload ->> 'chargeId' from 'ch_bench_alert_(\\d+)')
            where n.org_id = ${ORG}`.execute(db)
        ).rows;
        if (rows.length >= EVENTS) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const latencies = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
      process.stdout.write(
        `  ${latencies.length}/${EVENTS} notifications; event stored → notification stored: p50 ${Math.round(percentile(latencies, 50))} ms, p95 ${Math.round(percentile(latencies, 95))} ms\n`,
      );
      const results: BenchResult[] = [
        {
          name: 'alerts.latency_p95',
          value: latencies.length === EVENTS ? Math.round(percentile(latencies, 95)) : 999_999,
          unit: 'ms',
          target: 2000,
          direction: 'max',
        },
      ];
      return results;
    } finally {
      await bench.close();
    }
  },
};

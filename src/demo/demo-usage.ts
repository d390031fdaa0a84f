import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { AppLogger } from '../core/logger.js';
import type { Database } from '../db/schema.js';
import { defineJob } from '../jobs/jobs.registry.js';
import type { IngestService } from '../usage/ingest.service.js';

/**
 * Demo mode's product: once the demo business is synced, it "sends" nine weeks of Segment events (groups carrying
 * `stripe_customer_id`, identified users, tracks) and support tickets (`Ticket Opened` / `Ticket Solved`) through
 * the same intake as `/v1/batch`, shaped by each customer's billing: healthy accounts keep using the product,
 * past-due and canceling ones fade, churned ones stop, trials just started. Deterministic per customer.
 */

export const demoUsageJob = defineJob({
  name: 'demo.usage',
  payload: z.object({ orgId: z.string().min(1) }),
  maxAttempts: 3,
  key: (p) => `demo.usage:${p.orgId}`,
});

const DAY = 86_400_000;
const DAYS = 63;
const EVENTS = ['Dashboard Opened', 'Report Viewed', 'Export', 'Alert Configured', 'Invite Sent'];

type Trend = 'steady' | 'growing' | 'fading' | 'collapsing' | 'stopped' | 'new';

/** A number in [0, 1) from a text: the same customer always gets the same product life. */
const unit = (text: string) => createHash('sha1').update(text).digest().readUInt32BE(0) / 2 ** 32;

function trendOf(statuses: string[], cancelAtPeriodEnd: boolean, r: number): Trend | null {
  if (statuses.length === 0) return r < 0.5 ? 'steady' : null;
  if (statuses.every((s) => s === 'canceled' || s === 'incomplete_expired')) return 'stopped';
  if (statuses.includes('trialing')) return 'new';
  if (statuses.includes('unpaid')) return 'collapsing';
  if (statuses.includes('past_due') || cancelAtPeriodEnd) return 'fading';
  return r < 0.15 ? 'fading' : r < 0.4 ? 'growing' : 'steady';
}

/** How active the account is `ago` days back, relative to its usual level. */
function level(trend: Trend, ago: number): number {
  switch (trend) {
    case 'growing':
      return ago < 14 ? 1.4 : 1;
    case 'fading':
      return ago < 7 ? 0.45 : ago < 14 ? 0.7 : 1;
    case 'collapsing':
      return ago < 7 ? 0.1 : ago < 21 ? 0.5 : 1;
    case 'stopped':
      return ago < 21 ? 0 : 1;
    case 'new':
      return ago < 10 ? 1 : 0;
    default:
      return 1;
  }
}

export async function sendDemoUsage(
  deps: { db: Kysely<Database>; ingest: IngestService; logger: AppLogger },
  orgId: string,
  now = Date.now(),
) {
  const { db } = deps;
  const [groups, events] = await Promise.all([
    db.selectFrom('usage_groups').select('group_id').where('org_id', '=', orgId).limit(1).executeTakeFirst(),
    db.selectFrom('usage_events').select('id').where('org_id', '=', orgId).limit(1).executeTakeFirst(),
  ]);
  if (groups || events) return 0;
  const customers = (
    await sql<{ external_id: string; email: string | null; name: string | null; statuses: string[] | null; cancels: boolean | null }>`
      select c.external_id, c.email, c.name, array_agg(s.status) filter (where s.status is not null) as statuses, bool_or(s.cancel_at_period_end) as cancels
      from customers c left join subscriptions s on s.org_id = c.org_id and s.stripe_customer_id = c.external_id
      where c.org_id = ${orgId} and c.deleted_at is null
      group by c.external_id, c.email, c.name`.execute(db)
  ).rows;
  const today = Math.floor(now / DAY) * DAY;
  const messages: Record<string, unknown>[] = [];
  for (const c of customers) {
    const r = unit(c.external_id);
    const trend = trendOf(c.statuses ?? [], c.cancels ?? false, r);
    if (!trend) continue;
    const group = `acct_${c.external_id.slice(4)}`;
    const domain = c.email?.split('@')[1] ?? 'example.com';
    const users = 1 + Math.floor(unit(`${c.external_id}:users`) * 5);
    const id = (n: string) => `demo-${c.external_id}-${n}`;
    const at = (day: number, hour: number) => new Date(today - day * DAY + hour * 3_600_000).toISOString();
    const start = trend === 'new' ? 9 : DAYS - 1;
    messages.push({
      type: 'group',
      userId: `${group}-u0`,
      groupId: group,
      messageId: id('group'),
      timestamp: at(start, 8),
      traits: { name: c.name, stripe_customer_id: c.external_id },
    });
    for (let u = 0; u < users; u++) {
      messages.push({
        type: 'identify',
        userId: `${group}-u${u}`,
        messageId: id(`identify-${u}`),
        timestamp: at(start, 8),
        traits: { email: `user${u}@${domain}` },
      });
    }
    for (let day = start; day >= 1; day--) {
      for (let u = 0; u < users; u++) {
        const p = unit(`${c.external_id}:${day}:${u}`);
        // Each user shows up most days while the account is active, less as it fades.
        if (p > 0.75 * level(trend, day)) continue;
        const n = 1 + Math.floor(p * 4 * Math.min(1.5, level(trend, day)));
        for (let k = 0; k < n; k++) {
          messages.push({
            type: 'track',
            userId: `${group}-u${u}`,
            event: EVENTS[(day + u + k) % EVENTS.length],
            messageId: id(`t-${day}-${u}-${k}`),
            timestamp: at(day, 9 + k),
            context: { groupId: group },
          });
        }
      }
    }
    // Support: accounts in trouble open more tickets, more urgent, and rate them worse.
    const troubled = trend === 'fading' || trend === 'collapsing';
    const tickets = Math.floor(unit(`${c.external_id}:tickets`) * (troubled ? 4 : 2));
    for (let k = 0; k < tickets; k++) {
      const opened = 2 + Math.floor(unit(`${c.external_id}:opened:${k}`) * 25);
      const ticket = { ticket_id: `DEMO-${c.external_id.slice(4)}-${k}`, subject: troubled ? 'Something is broken' : 'How do I…?' };
      const priority = troubled && k === 0 ? 'urgent' : k % 2 ? 'normal' : 'low';
      const base = { type: 'track', userId: `${group}-u0`, context: { groupId: group } };
      messages.push({
        ...base,
        event: 'Ticket Opened',
        messageId: id(`ticket-${k}-open`),
        timestamp: at(opened, 10),
        properties: { ...ticket, priority },
      });
      if (!troubled || k > 0) {
        const good = unit(`${c.external_id}:sat:${k}`) < (troubled ? 0.3 : 0.9);
        messages.push({
          ...base,
          event: 'Ticket Solved',
          messageId: id(`ticket-${k}-solved`),
          timestamp: at(Math.max(1, opened - 1), 15),
          properties: { ticket_id: ticket.ticket_id, satisfaction: good ? 'good' : 'bad' },
        });
      }
    }
  }
  for (let i = 0; i < messages.length; i += 2000) await deps.ingest.ingestBatch(orgId, messages.slice(i, i + 2000), {});
  deps.logger.info({ orgId, messages: messages.length }, 'demo business sent its product usage and support tickets');
  return messages.length;
}

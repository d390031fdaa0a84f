import { type Kysely, sql } from 'kysely';
import type { AlertChannel, Database } from '../db/schema.js';

export function createAlertsRepo(db: Kysely<Database>) {
  return {
    rules(orgId: string) {
      return db.selectFrom('alert_rules').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute();
    },
    rule(orgId: string, id: string) {
      return db.selectFrom('alert_rules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
    },
    /** Events not yet evaluated, oldest first, claimed so that a second evaluator skips them. */
    claimEvents(limit: number) {
      return db
        .selectFrom('org_events')
        .select(['id', 'org_id', 'type', 'customer_external_id', 'payload', 'created_at'])
        .where('alerts_at', 'is', null)
        .orderBy('created_at')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
    },
    markEvaluated(ids: string[]) {
      return db.updateTable('org_events').set({ alerts_at: new Date() }).where('id', 'in', ids).execute();
    },
    enabledRules(orgIds: string[]) {
      return db.selectFrom('alert_rules').selectAll().where('org_id', 'in', orgIds).where('enabled', '=', true).execute();
    },
    customer(orgId: string, externalId: string) {
      return db
        .selectFrom('customers')
        .select(['id', 'name', 'email', 'score', 'risk_level', 'mrr_major'])
        .where('org_id', '=', orgId)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
    },
    async windowMax(orgId: string, customerId: string, days: number): Promise<number | null> {
      const row = await db
        .selectFrom('score_history')
        .select((eb) => eb.fn.max('score').as('max'))
        .where('org_id', '=', orgId)
        .where('customer_id', '=', customerId)
        .where('computed_at', '>=', sql<Date>`now() - make_interval(days => ${days})`)
        .executeTakeFirst();
      return row?.max === null || row?.max === undefined ? null : Number(row.max);
    },
    state(ruleId: string, customerId: string) {
      return db
        .selectFrom('alert_states')
        .selectAll()
        .where('rule_id', '=', ruleId)
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
    },
    async saveState(ruleId: string, customerId: string, active: boolean, firedAt: Date | null) {
      await db
        .insertInto('alert_states')
        .values({ rule_id: ruleId, customer_id: customerId, active, last_fired_at: firedAt, updated_at: new Date() })
        .onConflict((oc) =>
          oc.columns(['rule_id', 'customer_id']).doUpdateSet((eb) => ({
            active,
            last_fired_at: firedAt ?? eb.ref('alert_states.last_fired_at'),
            updated_at: new Date(),
          })),
        )
        .execute();
    },
    /** Stores the alert once per rule and situation; null when it already exists. */
    async insertAlert(values: {
      org_id: string;
      rule_id: string;
      customer_id: string | null;
      event_id: string;
      situation: string;
      title: string;
      body: string;
      link: string;
    }): Promise<string | null> {
      const row = await db
        .insertInto('alerts')
        .values(values)
        .onConflict((oc) => oc.columns(['rule_id', 'situation']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return row?.id ?? null;
    },
    async insertDelivery(
      orgId: string,
      alertId: string,
      channel: AlertChannel,
      target: string,
      extra: { status?: 'sent'; mailId?: string } = {},
    ) {
      const row = await db
        .insertInto('alert_deliveries')
        .values({
          org_id: orgId,
          alert_id: alertId,
          channel,
          target,
          ...(extra.status ? { status: extra.status, sent_at: new Date(), attempts: 1 } : {}),
          mail_id: extra.mailId ?? null,
        })
        .onConflict((oc) => oc.columns(['alert_id', 'channel', 'target']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return row?.id ?? null;
    },
    memberEmails(orgId: string) {
      return db
        .selectFrom('members')
        .innerJoin('users', 'users.id', 'members.user_id')
        .select(['users.id', 'users.email', 'users.name'])
        .where('members.org_id', '=', orgId)
        .execute();
    },
    async notify(orgId: string, alertId: string, userIds: string[], content: { title: string; body: string; link: string }) {
      if (userIds.length === 0) return;
      await db
        .insertInto('notifications')
        .values(userIds.map((user_id) => ({ org_id: orgId, user_id, alert_id: alertId, ...content })))
        .onConflict((oc) => oc.columns(['alert_id', 'user_id']).doNothing())
        .execute();
    },
  };
}

export type AlertsRepo = ReturnType<typeof createAlertsRepo>;

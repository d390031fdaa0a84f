import type { AlertsDeps, RuleRow } from './alerts.deps.js';
import { EMAIL, spec } from './alerts.deps.js';
import { enqueue } from '../jobs/jobs.registry.js';
import { alertMail } from '../mail/mail.templates.js';
import { createScoringRepo } from '../scoring/scoring.repo.js';
import { deliverAlertJob, evaluateAlertsJob } from './alerts.jobs.js';
import { createAlertsRepo } from './alerts.repo.js';
import { type AlertEvent, decide, describe, TRIGGERS } from './alerts.rules.js';

const BATCH = 200;

/**
 * Evaluation: the organization's event log against its enabled rules (`alerts.rules.ts` decides), and the
 * alerts that fire — stored once, with their in-app notifications, emails and queued network deliveries.
 */
export function createAlertEvaluation(deps: AlertsDeps) {
  const { db } = deps;
  const repo = createAlertsRepo(db);

  /** Creates the alert's deliveries (and in-app notifications) and queues what is sent over the network. */
  async function fire(
    rule: RuleRow,
    event: AlertEvent & { orgId: string },
    customer: { id: string; name: string | null; email: string | null },
    situation: string,
    text: { title: string; body: string },
  ) {
    const link = `${deps.appUrl}/customers/${customer.id}`;
    const alertId = await repo.insertAlert({
      org_id: rule.org_id,
      rule_id: rule.id,
      customer_id: customer.id,
      event_id: event.id,
      situation,
      ...text,
      link,
    });
    if (!alertId) return false;
    const members = await repo.memberEmails(rule.org_id);
    if (rule.in_app) {
      await repo.notify(
        rule.org_id,
        alertId,
        members.map((m) => m.id),
        { ...text, link },
      );
      await repo.insertDelivery(rule.org_id, alertId, 'in_app', `${members.length} members`, { status: 'sent' });
    }
    const byId = new Map(members.map((m) => [m.id, m.email]));
    const addresses = [
      ...new Set(rule.email_to.map((e) => byId.get(e) ?? (EMAIL.test(e) ? e : null)).filter((e): e is string => e !== null)),
    ];
    for (const to of addresses) {
      const mailId = await deps.mailer.send({ to, orgId: rule.org_id, ...alertMail({ ruleName: rule.name, ...text, url: link }) });
      await repo.insertDelivery(rule.org_id, alertId, 'email', to, { mailId });
    }
    for (const [channel, target] of [
      ['slack', rule.slack_url_enc ? 'slack' : null],
      ['webhook', rule.webhook_url],
    ] as const) {
      if (!target) continue;
      const id = await repo.insertDelivery(rule.org_id, alertId, channel, target);
      if (id) await enqueue(db, deliverAlertJob, { deliveryId: id });
    }
    return true;
  }

  /** Evaluates a batch of new events against the enabled rules of their organizations. */
  async function evaluateBatch(now: Date): Promise<number> {
    return db.transaction().execute(async (trx) => {
      const events = await createAlertsRepo(trx).claimEvents(BATCH);
      if (events.length === 0) return 0;
      const rules = await createAlertsRepo(trx).enabledRules([...new Set(events.map((e) => e.org_id))]);
      const scoring = createScoringRepo(db);
      // One configuration read per organization in the batch, not one per event.
      const configs = new Map<string, Promise<{ green: number; yellow: number }>>();
      const thresholdsOf = (orgId: string) => {
        if (!configs.has(orgId))
          configs.set(
            orgId,
            scoring.config(orgId).then((c) => c.thresholds),
          );
        return configs.get(orgId)!;
      };
      for (const event of events) {
        const relevant = rules.filter((r) => r.org_id === event.org_id && TRIGGERS[r.kind].includes(event.type));
        if (relevant.length === 0 || !event.customer_external_id) continue;
        const customer = await repo.customer(event.org_id, event.customer_external_id);
        if (!customer) continue;
        const thresholds = await thresholdsOf(event.org_id);
        for (const rule of relevant) {
          const s = spec(rule);
          const facts = {
            id: customer.id,
            score: customer.score,
            level: customer.risk_level,
            mrrMajor: Number(customer.mrr_major),
            windowMax: s.kind === 'score_drop' ? await repo.windowMax(event.org_id, customer.id, s.params.days ?? 30) : null,
            thresholds,
          };
          const state = await repo.state(rule.id, customer.id);
          const alertEvent = { id: event.id, type: event.type, payload: event.payload as Record<string, unknown> };
          const decision = decide(s, alertEvent, facts, { active: state?.active ?? false, lastFiredAt: state?.last_fired_at ?? null }, now);
          let fired = false;
          if (decision.fire && decision.situation) {
            fired = await fire(
              rule,
              { ...alertEvent, orgId: event.org_id },
              customer,
              decision.situation,
              describe(s, rule.name, customer, facts, alertEvent, now),
            );
          }
          if (fired || decision.active !== (state?.active ?? false))
            await repo.saveState(rule.id, customer.id, decision.active, fired ? now : null);
        }
      }
      await createAlertsRepo(trx).markEvaluated(events.map((e) => e.id));
      return events.length;
    });
  }

  return {
    /** The evaluation job: every new event, batch by batch. */
    async evaluate(now: () => Date = () => new Date()): Promise<number> {
      let total = 0;
      for (;;) {
        const n = await evaluateBatch(now());
        total += n;
        if (n < BATCH) return total;
      }
    },
    /** Asks for an evaluation (events were just logged). */
    async wake(): Promise<void> {
      await enqueue(db, evaluateAlertsJob, {});
    },
    /** Safety net: events waiting for evaluation get a job. */
    async recover(): Promise<void> {
      const waiting = await db.selectFrom('org_events').select('id').where('alerts_at', 'is', null).limit(1).executeTakeFirst();
      if (waiting) await enqueue(db, evaluateAlertsJob, {});
    },
  };
}

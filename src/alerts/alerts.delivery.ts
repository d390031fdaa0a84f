import { DeliveryError, postJson, signature, slackMessage } from './alerts.channels.js';
import type { AlertsDeps } from './alerts.deps.js';
import { systemResolver } from './alerts.http.js';

/** Delivery over the network: one Slack or signed-webhook delivery per job, retried with back-off. */
export function createAlertDelivery(deps: AlertsDeps) {
  const { db, logger } = deps;
  const transport = { allowPrivate: deps.allowPrivateUrls, resolve: deps.resolve ?? systemResolver, timeoutMs: deps.deliveryTimeoutMs };
  return {
    /** Sends a Slack or webhook delivery; throws (for a retry) while attempts remain. */
    async deliver(deliveryId: string, attempt: number, maxAttempts: number): Promise<void> {
      const d = await db
        .selectFrom('alert_deliveries as d')
        .innerJoin('alerts as a', 'a.id', 'd.alert_id')
        .innerJoin('alert_rules as r', 'r.id', 'a.rule_id')
        .select([
          'd.id',
          'd.channel',
          'd.status',
          'd.target',
          'a.id as alert_id',
          'a.title',
          'a.body',
          'a.link',
          'a.created_at',
          'a.customer_id',
          'r.name',
          'r.kind',
          'r.slack_url_enc',
          'r.webhook_secret_enc',
          'a.org_id',
        ])
        .where('d.id', '=', deliveryId)
        .executeTakeFirst();
      if (!d || d.status === 'sent') return;
      try {
        if (d.channel === 'slack') {
          if (!d.slack_url_enc) throw new DeliveryError('the rule no longer has a Slack URL', false);
          await postJson(
            deps.secrets.open(d.slack_url_enc),
            slackMessage({ ruleName: d.name, title: d.title, body: d.body, link: d.link }),
            transport,
          );
        } else if (d.channel === 'webhook') {
          if (!d.webhook_secret_enc) throw new DeliveryError('the rule no longer has a webhook secret', false);
          const body = JSON.stringify({
            type: 'alert.fired',
            id: d.alert_id,
            createdAt: d.created_at.toISOString(),
            organizationId: d.org_id,
            rule: { name: d.name, kind: d.kind },
            customerId: d.customer_id,
            title: d.title,
            body: d.body,
            link: d.link,
          });
          const t = Math.floor(Date.now() / 1000);
          await postJson(d.target, body, {
            ...transport,
            headers: {
              'pulsescore-signature': signature(deps.secrets.open(d.webhook_secret_enc), body, t),
              'pulsescore-delivery': d.id,
              'pulsescore-event': 'alert.fired',
            },
          });
        }
        await db
          .updateTable('alert_deliveries')
          .set({ status: 'sent', sent_at: new Date(), attempts: attempt, error: null })
          .where('id', '=', d.id)
          .execute();
      } catch (err) {
        const retryable = !(err instanceof DeliveryError) || err.retryable;
        const final = !retryable || attempt >= maxAttempts;
        const message = err instanceof Error ? err.message : String(err);
        await db
          .updateTable('alert_deliveries')
          .set({ status: final ? 'failed' : 'pending', attempts: attempt, error: message })
          .where('id', '=', d.id)
          .execute();
        logger.warn({ deliveryId, channel: d.channel, attempt, final, error: message }, 'alert delivery failed');
        if (!final) throw err;
      }
    },
  };
}

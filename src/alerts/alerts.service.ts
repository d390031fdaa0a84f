import { createAlertRulesService } from './alert-rules.service.js';
import type { AlertsDeps } from './alerts.deps.js';
import { createAlertDelivery } from './alerts.delivery.js';
import { createAlertEvaluation } from './alerts.evaluation.js';
import { createNotificationsService } from './notifications.service.js';

export type { AlertsDeps } from './alerts.deps.js';

/**
 * Alerts, by role: rule management (`alert-rules.service.ts`), evaluation of the event log
 * (`alerts.evaluation.ts`), network delivery (`alerts.delivery.ts`), and what members read — history,
 * notifications, digest (`notifications.service.ts`).
 */
export function createAlertsService(deps: AlertsDeps) {
  return {
    ...createAlertRulesService(deps),
    ...createAlertEvaluation(deps),
    ...createAlertDelivery(deps),
    ...createNotificationsService(deps),
  };
}

export type AlertsService = ReturnType<typeof createAlertsService>;

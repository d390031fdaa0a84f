import { createAlertRulesService } from './alert-rules.service.js';
import type { AlertsDeps } from './alerts.deps.js';
import { createAlertDelivery } from './alerts.delivery.js';
import { createAlertEvaluation } from './alerts.evaluation.js';
import { createNotificationsService } from './notifications.service.js';
import { createTrialWatch } from './alerts.trials.js';

export type { AlertsDeps } from './alerts.deps.js';

/**
 * Alerts, by role: rule management (`alert-rules.service.ts`), evaluation of the event log
 * (`alerts.evaluation.ts`), network delivery (`alerts.delivery.ts`), and what members read — history,
 * notifications, digest (`notifications.service.ts`).
 */
export function createAlertsService(deps: AlertsDeps) {
  const evaluation = createAlertEvaluation(deps);
  return {
    ...createAlertRulesService(deps),
    ...evaluation,
    ...createAlertDelivery(deps),
    ...createNotificationsService(deps),
    /** Logs the trials ending soon as events and asks for their evaluation. */
    async watchTrials(now: Date = new Date()): Promise<number> {
      const logged = await createTrialWatch(deps).watch(now);
      if (logged > 0) await evaluation.wake();
      return logged;
    },
  };
}

export type AlertsService = ReturnType<typeof createAlertsService>;

import type { Router } from '../router.js';
import { registerCatalog } from './catalog.js';
import { expireDueCharges, registerCharges } from './charges.js';
import { registerCustomers } from './customers.js';
import { registerDisputes } from './disputes.js';
import { registerEvents } from './events.js';
import { registerInvoices } from './invoices.js';
import { registerRefunds } from './refunds.js';
import { registerSubscriptionItems } from './subscription-items.js';
import { registerSubscriptions } from './subscriptions.js';

export function registerResources(router: Router): void {
  // Every API request first lets the account's uncaptured charges expire if their 7 days are over, so that
  // expiry (and its `charge.expired` event) shows wherever the account is read next.
  const on = router.on.bind(router);
  const expiring = Object.assign(Object.create(router) as Router, {
    on: ((method, path, handler) =>
      on(method, path, (ctx) => {
        expireDueCharges(ctx.emulator, ctx.account);
        return handler(ctx);
      })) as Router['on'],
  });
  registerCustomers(expiring);
  registerCatalog(expiring);
  registerSubscriptions(expiring);
  registerSubscriptionItems(expiring);
  registerCharges(expiring);
  registerRefunds(expiring);
  registerDisputes(expiring);
  registerInvoices(expiring);
  registerEvents(expiring);
}

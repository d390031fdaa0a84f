import type { Router } from '../router.js';
import { registerCatalog } from './catalog.js';
import { registerCharges } from './charges.js';
import { registerCustomers } from './customers.js';
import { registerEvents } from './events.js';
import { registerInvoices } from './invoices.js';
import { registerSubscriptions } from './subscriptions.js';

export function registerResources(router: Router): void {
  registerCustomers(router);
  registerCatalog(router);
  registerSubscriptions(router);
  registerCharges(router);
  registerInvoices(router);
  registerEvents(router);
}

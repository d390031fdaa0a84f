/**
 * The event types to select when creating a webhook endpoint in Stripe: the guide's table (Webhook events) and
 * the ones that keep the numbers right between syncs — refunds, disputes, captures, invoices that are finalized,
 * voided or written off, and the catalog that subscriptions are priced from. Anything else Stripe sends is stored
 * and ignored. Shared with the web app (Settings → Integrations → Webhooks), so it has no imports.
 */
export const WEBHOOK_EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'charge.succeeded',
  'charge.failed',
  'charge.captured',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'refund.created',
  'refund.updated',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'price.created',
  'price.updated',
  'product.created',
  'product.updated',
  'coupon.created',
  'coupon.updated',
  'coupon.deleted',
  'account.application.deauthorized',
] as const;

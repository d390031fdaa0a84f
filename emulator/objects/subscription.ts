import { type BuildContext, list, type Metadata } from './common.js';
import { planFromPrice } from './catalog.js';

export type SubscriptionStatus =
  'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'canceled' | 'unpaid' | 'paused';

export function buildSubscriptionItem(
  ctx: BuildContext,
  input: {
    id?: string;
    subscription: string;
    price: Record<string, any>;
    quantity: number;
    discounts?: string[];
    metadata?: Metadata;
    created?: number;
    period: { start: number; end: number };
  },
) {
  return {
    id: input.id ?? ctx.ids.id('si', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created: input.created ?? ctx.now,
    current_period_end: input.period.end,
    current_period_start: input.period.start,
    // Trial offers (item-level trials) are not emulated.
    current_trial: null,
    discounts: input.discounts ?? [],
    metadata: input.metadata ?? {},
    plan: planFromPrice(input.price),
    price: input.price,
    quantity: input.price.recurring?.usage_type === 'metered' ? undefined : input.quantity,
    subscription: input.subscription,
    tax_rates: [],
  };
}

export interface SubscriptionInput {
  id: string;
  customer: string;
  currency: string;
  status: SubscriptionStatus;
  items: Record<string, any>[];
  created: number;
  start_date: number;
  billing_cycle_anchor: number;
  trial_start?: number | null;
  trial_end?: number | null;
  cancel_at_period_end?: boolean;
  cancel_at?: number | null;
  canceled_at?: number | null;
  ended_at?: number | null;
  cancellation_reason?: string | null;
  discounts?: string[];
  latest_invoice?: string | null;
  metadata?: Metadata;
  collection_method?: 'charge_automatically' | 'send_invoice';
  description?: string | null;
  billing_mode?: 'classic' | 'flexible';
}

export function buildSubscription(ctx: BuildContext, input: SubscriptionInput) {
  return {
    id: input.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null, disabled_reason: null },
    billing_cycle_anchor: input.billing_cycle_anchor,
    billing_cycle_anchor_config: null,
    billing_mode:
      input.billing_mode === 'flexible'
        ? { type: 'flexible', flexible: { proration_discounts: 'included' }, updated_at: input.created }
        : { type: 'classic', flexible: null },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: input.cancel_at ?? null,
    cancel_at_period_end: input.cancel_at_period_end ?? false,
    canceled_at: input.canceled_at ?? null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: input.cancellation_reason ?? null },
    collection_method: input.collection_method ?? 'charge_automatically',
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    days_until_due: input.collection_method === 'send_invoice' ? 30 : null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: input.description ?? null,
    discounts: input.discounts ?? [],
    ended_at: input.ended_at ?? null,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' }, custom_fields: null, description: null, footer: null },
    items: list(input.items, `/v1/subscription_items?subscription=${input.id}`),
    latest_invoice: input.latest_invoice ?? null,
    livemode: ctx.account.livemode,
    managed_payments: { enabled: false },
    metadata: input.metadata ?? {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: null,
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: input.start_date,
    status: input.status,
    test_clock: null,
    transfer_data: null,
    trial_end: input.trial_end ?? null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: input.trial_start ?? null,
  };
}

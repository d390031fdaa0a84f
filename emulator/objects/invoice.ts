import { type BuildContext, emptyAddress, list, type Metadata } from './common.js';

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface InvoiceLineInput {
  amount: number;
  description: string;
  quantity: number | null;
  period: { start: number; end: number };
  subscription: string | null;
  subscription_item: string | null;
  price_id: string | null;
  /** The price's product, named beside it under `pricing.price_details` (required with a price). */
  product_id?: string;
  unit_amount_decimal: string | null;
  discount_amount?: number;
}

export function buildInvoiceLine(ctx: BuildContext, invoice: { id: string; currency: string }, input: InvoiceLineInput) {
  return {
    id: ctx.ids.id('il', 24),
    object: 'line_item',
    amount: input.amount,
    currency: invoice.currency,
    description: input.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoice.id,
    livemode: ctx.account.livemode,
    metadata: {},
    parent: input.subscription
      ? {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: input.subscription,
            subscription_item: input.subscription_item,
          },
          type: 'subscription_item_details',
        }
      : null,
    period: input.period,
    pretax_credit_amounts: [],
    pricing:
      input.price_id && input.product_id
        ? {
            type: 'price_details',
            unit_amount_decimal: input.unit_amount_decimal,
            price_details: { price: input.price_id, product: input.product_id },
          }
        : null,
    quantity: input.quantity,
    quantity_decimal: input.quantity === null ? null : String(input.quantity),
    subscription: input.subscription,
    subtotal: input.amount,
    taxes: [],
  };
}

export interface InvoiceInput {
  id?: string;
  customer: string;
  customer_email?: string | null;
  customer_name?: string | null;
  currency: string;
  status: InvoiceStatus;
  subscription?: string | null;
  billing_reason?: string;
  lines: InvoiceLineInput[];
  discount_total?: number;
  created?: number;
  period?: { start: number; end: number };
  paid_at?: number | null;
  attempt_count?: number;
  metadata?: Metadata;
  description?: string | null;
}

export function buildInvoice(ctx: BuildContext, input: InvoiceInput) {
  const id = input.id ?? ctx.ids.id('in', 24);
  const created = input.created ?? ctx.now;
  const currency = input.currency.toLowerCase();
  const lines = input.lines.map((l) => buildInvoiceLine(ctx, { id, currency }, l));
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  const discount = Math.min(subtotal, input.discount_total ?? 0);
  const total = subtotal - discount;
  const paid = input.status === 'paid';
  const finalized = input.status !== 'draft';
  return {
    id,
    object: 'invoice',
    account_country: ctx.account.country,
    account_name: ctx.account.name,
    account_tax_ids: null,
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: paid ? total : 0,
    amount_remaining: paid || input.status === 'void' ? 0 : total,
    amount_shipping: 0,
    application: null,
    attempt_count: input.attempt_count ?? (paid ? 1 : 0),
    attempted: (input.attempt_count ?? (paid ? 1 : 0)) > 0,
    auto_advance: !finalized,
    automatic_tax: { enabled: false, liability: null, status: null, disabled_reason: null, provider: null },
    automatically_finalizes_at: null,
    billing_reason: input.billing_reason ?? (input.subscription ? 'subscription_cycle' : 'manual'),
    collection_method: 'charge_automatically',
    created,
    currency,
    custom_fields: null,
    customer: input.customer,
    customer_account: null,
    customer_address: emptyAddress(),
    customer_email: input.customer_email ?? null,
    customer_name: input.customer_name ?? null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: input.description ?? null,
    discounts: [],
    due_date: null,
    effective_at: finalized ? created : null,
    ending_balance: finalized ? 0 : null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: finalized ? `https://invoice.stripe.com/i/${id}` : null,
    invoice_pdf: finalized ? `https://pay.stripe.com/invoice/${id}/pdf` : null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: list(lines, `/v1/invoices/${id}/lines`),
    livemode: ctx.account.livemode,
    metadata: input.metadata ?? {},
    next_payment_attempt: input.status === 'open' ? created + 3 * 86400 : null,
    number: finalized ? `${ctx.ids.token(8).toUpperCase()}-0001` : null,
    on_behalf_of: null,
    parent: input.subscription
      ? { quote_details: null, subscription_details: { metadata: {}, subscription: input.subscription }, type: 'subscription_details' }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: input.period?.end ?? created,
    period_start: input.period?.start ?? created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: input.status,
    status_transitions: {
      finalized_at: finalized ? created : null,
      marked_uncollectible_at: null,
      paid_at: paid ? (input.paid_at ?? created) : null,
      voided_at: input.status === 'void' ? created : null,
    },
    // No top-level `subscription` since API version 2025-03-31.basil: it moved to `parent.subscription_details`
    // (https://docs.stripe.com/changelog/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects).
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: null,
    total,
    total_discount_amounts: discount > 0 ? [{ amount: discount, discount: 'di_emulated' }] : [],
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: created,
  };
}

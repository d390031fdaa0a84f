import type Stripe from 'stripe';
import type { PaymentStatus } from '../db/schema.js';
import { idOf, ts, UnmappableObject } from './mapping.helpers.js';

/**
 * Stripe objects → PulseScore rows, as the integration guide's "Data synced" tables describe (subscriptions,
 * joined with the catalog, are in `subscription.mapping.ts`).
 */

export interface CustomerRow {
  external_id: string;
  email: string | null;
  name: string | null;
  currency: string | null;
  first_seen_at: Date;
  metadata: Record<string, string>;
  deleted_at: Date | null;
  has_payment_method: boolean;
}

export function mapCustomer(c: Stripe.Customer | Stripe.DeletedCustomer): CustomerRow | { external_id: string; deleted: true } {
  if ('deleted' in c && c.deleted) return { external_id: c.id, deleted: true };
  const customer = c as Stripe.Customer;
  return {
    external_id: customer.id,
    email: customer.email,
    name: customer.name ?? null,
    currency: customer.currency ?? null,
    first_seen_at: new Date(customer.created * 1000),
    metadata: customer.metadata ?? {},
    deleted_at: null,
    // What Stripe charges when a trial ends: the default payment method, else the legacy default source
    // (https://docs.stripe.com/api/customers/object#customer_object-invoice_settings-default_payment_method).
    has_payment_method: Boolean(customer.invoice_settings?.default_payment_method || customer.default_source),
  };
}

export interface PaymentRow {
  stripe_payment_id: string;
  stripe_customer_id: string;
  amount_cents: number;
  currency: string;
  status: PaymentStatus;
  failure_code: string | null;
  failure_message: string | null;
  paid_at: Date;
  amount_refunded_cents: number;
  captured: boolean;
  refunded: boolean;
  disputed: boolean;
  decline_code: string | null;
  advice_code: string | null;
}

/**
 * What a charge says about the customer paying. Stripe reports an uncaptured charge as `succeeded` with
 * `captured: false` (https://docs.stripe.com/api/charges/object#charge_object-captured) and keeps a fully
 * refunded one `succeeded` with `refunded: true` (…#charge_object-refunded): neither is money received.
 */
export function paymentStatus(c: Pick<Stripe.Charge, 'status' | 'paid' | 'captured' | 'refunded'>): PaymentStatus {
  if (c.status === 'failed') return 'failed';
  if (c.status === 'pending') return 'pending';
  if (c.status !== 'succeeded' && !c.paid) return 'pending';
  if (c.refunded) return 'refunded';
  if (c.captured === false) return 'uncaptured';
  return 'succeeded';
}

/** Anonymous charges (no customer) are not synced: null. */
export function mapCharge(c: Stripe.Charge): PaymentRow | null {
  const customer = idOf(c.customer as string | { id: string } | null);
  if (!customer) return null;
  return {
    stripe_payment_id: c.id,
    stripe_customer_id: customer,
    amount_cents: c.amount,
    currency: c.currency,
    status: paymentStatus(c),
    failure_code: c.failure_code ?? null,
    failure_message: c.failure_message ?? null,
    paid_at: new Date(c.created * 1000),
    amount_refunded_cents: c.amount_refunded ?? 0,
    captured: c.captured !== false,
    refunded: c.refunded === true,
    disputed: c.disputed === true,
    // The issuer's decline code and Stripe's advice on retrying (https://docs.stripe.com/declines/codes).
    decline_code: c.status === 'failed' ? (c.outcome?.reason ?? null) : null,
    advice_code: c.status === 'failed' ? (c.outcome?.advice_code ?? null) : null,
  };
}

export interface RefundRow {
  stripe_refund_id: string;
  stripe_charge_id: string | null;
  amount_cents: number;
  currency: string;
  status: string;
  reason: string | null;
  refunded_at: Date;
}

export function mapRefund(r: Stripe.Refund): RefundRow {
  return {
    stripe_refund_id: r.id,
    stripe_charge_id: idOf(r.charge as string | { id: string } | null),
    amount_cents: r.amount,
    currency: r.currency,
    status: r.status ?? 'pending',
    reason: r.reason ?? null,
    refunded_at: new Date(r.created * 1000),
  };
}

export interface DisputeRow {
  stripe_dispute_id: string;
  stripe_charge_id: string;
  stripe_customer_id: string | null;
  amount_cents: number;
  currency: string;
  status: string;
  reason: string | null;
  opened_at: Date;
  evidence_due_by: Date | null;
}

/** `customer`: the disputed charge's customer, when the charge came expanded or is known locally. */
export function mapDispute(d: Stripe.Dispute, customer: string | null): DisputeRow {
  const charge = d.charge as string | Stripe.Charge;
  const chargeId = idOf(charge);
  if (!chargeId) throw new UnmappableObject(`dispute ${d.id} names no charge`);
  const fromCharge = typeof charge === 'object' ? idOf(charge.customer as string | { id: string } | null) : null;
  return {
    stripe_dispute_id: d.id,
    stripe_charge_id: chargeId,
    stripe_customer_id: fromCharge ?? customer,
    amount_cents: d.amount,
    currency: d.currency,
    status: d.status,
    reason: d.reason ?? null,
    opened_at: new Date(d.created * 1000),
    evidence_due_by: ts(d.evidence_details?.due_by),
  };
}

export interface InvoiceRow {
  stripe_invoice_id: string;
  stripe_customer_id: string;
  stripe_subscription_id: string | null;
  status: string;
  currency: string;
  subtotal_cents: number;
  total_cents: number;
  amount_due_cents: number;
  amount_paid_cents: number;
  period_start: Date | null;
  period_end: Date | null;
  issued_at: Date;
  paid_at: Date | null;
  next_payment_attempt: Date | null;
  attempt_count: number;
  lines: {
    id: string;
    amount: number;
    quantity: number | null;
    period_start: number | null;
    period_end: number | null;
    subscription_item: string | null;
    price_id: string | null;
    description: string | null;
  }[];
}

/**
 * `lines`: every line of the invoice. An invoice embeds only its first lines (`lines.has_more`,
 * https://docs.stripe.com/api/invoices/invoice_lines); the caller pages the rest in first.
 */
export function mapInvoice(i: Stripe.Invoice, lines: Stripe.InvoiceLineItem[] = i.lines.data): InvoiceRow | null {
  const customer = idOf(i.customer as string | { id: string } | null);
  if (!customer) return null;
  if (lines === i.lines.data && i.lines.has_more) throw new UnmappableObject(`invoice ${i.id}: only the first page of its lines was read`);
  const parentSub = i.parent?.subscription_details?.subscription;
  return {
    stripe_invoice_id: i.id!,
    stripe_customer_id: customer,
    stripe_subscription_id: idOf(parentSub as string | { id: string } | null | undefined),
    status: i.status ?? 'draft',
    currency: i.currency,
    subtotal_cents: i.subtotal,
    total_cents: i.total,
    amount_due_cents: i.amount_due,
    amount_paid_cents: i.amount_paid,
    period_start: ts(i.period_start),
    period_end: ts(i.period_end),
    issued_at: new Date(i.created * 1000),
    paid_at: ts(i.status_transitions?.paid_at),
    next_payment_attempt: ts(i.next_payment_attempt),
    attempt_count: i.attempt_count ?? 0,
    lines: lines.map((l) => ({
      id: l.id,
      amount: l.amount,
      quantity: l.quantity ?? null,
      period_start: l.period?.start ?? null,
      period_end: l.period?.end ?? null,
      subscription_item: idOf(l.parent?.subscription_item_details?.subscription_item as string | null | undefined),
      price_id: (l.pricing as { price_details?: { price?: string } } | null)?.price_details?.price ?? null,
      description: l.description ?? null,
    })),
  };
}

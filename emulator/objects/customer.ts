import { type BuildContext, emptyAddress, type Metadata } from './common.js';

export interface CustomerInput {
  id?: string;
  name?: string | null;
  email?: string | null;
  description?: string | null;
  phone?: string | null;
  currency?: string | null;
  metadata?: Metadata;
  created?: number;
  /** A card source (`card_…`) made from a token at creation: the legacy default. */
  defaultSource?: string | null;
  /** `invoice_settings.default_payment_method` (`pm_…`): what subscriptions and invoices charge. */
  defaultPaymentMethod?: string | null;
}

export function buildCustomer(ctx: BuildContext, input: CustomerInput) {
  return {
    id: input.id ?? ctx.ids.id('cus', 14),
    object: 'customer',
    address: emptyAddress(),
    balance: 0,
    created: input.created ?? ctx.now,
    currency: input.currency ?? null,
    default_source: input.defaultSource ?? null,
    delinquent: false,
    description: input.description ?? null,
    discount: null,
    email: input.email ?? null,
    invoice_prefix: ctx.ids.token(8).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: input.defaultPaymentMethod ?? null,
      footer: null,
      rendering_options: null,
    },
    livemode: ctx.account.livemode,
    metadata: input.metadata ?? {},
    name: input.name ?? null,
    next_invoice_sequence: 1,
    phone: input.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

import { Random } from '../random.js';
import { type CustomerSpec, HISTORY_PERSONAS, historySubscription, isHistoryKind, lengthen, type SubSpec } from './history.js';
import { CATALOG, type PersonaKind, PERSONAS, PREFIXES, SUFFIXES } from './personas.js';
import type { ScenarioInput } from './schema.js';

export { HISTORY_PERSONAS, type HistoryPersonaKind } from './history.js';
export { PERSONAS, type PersonaKind } from './personas.js';

const days = (n: number) => `-${n}d`;

function subscriptionFor(kind: PersonaKind, r: Random): SubSpec | null {
  const monthsAgo = r.int(3, 14);
  const start = days(monthsAgo * 30 + r.int(0, 25));
  const plan = r.pick(['starter-monthly', 'pro-monthly', 'pro-monthly', 'pro-quarterly']);
  const discount = r.chance(0.15) ? [{ coupon: r.pick(['launch20', 'loyal10']) }] : undefined;
  switch (kind) {
    case 'healthy_monthly':
      return { start, items: [{ price: plan, quantity: 1 }], discounts: discount };
    case 'healthy_annual':
      return { start: days(r.int(40, 700)), items: [{ price: r.pick(['starter-annual', 'pro-annual']), quantity: 1 }] };
    case 'growing': {
      const seats = r.int(2, 6);
      return {
        start,
        items: [{ price: 'team-seat', quantity: seats }],
        changes: [
          { at: days(r.int(40, 80)), items: [{ price: 'team-seat', quantity: seats + r.int(2, 8) }] },
          { at: days(r.int(5, 30)), items: [{ price: 'team-seat', quantity: seats + r.int(10, 15) }] },
        ],
      };
    }
    case 'shrinking': {
      const seats = r.int(12, 25);
      return {
        start,
        items: [{ price: 'team-seat', quantity: seats }],
        changes: [
          { at: days(r.int(35, 70)), items: [{ price: 'team-seat', quantity: seats - r.int(3, 6) }] },
          { at: days(r.int(3, 28)), items: [{ price: 'team-seat', quantity: r.int(2, 5) }] },
        ],
      };
    }
    case 'trialing':
      return { start: days(r.int(1, 10)), trial_days: 14, items: [{ price: plan, quantity: 1 }] };
    case 'recovered_failure':
      return { start, items: [{ price: 'pro-monthly', quantity: 1 }] };
    case 'past_due':
      // The guide's red example: last successful payment about 45 days ago, three failures in the last 30 days.
      return {
        start: `-45d-${r.int(2, 10)}mo`,
        items: [{ price: r.pick(['starter-monthly', 'pro-monthly']), quantity: 1 }],
        unpaid_since: days(40),
        failure_codes: ['insufficient_funds', 'card_declined', 'insufficient_funds'],
        retries: 3,
      };
    case 'hard_decline':
      return {
        start: `-20d-${r.int(2, 10)}mo`,
        items: [{ price: 'pro-monthly', quantity: 1 }],
        unpaid_since: days(25),
        failure_codes: [r.pick(['stolen_card', 'lost_card', 'fraudulent'])],
        retries: 2,
      };
    case 'canceling':
      return { start, items: [{ price: plan, quantity: 1 }], cancel_at_period_end: true };
    case 'canceled':
      return {
        start: days(r.int(200, 500)),
        items: [{ price: plan, quantity: 1 }],
        canceled_at: days(r.int(5, 90)),
        cancellation_reason: r.chance(0.3) ? 'payment_failed' : 'cancellation_requested',
      };
    case 'foreign_currency':
      return { start, items: [{ price: r.pick(['pro-eur', 'pro-jpy']), quantity: 1 }] };
    case 'multi_item':
      return {
        start,
        items: [
          { price: 'enterprise-volume', quantity: r.int(20, 80) },
          { price: 'storage-monthly', quantity: r.int(15, 120) },
          { price: 'api-metered', quantity: 1 },
        ],
        discounts: r.chance(0.5) ? [{ coupon: 'loyal10' }] : undefined,
      };
    case 'no_billing':
      return null;
  }
}

type ChargeSpec = NonNullable<CustomerSpec['charges']>[number];

/** How many days ago a generated time ("-345d") is. */
const daysAgo = (t: unknown) => Number(/^-(\d+)d$/.exec(String(t))?.[1] ?? 0);

/**
 * One-off charges beside the subscription, with their refunds, authorizations and disputes. The first customer of
 * each persona always gets its case, later ones now and then. None of them changes the customer's band: they
 * are extra charges (never the subscription's renewals) of healthy customers — where a successful charge
 * cannot lower the score — or, for the red ones, older than the customer's last successful renewal and its
 * failures, so that payment recency and the run of failures stay as they were; a chargeback there only adds
 * to what already makes the customer red.
 */
function oneOffCharges(kind: PersonaKind, first: boolean, sub: SubSpec | null, r: Random): ChargeSpec[] {
  switch (kind) {
    case 'healthy_monthly': {
      // Onboarding packages, some refunded in part (the first customer's always) or in full.
      if (!first && !r.chance(0.1)) return [];
      const ago = r.int(10, 60);
      const amount = r.int(5, 50) * 1000;
      const refund = first ? 'partial' : r.pick(['none', 'none', 'none', 'none', 'partial', 'partial', 'full']);
      return [
        {
          at: days(ago),
          amount,
          currency: 'usd',
          description: 'Onboarding package',
          refunds:
            refund === 'partial'
              ? [{ at: days(ago - r.int(1, 8)), amount: Math.round((amount * r.int(10, 50)) / 100), reason: 'requested_by_customer' }]
              : refund === 'full'
                ? [{ at: days(ago - r.int(1, 8)), reason: 'requested_by_customer' }]
                : [],
        },
      ];
    }
    case 'healthy_annual': {
      // A support add-on bought twice by mistake and refunded in full.
      if (!first && !r.chance(0.05)) return [];
      const ago = r.int(20, 90);
      return [
        {
          at: days(ago),
          amount: r.int(2, 10) * 5000,
          currency: 'usd',
          description: 'Premium support add-on',
          refunds: [{ at: days(ago - r.int(1, 3)), reason: 'duplicate' }],
        },
      ];
    }
    case 'growing': {
      // Seat true-ups authorized now and captured later: one still open; the first customer also has one that
      // was never captured and expired after 7 days.
      if (!first && !r.chance(0.04)) return [];
      const open: ChargeSpec = {
        at: days(r.int(1, 3)),
        amount: r.int(3, 20) * 1200,
        currency: 'usd',
        description: 'Seat true-up (authorization)',
        captured: false,
      };
      if (!first) return [open];
      return [
        {
          at: days(r.int(20, 40)),
          amount: r.int(3, 20) * 1200,
          currency: 'usd',
          description: 'Seat true-up (authorization)',
          captured: false,
        },
        open,
      ];
    }
    case 'past_due': {
      // An open chargeback on a setup fee paid before the renewals began to fail (over 45 days ago).
      if (!first && !r.chance(0.05)) return [];
      return [
        {
          at: days(r.int(60, 90)),
          amount: r.int(2, 8) * 2500,
          currency: 'usd',
          description: 'Setup fee',
          dispute: { at: days(r.int(3, 12)), reason: r.pick(['fraudulent', 'unrecognized'] as const), status: 'needs_response' },
        },
      ];
    }
    case 'canceled': {
      // A chargeback lost on a one-off charge from the subscription's first days, long before the cancellation.
      if (!first && !r.chance(0.06)) return [];
      const start = daysAgo(sub?.start);
      return [
        {
          at: days(start - 10),
          amount: r.int(2, 12) * 2500,
          currency: 'usd',
          description: 'Data migration',
          dispute: { at: days(start - 40), reason: 'fraudulent', status: 'lost', closed_at: days(start - 100) },
        },
      ];
    }
    case 'multi_item': {
      // Disputes on implementation work: the first customer won one; later ones have one under review or an inquiry.
      if (!first && !r.chance(0.08)) return [];
      if (first)
        return [
          {
            at: days(60),
            amount: r.int(10, 40) * 1000,
            currency: 'usd',
            description: 'Implementation services',
            dispute: {
              at: days(55),
              reason: 'product_unacceptable',
              status: 'won',
              closed_at: days(20),
              evidence: 'Signed statement of work and the delivered project plan.',
            },
          },
        ];
      const ago = r.int(8, 20);
      return [
        {
          at: days(ago),
          amount: r.int(10, 40) * 1000,
          currency: 'usd',
          description: 'Implementation services',
          dispute: {
            at: days(ago - r.int(1, 6)),
            reason: 'product_unacceptable',
            status: r.pick(['under_review', 'warning_needs_response'] as const),
          },
        },
      ];
    }
    default:
      return [];
  }
}

/** A second, independent subscription for extra storage, started some time after the main one. */
function addOn(main: SubSpec, r: Random): SubSpec {
  return {
    start: days(r.int(20, 90)),
    items: [{ price: 'storage-monthly', quantity: r.int(10, 100) }],
    ...(main.canceled_at ? { canceled_at: 'now' } : {}),
  };
}

/**
 * A realistic subscription business, the same for the same seed: healthy monthly and annual payers, growing
 * and shrinking accounts, trials, past-due and hard-declined cards, cancellations, customers without billing,
 * anonymous charges, EUR and JPY customers, coupons, tiered and multi-item subscriptions, and one-off charges
 * refunded in part and in full, authorized and not (yet) captured, disputed (open, won and lost).
 */
export function generateScenario(options: {
  customers: number;
  seed: number;
  accountName?: string;
  accountId?: string;
  livemode?: boolean;
  /** Share of billed customers who also have a separate add-on subscription (0–1). */
  addOnRate?: number;
  /**
   * `recent` (the default): today's business, subscriptions started 3–14 months ago. `long`: 18 months of history
   * with churn through the last year (see `history.ts`), for backtests — the demo uses it.
   */
  history?: 'recent' | 'long';
}): ScenarioInput {
  const r = new Random(options.seed);
  const long = options.history === 'long';
  // The long history replaces the generic "canceled" customers with churners of every kind.
  const cast: Record<string, { weight: number; expected: 'green' | 'yellow' | 'red' | 'none' | null; note: string }> = long
    ? { ...Object.fromEntries(Object.entries(PERSONAS).filter(([k]) => k !== 'canceled')), ...HISTORY_PERSONAS }
    : PERSONAS;
  const weights = Object.fromEntries(Object.entries(cast).map(([k, v]) => [k, v.weight]));
  const kinds = Object.keys(cast);
  const customers: CustomerSpec[] = [];
  for (let i = 0; i < options.customers; i++) {
    // The first customers cover every persona once, so even a tiny business shows each case.
    const kind = i < kinds.length ? kinds[i]! : r.weighted(weights);
    const company = `${r.pick(PREFIXES)} ${r.pick(SUFFIXES)}`;
    const slug = company.toLowerCase().replace(/[^a-z]+/g, '');
    const sub = isHistoryKind(kind)
      ? historySubscription(kind, r)
      : long
        ? lengthen(kind, subscriptionFor(kind as PersonaKind, r), r)
        : subscriptionFor(kind as PersonaKind, r);
    const charges: NonNullable<CustomerSpec['charges']> = [];
    if (kind === 'recovered_failure')
      charges.push({ at: days(r.int(3, 8)), amount: 9900, currency: 'usd', status: 'failed', failure_code: 'insufficient_funds' });
    if (!isHistoryKind(kind)) charges.push(...oneOffCharges(kind as PersonaKind, i < kinds.length, sub, r));
    customers.push({
      key: `c${i + 1}`,
      name: company,
      email: `billing+${i + 1}@${slug}.example`,
      created: sub ? String(sub.start) : days(r.int(1, 300)),
      metadata: r.chance(0.3) ? { crm_id: `CRM-${10000 + i}`, segment: r.pick(['smb', 'mid-market', 'enterprise']) } : undefined,
      persona: { kind, expected: cast[kind]!.expected, note: cast[kind]!.note },
      // Every other trial has no card on file yet (by position, so the random sequence is unchanged).
      ...(kind === 'trialing' && i % 2 === 1 ? { payment_method: 'none' as const } : {}),
      subscriptions: sub ? [sub, ...(options.addOnRate && r.chance(options.addOnRate) ? [addOn(sub, r)] : [])] : [],
      charges,
    });
  }
  const anonymous = Array.from({ length: Math.max(2, Math.round(options.customers / 50)) }, () => ({
    at: days(r.int(1, 80)),
    amount: r.int(10, 200) * 100,
    currency: 'usd',
    status: 'succeeded' as const,
    description: 'Guest checkout',
  }));
  return {
    version: 1,
    description: `Generated business: ${options.customers} customers, seed ${options.seed}`,
    seed: options.seed,
    accounts: [
      {
        id: options.accountId,
        name: options.accountName ?? 'Northwind Software (demo)',
        email: 'owner@northwind.example',
        livemode: options.livemode ?? false,
        ...CATALOG,
        customers,
        anonymous_charges: anonymous,
      },
    ],
  };
}

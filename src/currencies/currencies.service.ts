import type { Kysely } from 'kysely';
import { AppError, conflict, notFound } from '../core/errors.js';
import { type OrgContext, requireRole } from '../auth/roles.js';
import type { Database } from '../db/schema.js';
import {
  type AppliedRate,
  type Conversion,
  type ConvertedPart,
  convertMinor,
  convertTotals,
  dayOf,
  defaultReportingCurrency,
  describeRate,
  label,
  minorFactor,
  missingRateReason,
  normalizeRate,
  parseRate,
  rateOn,
} from '../revenue/exchange-rates.js';
import { toMajor } from '../revenue/currencies.js';
import { createCurrenciesRepo, type SqlFactor, type StoredRate } from './currencies.repo.js';
import type { CreateRateBody } from './currencies.schemas.js';

export const DEFAULT_RULE =
  'Unless an admin chooses one, the reporting currency is the one most paying customers pay in (on a tie, the larger MRR; then the code).';

/** Well-formed but impossible (422): the message for people, and the field's own words for forms. */
const unprocessable = (code: string, message: string, field: string, issue: string) =>
  new AppError(422, code, message, [{ path: `body.${field}`, message: issue }]);

/** How long the default rule's answer is kept before it is worked out again. */
const DEFAULT_TTL_MS = 5 * 60_000;
/**
 * How long "some MRR is in another currency" is remembered per organization: lists ask on every page, and the
 * answer changes only when a customer starts paying in a new currency (the order is then raw for at most this long).
 */
const MIXED_TTL_MS = 60_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the organization reports in, and the rates it set: what every amount in the reporting currency is made with. */
export interface CurrencyContext {
  day: string;
  reporting: { currency: string | null; source: 'set' | 'default'; rule: string };
  rates: StoredRate[];
  /** Amounts per currency in the reporting currency on `day` (default: today); null without a reporting currency. */
  convert(byCurrency: Record<string, number>, day?: string): Conversion | null;
  /** Today's factor of every currency with a rate into the reporting currency (for SQL). */
  factors(): SqlFactor[];
}

export const presentRate = (rate: AppliedRate) => ({ ...rate, label: describeRate(rate) });
export const presentPart = (p: ConvertedPart) => ({ ...p, rate: p.rate ? presentRate(p.rate) : null });
export const presentConversion = (c: Conversion) => ({ ...c, parts: c.parts.map(presentPart), leftOut: c.leftOut.map(presentPart) });

/** A customer's MRR in the reporting currency, as the customers list shows (and sorts) it. */
export function customerMrr(money: CurrencyContext, byCurrency: Record<string, number>) {
  const c = money.convert(byCurrency);
  if (!c) return null;
  const converted = c.parts.filter((p) => p.status === 'converted' && p.rate);
  return {
    currency: c.currency,
    amount: c.complete ? c.amount : null,
    display: c.complete ? c.display : null,
    status: !c.complete ? ('no_rate' as const) : converted.some((p) => p.amount !== 0) ? ('converted' as const) : ('reporting' as const),
    rates: converted.map((p) => presentRate(p.rate!)),
    leftOut: c.leftOut.map((p) => ({ currency: p.currency, amount: p.amount, display: p.display, reason: p.reason! })),
  };
}

/** Reads an organization's currency context; features that show money in the reporting currency use it. */
export function createCurrencyReader(db: Kysely<Database>) {
  const repo = createCurrenciesRepo(db);
  const mixedSeen = new Map<string, { at: number; mixed: boolean }>();
  return {
    repo,
    /**
     * Whether amounts of the organization must be converted to be ordered (some MRR is in another currency than
     * `money`'s reporting one); false without a reporting currency (no MRR at all).
     */
    async mixesCurrencies(orgId: string, money: CurrencyContext, now = Date.now()): Promise<boolean> {
      const reporting = money.reporting.currency;
      if (!reporting) return false;
      const key = `${orgId}:${reporting}`;
      const seen = mixedSeen.get(key);
      if (seen && now - seen.at < MIXED_TTL_MS && now >= seen.at) return seen.mixed;
      const mixed = await repo.mixesCurrencies(orgId, reporting);
      if (mixedSeen.size > 10_000) mixedSeen.clear();
      mixedSeen.set(key, { at: now, mixed });
      return mixed;
    },
    /**
     * `fresh`: work the default out now (the settings page does); otherwise what it gave within the last few
     * minutes is used, so that lists and the dashboard do not count every customer on each request.
     */
    async context(orgId: string, now = Date.now(), fresh = false): Promise<CurrencyContext> {
      const [settings, rates] = await Promise.all([repo.settings(orgId), repo.rates(orgId)]);
      const chosen = settings?.reporting_currency ?? null;
      let currency = chosen;
      if (!chosen) {
        const known = settings?.default_at && now - settings.default_at.getTime() < DEFAULT_TTL_MS && now >= settings.default_at.getTime();
        if (known && !fresh) currency = settings.default_currency;
        else {
          currency = defaultReportingCurrency(await repo.standings(orgId));
          await repo.rememberDefault(orgId, currency, new Date(now));
        }
      }
      const day = dayOf(now);
      return {
        day,
        reporting: { currency, source: chosen ? 'set' : 'default', rule: DEFAULT_RULE },
        rates,
        convert: (byCurrency, on = day) => (currency ? convertTotals(byCurrency, currency, rates, on) : null),
        factors() {
          if (!currency) return [];
          const others = new Set(rates.flatMap((r) => [r.base, r.quote]).filter((c) => c !== currency));
          return [...others].flatMap((c) => {
            const rate = rateOn(rates, c, currency, day);
            if (!rate) return [];
            const { num, den } = minorFactor(rate, c, currency);
            return [{ currency: c, num: num.toString(), den: den.toString() }];
          });
        },
      };
    },
  };
}

export type CurrencyReader = ReturnType<typeof createCurrencyReader>;

/** A real calendar day (the pattern lets 2025-02-30 through). */
const realDay = (day: string) => new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;

export function createCurrenciesService(deps: { db: Kysely<Database>; now?: () => number }) {
  const reader = createCurrencyReader(deps.db);
  const { repo } = reader;
  const clock = deps.now ?? Date.now;

  async function overview(ctx: OrgContext) {
    const [context, standings] = await Promise.all([reader.context(ctx.orgId, clock(), true), repo.standings(ctx.orgId)]);
    const reporting = context.reporting.currency;
    const inUse = new Set(
      reporting
        ? standings.flatMap((s) => {
            const rate = rateOn(context.rates, s.currency, reporting, context.day);
            return rate?.id ? [rate.id] : [];
          })
        : [],
    );
    return {
      asOf: context.day,
      reportingCurrency: context.reporting,
      currencies: standings.map((s) => {
        const own = { currency: s.currency, payingCustomers: s.payingCustomers, mrr: s.mrr, display: toMajor(s.mrr, s.currency) };
        if (reporting === s.currency) {
          return { ...own, status: 'reporting' as const, converted: { amount: s.mrr, display: own.display }, rate: null, reason: null };
        }
        const rate = reporting ? rateOn(context.rates, s.currency, reporting, context.day) : null;
        if (!reporting || !rate) {
          const reason = reporting ? missingRateReason(context.rates, s.currency, reporting, context.day) : 'no reporting currency yet';
          return { ...own, status: 'no_rate' as const, converted: null, rate: null, reason };
        }
        const amount = convertMinor(s.mrr, s.currency, reporting, rate);
        return {
          ...own,
          status: 'converted' as const,
          converted: { amount, display: toMajor(amount, reporting) },
          rate: presentRate(rate),
          reason: null,
        };
      }),
      rates: context.rates.map((r) => ({
        id: r.id,
        base: r.base,
        quote: r.quote,
        rate: normalizeRate(r.rate),
        effectiveFrom: r.effectiveFrom,
        createdAt: r.createdAt.toISOString(),
        inUse: inUse.has(r.id),
      })),
    };
  }

  return {
    overview,

    async setReportingCurrency(ctx: OrgContext, currency: string | null) {
      requireRole(ctx, 'admin', 'change the reporting currency');
      await repo.setReportingCurrency(ctx.orgId, currency, ctx.userId);
      return overview(ctx);
    },

    async addRate(ctx: OrgContext, body: CreateRateBody) {
      requireRole(ctx, 'admin', 'set exchange rates');
      if (!parseRate(body.rate))
        throw unprocessable('invalid_rate', 'rate must be greater than zero.', 'rate', 'must be greater than zero');
      if (!realDay(body.effectiveFrom)) {
        throw unprocessable(
          'invalid_date',
          `effectiveFrom: ${body.effectiveFrom} is not a day of the calendar.`,
          'effectiveFrom',
          'is not a day of the calendar',
        );
      }
      const quote = body.quote ?? (await reader.context(ctx.orgId, clock())).reporting.currency;
      if (!quote) {
        throw unprocessable(
          'no_reporting_currency',
          'quote is required: the organization has no reporting currency yet.',
          'quote',
          'is required while there is no reporting currency',
        );
      }
      if (quote === body.base) {
        throw unprocessable(
          'same_currency',
          `A rate converts one currency into another: base and quote are both ${label(quote)}.`,
          'quote',
          'must differ from the currency converted from',
        );
      }
      const rate = { base: body.base, quote, rate: normalizeRate(body.rate), effectiveFrom: body.effectiveFrom };
      const id = await repo.insertRate(ctx.orgId, rate, ctx.userId);
      if (!id) {
        throw conflict(
          'rate_exists',
          `There is already a ${label(rate.base)}→${label(quote)} rate for ${rate.effectiveFrom}. Delete it first to replace it.`,
        );
      }
      return (await overview(ctx)).rates.find((r) => r.id === id)!;
    },

    async deleteRate(ctx: OrgContext, id: string) {
      requireRole(ctx, 'admin', 'delete exchange rates');
      if (!UUID.test(id) || !(await repo.deleteRate(ctx.orgId, id))) throw notFound('Exchange rate');
    },
  };
}

export type CurrenciesService = ReturnType<typeof createCurrenciesService>;

import { isZeroDecimal, toMajor } from './currencies.js';

/**
 * Amounts in several currencies, expressed in one (the organization's reporting currency) only through exchange
 * rates the organization set — never otherwise. Pure: amounts, rates and a day in; the converted total, each
 * currency beside it, and what was left out (and why) out.
 *
 * A rate says 1 `base` = `rate` `quote`, in major units (1 EUR = 1.0825 USD), from its `effectiveFrom` day (UTC,
 * `YYYY-MM-DD`) on, until a later rate of the same pair takes over. Arithmetic is exact (rates are decimals, kept
 * as text, multiplied as integers) and each converted amount is rounded once, half away from zero, to the target's
 * minor unit; zero-decimal currencies (JPY, KRW, …) have no minor unit, so yen are never divided by 100.
 */

export interface ExchangeRate {
  id?: string;
  base: string;
  quote: string;
  /** A positive decimal, as text: "1.0825". */
  rate: string;
  /** The first day (UTC, YYYY-MM-DD) the rate is used on. */
  effectiveFrom: string;
}

/** The rate a conversion used: the one set for `from`→`to`, or the inverse of the one set for `to`→`from`. */
export interface AppliedRate {
  id?: string;
  base: string;
  quote: string;
  rate: string;
  effectiveFrom: string;
  /** Converting `quote`→`base` with this `base`→`quote` rate (divided by it). */
  inverted: boolean;
}

export type PartStatus = 'reporting' | 'converted' | 'no_rate';

export interface ConvertedPart {
  currency: string;
  /** In the part's own currency (minor units) and as people read it (major units). */
  amount: number;
  display: number;
  status: PartStatus;
  /** In the target currency; null when there was no rate. */
  converted: { amount: number; display: number } | null;
  rate: AppliedRate | null;
  /** Why the part was left out ("no EUR→USD rate"); null when it was not. */
  reason: string | null;
}

export interface Conversion {
  currency: string;
  /** The parts in the target currency and those converted with a set rate: never a part without a rate. */
  amount: number;
  display: number;
  /** Every currency had a rate (or needed none). */
  complete: boolean;
  parts: ConvertedPart[];
  leftOut: ConvertedPart[];
}

const RATE = /^(\d{1,12})(?:\.(\d{1,12}))?$/;
/** Rate text as accepted: up to 12 digits before and after the point. */
export const RATE_PATTERN = '^\\d{1,12}(\\.\\d{1,12})?$';
export const CURRENCY_PATTERN = '^[A-Za-z]{3}$';

/** A rate as the exact fraction num / den; null when it is not a positive decimal. */
export function parseRate(text: string): { num: bigint; den: bigint } | null {
  const m = RATE.exec(text.trim());
  if (!m) return null;
  const decimals = m[2] ?? '';
  const num = BigInt(m[1]! + decimals);
  if (num === 0n) return null;
  return { num, den: 10n ** BigInt(decimals.length) };
}

/** The rate as people write it: no trailing zeros ("1.080000000000" → "1.08"). */
export function normalizeRate(text: string): string {
  const parsed = parseRate(text);
  if (!parsed) return text;
  const digits = parsed.den.toString().length - 1;
  const whole = (parsed.num / parsed.den).toString();
  const fraction = digits > 0 ? (parsed.num % parsed.den).toString().padStart(digits, '0').replace(/0+$/, '') : '';
  return fraction ? `${whole}.${fraction}` : whole;
}

const code = (c: string) => c.toLowerCase();
export const label = (c: string) => c.toUpperCase();
/** Minor units per major unit, as `toMajor` counts them. */
const perMajor = (c: string) => (isZeroDecimal(c) ? 1n : 100n);

/** The UTC calendar day of a moment (unix milliseconds). */
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The rate in force for `from`→`to` on `day`: of the rates set for the pair (or for the reverse pair, inverted),
 * the one with the latest `effectiveFrom` on or before `day`; on the same day, the one set for this direction.
 * Null when none applies yet.
 */
export function rateOn(rates: readonly ExchangeRate[], from: string, to: string, day: string): AppliedRate | null {
  const f = code(from);
  const t = code(to);
  let best: AppliedRate | null = null;
  for (const r of rates) {
    if (r.effectiveFrom > day || !parseRate(r.rate)) continue;
    const direct = code(r.base) === f && code(r.quote) === t;
    const inverse = code(r.base) === t && code(r.quote) === f;
    if (!direct && !inverse) continue;
    const better = !best || r.effectiveFrom > best.effectiveFrom || (r.effectiveFrom === best.effectiveFrom && direct && best.inverted);
    if (better) {
      best = {
        ...(r.id === undefined ? {} : { id: r.id }),
        base: code(r.base),
        quote: code(r.quote),
        rate: normalizeRate(r.rate),
        effectiveFrom: r.effectiveFrom,
        inverted: inverse,
      };
    }
  }
  return best;
}

/** Why an amount was left out: "no EUR→USD rate", or "EUR→USD rate only from 2025-06-01" when the first is later. */
export function missingRateReason(rates: readonly ExchangeRate[], from: string, to: string, day: string): string {
  const f = code(from);
  const t = code(to);
  const later = rates
    .filter((r) => (code(r.base) === f && code(r.quote) === t) || (code(r.base) === t && code(r.quote) === f))
    .map((r) => r.effectiveFrom)
    .filter((d) => d > day)
    .sort()[0];
  const pair = `${label(f)}→${label(t)}`;
  return later ? `${pair} rate only from ${later}` : `no ${pair} rate`;
}

/** The exact factor from minor units of `from` to minor units of `to`: target = source × num / den. */
export function minorFactor(rate: AppliedRate, from: string, to: string): { num: bigint; den: bigint } {
  const r = parseRate(rate.rate)!;
  const [num, den] = rate.inverted ? [r.den, r.num] : [r.num, r.den];
  return { num: num * perMajor(to), den: den * perMajor(from) };
}

/** a / b rounded half away from zero (b > 0). */
function divRound(a: bigint, b: bigint): bigint {
  const negative = a < 0n;
  const abs = negative ? -a : a;
  const q = (abs * 2n + b) / (2n * b);
  return negative ? -q : q;
}

/** Fractional minor units (a weekly price per month) are kept to the millionth before converting. */
const SCALE = 1_000_000n;
const exact = (amount: number) =>
  Number.isInteger(amount) && Math.abs(amount) <= Number.MAX_SAFE_INTEGER ? BigInt(amount) * SCALE : BigInt(Math.round(amount * 1e6));

/** An amount in minor units of `from`, in minor units of `to` with `rate`: exact, rounded once to a whole minor unit. */
export function convertMinor(amount: number, from: string, to: string, rate: AppliedRate): number {
  if (code(from) === code(to)) return amount;
  const { num, den } = minorFactor(rate, from, to);
  return Number(divRound(exact(amount) * num, den * SCALE));
}

/** A decimal approximation of a rate as used (the inverse of 149.5 reads 0.006689). */
export function effectiveRateText(rate: AppliedRate): string {
  if (!rate.inverted) return rate.rate;
  const r = parseRate(rate.rate)!;
  const value = Number(r.den) / Number(r.num);
  return String(Number(value.toPrecision(6)));
}

/** How a conversion is labelled: "1 EUR = 1.0825 USD, rate of 2025-01-01". */
export function describeRate(rate: AppliedRate): string {
  if (!rate.inverted) return `1 ${label(rate.base)} = ${rate.rate} ${label(rate.quote)}, rate of ${rate.effectiveFrom}`;
  return (
    `1 ${label(rate.quote)} = ${effectiveRateText(rate)} ${label(rate.base)} ` +
    `(inverse of the ${label(rate.base)}→${label(rate.quote)} rate ${rate.rate} of ${rate.effectiveFrom})`
  );
}

/**
 * Amounts per currency (minor units) in `target` on `day`. The target's own amount counts as it is; another
 * currency's counts only through a rate in force that day, and is otherwise left out with the reason. A
 * currency with nothing in it needs no rate (and, without one, is not listed).
 */
export function convertTotals(
  byCurrency: Readonly<Record<string, number>>,
  target: string,
  rates: readonly ExchangeRate[],
  day: string,
): Conversion {
  const t = code(target);
  const merged = new Map<string, number>();
  for (const [c, v] of Object.entries(byCurrency)) merged.set(code(c), (merged.get(code(c)) ?? 0) + v);
  // Nothing to convert, nothing to leave out: an empty currency without a rate is not shown at all.
  const currencies = [...merged.keys()]
    .filter((c) => c === t || merged.get(c) !== 0 || rateOn(rates, c, t, day) !== null)
    .sort((a, b) => (a === t ? -1 : b === t ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const parts: ConvertedPart[] = currencies.map((currency) => {
    const amount = merged.get(currency)!;
    const own = { currency, amount, display: toMajor(amount, currency) };
    if (currency === t) return { ...own, status: 'reporting', converted: { amount, display: own.display }, rate: null, reason: null };
    const rate = rateOn(rates, currency, t, day);
    if (rate) {
      const converted = convertMinor(amount, currency, t, rate);
      return { ...own, status: 'converted', converted: { amount: converted, display: toMajor(converted, t) }, rate, reason: null };
    }
    return { ...own, status: 'no_rate', converted: null, rate: null, reason: missingRateReason(rates, currency, t, day) };
  });
  const amount = parts.reduce((sum, p) => sum + (p.converted?.amount ?? 0), 0);
  const leftOut = parts.filter((p) => p.status === 'no_rate');
  return { currency: t, amount, display: toMajor(amount, t), complete: leftOut.length === 0, parts, leftOut };
}

export interface CurrencyStanding {
  currency: string;
  /** Customers with MRR above zero in the currency. */
  payingCustomers: number;
  /** Their MRR, in minor units of the currency. */
  mrr: number;
}

/**
 * The reporting currency when the organization has not chosen one: the currency most paying customers pay in;
 * on a tie, the larger MRR in major units; then the code. Amounts in different currencies cannot be compared
 * without rates (¥60,000 is not more than $31,253), but a count of customers can. Null with no paying customer.
 */
export function defaultReportingCurrency(standings: readonly CurrencyStanding[]): string | null {
  const paying = standings.filter((s) => s.payingCustomers > 0);
  const ranked = [...paying].sort(
    (a, b) =>
      b.payingCustomers - a.payingCustomers ||
      toMajor(b.mrr, b.currency) - toMajor(a.mrr, a.currency) ||
      (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0),
  );
  return ranked[0] ? code(ranked[0].currency) : null;
}

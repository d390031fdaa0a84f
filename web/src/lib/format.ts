import { isZeroDecimal, toMajor } from '../../../src/revenue/currencies';

/** Minor units (cents; yen for JPY) as money in its own currency. */
export function money(minor: number, currency: string | null | undefined, options: { compact?: boolean } = {}): string {
  if (!currency) return '—';
  const major = toMajor(minor, currency);
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: currency.toUpperCase(),
      notation: options.compact ? 'compact' : 'standard',
      maximumFractionDigits: options.compact ? 1 : isZeroDecimal(currency) ? 0 : 2,
    }).format(major);
  } catch {
    return `${major.toFixed(2)} ${currency.toUpperCase()}`;
  }
}

export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric' });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];
const rtf = new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' });

/** One date style everywhere: relative ("3 days ago", "in 2 months", "yesterday"), the exact date beside it on hover. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const diff = Date.parse(iso) - now;
  const abs = Math.abs(diff);
  if (abs < 60_000) return 'just now';
  for (const [unit, ms] of UNITS) {
    if (abs >= ms || unit === 'minute') {
      const n = Math.round(diff / ms);
      return rtf.format(n === 0 ? Math.sign(diff) : n, unit);
    }
  }
  return rtf.format(0, 'day');
}

/** The time of day, to the second: "12:04:31". */
export function clock(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "Dec 1" this year, "Dec 1, 2025" otherwise. */
export function shortDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleDateString('en-US', sameYear ? { month: 'short', day: 'numeric' } : { year: 'numeric', month: 'short', day: 'numeric' });
}

/** English plural: "1 month", "3 months". */
export const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

export function signed(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined) return '—';
  const rounded = Number(n.toFixed(digits));
  return `${rounded > 0 ? '+' : rounded < 0 ? '−' : '±'}${Math.abs(rounded).toFixed(digits)}`;
}

export const FACTOR_LABELS: Record<string, string> = {
  payment_recency: 'Payment recency',
  mrr_trend: 'MRR trend',
  failed_payments: 'Failed payments',
  usage: 'Product usage',
  support: 'Support',
  sentiment: 'CSM sentiment',
};

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

export function ago(iso: string | null | undefined): string {
  if (!iso) return 'never';
  const days = Math.floor((Date.now() - Date.parse(iso)) / 86_400_000);
  if (days <= 0) return 'today';
  if (days === 1) return 'yesterday';
  if (days < 60) return `${days} days ago`;
  return date(iso);
}

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
};

// No imports: the web app shares this file.

/** Currencies without a minor unit: amounts are already whole units. */
export const ZERO_DECIMAL_CURRENCIES = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

export function isZeroDecimal(currency: string): boolean {
  return ZERO_DECIMAL_CURRENCIES.has(currency.toLowerCase());
}

/** Minor units → the amount people read (cents → dollars; yen stay yen). */
export function toMajor(amountMinor: number, currency: string): number {
  return isZeroDecimal(currency) ? amountMinor : amountMinor / 100;
}

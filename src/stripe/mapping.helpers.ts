/** Small conversions shared by the Stripe → row mappings. */

export const ts = (unix: number | null | undefined): Date | null => (unix ? new Date(unix * 1000) : null);

/** The SDK hands decimals over as Decimal objects; rows keep their exact string form. */
export const decimal = (v: unknown): string | null => (v == null ? null : String(v));

export const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

/** A Stripe object PulseScore cannot import (e.g. a subscription item without a price); the sync skips and reports it. */
export class UnmappableObject extends Error {}

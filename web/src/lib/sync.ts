import { useQuery } from '@tanstack/react-query';
import { get } from './api';
import { clock } from './format';
import { useMe } from './session';
import type { StripeIntegration, SyncProgress, SyncRun, SyncRetry } from './types';

/**
 * The one source of the sync's state: `GET /integrations/stripe/sync`. The banner and the Stripe tile both read
 * this query, so they can never show different numbers on the same screen.
 */
export function useSync() {
  const me = useMe();
  return useQuery({
    queryKey: ['sync'],
    queryFn: () => get<SyncProgress>('/integrations/stripe/sync'),
    enabled: Boolean(me.data?.activeOrganizationId),
    refetchInterval: (q) => (q.state.data?.sync?.status === 'running' ? 1000 : 15_000),
  });
}

/** The organization's Stripe connection (`GET /integrations`), shared by every page that needs it. */
export function useStripeIntegration() {
  const me = useMe();
  return useQuery({
    queryKey: ['integrations'],
    queryFn: () => get<{ integrations: StripeIntegration[] }>('/integrations'),
    enabled: Boolean(me.data?.activeOrganizationId),
    select: (d) => d.integrations.find((i) => i.provider === 'stripe') ?? null,
  });
}

const n = (v: number) => v.toLocaleString('en-US');

/** What the sync is doing, in words ("Importing payments — 541 of about 700"): the server says it. */
export const phaseText = (sync: SyncRun): string => sync.phaseLabel;

/** "300 customers · 277 subscriptions · 709 payments · 1,978 invoices" — the same words in the banner and on the tile. */
export function countsText(sync: SyncRun): string {
  return ['customers', 'subscriptions', 'payments', 'invoices']
    .filter((k) => sync.counts[k] !== undefined)
    .map((k) => `${n(sync.counts[k]!)} ${k}`)
    .join(' · ');
}

/** "Stripe is rate-limiting requests; retrying at 12:04:31 (attempt 3)" (the server words the reason). */
export function retryText(retry: SyncRetry): string {
  return `${retry.reason.replace(/[.;]\s*$/, '')}; retrying at ${clock(retry.nextAttemptAt)} (attempt ${retry.attempt})`;
}

/** The advice after a failure, unless the message already says it (nothing is printed twice). */
export function adviceText(sync: SyncRun): string | null {
  const advice = sync.advice?.trim();
  if (!advice) return null;
  const said = `${sync.message} ${sync.error ?? ''}`;
  return said.includes(advice) ? null : advice;
}

/** The failure message without the error repeated. */
export function failureText(sync: SyncRun): string {
  return sync.message || `Sync failed: ${sync.error ?? 'unknown error'}`;
}

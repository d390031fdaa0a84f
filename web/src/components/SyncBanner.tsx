import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { errorMessage, get, post } from '../lib/api';
import { isAdmin, useMe } from '../lib/session';
import type { SyncProgress } from '../lib/types';

const RECENT_MS = 15 * 60_000;
const PHASES: Record<string, string> = {
  starting: 'starting',
  importing: 'importing customers, subscriptions, payments and invoices',
  complete: 'complete',
};

/** "Syncing Stripe data…" with live progress at the top of every page, then the outcome. */
export function SyncBanner() {
  const me = useMe();
  const client = useQueryClient();
  const [dismissed, setDismissed] = useState<string | null>(() => localStorage.getItem('pulsescore.sync-dismissed'));
  const progress = useQuery({
    queryKey: ['sync'],
    queryFn: () => get<SyncProgress>('/integrations/stripe/sync'),
    enabled: Boolean(me.data?.activeOrganizationId),
    refetchInterval: (q) => (q.state.data?.sync?.status === 'running' ? 1000 : 15_000),
  });
  const sync = progress.data?.sync ?? null;
  const running = sync?.status === 'running';

  // When a sync finishes, everything derived from Stripe data is fresh again.
  const [wasRunning, setWasRunning] = useState(false);
  useEffect(() => {
    if (running) setWasRunning(true);
    else if (wasRunning) {
      setWasRunning(false);
      void client.invalidateQueries();
    }
  }, [running, wasRunning, client]);

  const retry = useMutation({
    mutationFn: () => post('/integrations/stripe/sync'),
    onSuccess: () => client.invalidateQueries({ queryKey: ['sync'] }),
  });

  if (!sync) return null;
  const recent = sync.finishedAt ? Date.now() - Date.parse(sync.finishedAt) < RECENT_MS : true;
  if (!running && (!recent || dismissed === sync.id)) return null;
  const dismiss = () => {
    localStorage.setItem('pulsescore.sync-dismissed', sync.id);
    setDismissed(sync.id);
  };
  const counts = Object.entries(sync.counts)
    .filter(([k]) => ['customers', 'subscriptions', 'payments', 'invoices'].includes(k))
    .map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`)
    .join(' · ');

  if (running) {
    return (
      <div
        role="status"
        aria-live="polite"
        className="flex flex-wrap items-center gap-3 border-b border-indigo-200 bg-indigo-50 px-4 py-2 text-sm text-indigo-900"
      >
        <span className="h-3 w-3 animate-spin rounded-full border-2 border-indigo-300 border-t-indigo-700" aria-hidden="true" />
        <strong>Syncing Stripe data…</strong>
        <span>
          {PHASES[sync.phase] ?? sync.phase}
          {counts && ` — ${counts}`}
        </span>
      </div>
    );
  }
  const failed = sync.status === 'failed';
  return (
    <div
      role={failed ? 'alert' : 'status'}
      className={`flex flex-wrap items-center gap-3 border-b px-4 py-2 text-sm ${failed ? 'border-red-200 bg-red-50 text-red-900' : 'border-green-200 bg-green-50 text-green-900'}`}
    >
      <strong>{sync.message}</strong>
      {failed && isAdmin(me.data) && (
        <button
          type="button"
          onClick={() => retry.mutate()}
          disabled={retry.isPending}
          className="rounded-md bg-red-700 px-2 py-1 text-xs font-semibold text-white hover:bg-red-800"
        >
          Retry sync
        </button>
      )}
      {retry.error && <span>{errorMessage(retry.error)}</span>}
      <button type="button" onClick={dismiss} className="ml-auto text-xs underline" aria-label="Dismiss the sync message">
        Dismiss
      </button>
    </div>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { errorMessage, post } from '../lib/api';
import { isAdmin, useMe } from '../lib/session';
import { adviceText, countsText, failureText, phaseText, retryText, useStripeIntegration, useSync } from '../lib/sync';
import type { SyncProgress, SyncRun } from '../lib/types';
import { Linkify } from './Linkify';

const RECENT_MS = 15 * 60_000;

/** Starts a new sync (admins); the one running is answered when there is one. */
export function useRetrySync() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => post<{ sync: SyncRun }>('/integrations/stripe/sync'),
    onSuccess: (data) => {
      if (data?.sync) client.setQueryData<SyncProgress>(['sync'], { sync: data.sync });
      return Promise.all([client.invalidateQueries({ queryKey: ['sync'] }), client.invalidateQueries({ queryKey: ['integrations'] })]);
    },
  });
}

/** Everything read from Stripe is fresh again once a sync stops running. */
function useRefreshAfterSync(running: boolean) {
  const client = useQueryClient();
  const was = useRef(false);
  useEffect(() => {
    if (running) was.current = true;
    else if (was.current) {
      was.current = false;
      void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'sync' && q.queryKey[0] !== 'me' });
    }
  }, [running, client]);
}

/** The running sync in words: phase, counts and any retry. Shared by the banner and the Stripe tile. */
export function SyncProgressText({ sync, separated = false }: { sync: SyncRun; separated?: boolean }) {
  const counts = countsText(sync);
  return (
    <>
      <span data-sync-phase="">{phaseText(sync)}</span>
      {counts && (
        <span>
          {/* Between the phase and the counts on one line; a phone puts them on two. */}
          <span aria-hidden="true" className={separated ? 'mr-3 hidden sm:inline' : 'hidden'}>
            ·
          </span>
          <span data-sync-counts="">{counts}</span>
        </span>
      )}
      {sync.retry && (
        <span data-sync-retry="" className="font-medium text-amber-900">
          {retryText(sync.retry)}
        </span>
      )}
    </>
  );
}

/** "Syncing Stripe data…" with live progress at the top of every page, then the outcome. */
export function SyncBanner() {
  const me = useMe();
  const client = useQueryClient();
  const progress = useSync();
  const stripe = useStripeIntegration();
  const sync = progress.data?.sync ?? null;
  const running = sync?.status === 'running';
  useRefreshAfterSync(running);
  const retry = useRetrySync();
  // The server remembers the dismissal per user (`dismissed`); the banner goes at once, and comes back if that fails.
  const dismiss = useMutation({
    mutationFn: (id: string) => post(`/integrations/stripe/sync/${encodeURIComponent(id)}/dismiss`),
    onMutate: async (id) => {
      // A poll already on its way must not bring the banner back.
      await client.cancelQueries({ queryKey: ['sync'] });
      client.setQueryData<SyncProgress>(['sync'], (old) => (old?.sync?.id === id ? { sync: { ...old.sync, dismissed: true } } : old));
    },
    onSettled: () => client.invalidateQueries({ queryKey: ['sync'] }),
  });

  if (!sync) return null;
  // Disconnected: nothing is syncing any more, and an old outcome is no news.
  if (stripe.data && stripe.data.status !== 'connected') return null;
  if (!running) {
    const recent = sync.finishedAt ? Date.now() - Date.parse(sync.finishedAt) < RECENT_MS : true;
    if (sync.dismissed || (sync.status === 'succeeded' && !recent) || sync.status === 'canceled') return null;
  }

  if (running) {
    return (
      <section aria-label="Stripe sync" className="border-b border-indigo-200 bg-indigo-50 px-4 py-2 text-sm text-indigo-950">
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <span className="h-3 w-3 animate-spin rounded-full border-2 border-indigo-300 border-t-indigo-700" aria-hidden="true" />
          <strong role="status">Syncing Stripe data…</strong>
          <SyncProgressText sync={sync} separated />
        </div>
      </section>
    );
  }
  const failed = sync.status === 'failed';
  const advice = failed ? adviceText(sync) : null;
  return (
    <section
      aria-label="Stripe sync"
      className={`border-b px-4 py-2 text-sm ${failed ? 'border-red-200 bg-red-50 text-red-950' : 'border-green-200 bg-green-50 text-green-950'}`}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-2">
        <div role={failed ? 'alert' : 'status'} className="min-w-0 flex-1 basis-64">
          <strong>
            <Linkify text={failed ? failureText(sync) : sync.message} />
          </strong>
          {advice && (
            <span className="block">
              <Linkify text={advice} />
            </span>
          )}
        </div>
        {failed &&
          (isAdmin(me.data) ? (
            <button
              type="button"
              onClick={() => retry.mutate()}
              disabled={retry.isPending}
              className="rounded-md bg-red-700 px-2 py-1 text-xs font-semibold text-white hover:bg-red-800 disabled:bg-red-400"
            >
              Retry sync
            </button>
          ) : (
            <span>An admin of your organization can retry the sync.</span>
          ))}
        {retry.error && <span>{errorMessage(retry.error)}</span>}
        <button
          type="button"
          onClick={() => dismiss.mutate(sync.id)}
          className="ml-auto text-xs underline"
          aria-label={failed ? 'Dismiss the sync error' : 'Dismiss the sync message'}
        >
          Dismiss
        </button>
      </div>
    </section>
  );
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useLocation, useSearchParams } from 'react-router';
import { callbackError } from '../../../../src/stripe/oauth-errors';
import { Dialog } from '../../components/Dialog';
import { Button, FormError } from '../../components/forms';
import { Linkify } from '../../components/Linkify';
import { MenuButton, type MenuItem } from '../../components/Menu';
import { SyncProgressText, useRetrySync } from '../../components/SyncBanner';
import { Card, Loaded } from '../../components/states';
import { del, errorMessage, post } from '../../lib/api';
import { dateTime, shortDate } from '../../lib/format';
import { isAdmin, useMe } from '../../lib/session';
import { useSupport } from '../../lib/support';
import { adviceText, countsText, failureText, useStripeIntegration, useSync } from '../../lib/sync';
import type { StripeIntegration, SyncRun } from '../../lib/types';
import { Webhooks } from './StripeWebhooks';

/** Back from the consent page, connected: what the first sync is doing is in the banner and on the tile. */
function Connected({ clear }: { clear: () => void }) {
  const sync = useSync().data?.sync;
  return (
    <div
      role="status"
      className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-green-200 bg-green-50 p-3 text-sm text-green-900"
    >
      <span>Stripe is connected.{sync?.status === 'running' ? ' The first sync has started.' : ''}</span>
      <button type="button" onClick={clear} className="underline">
        Dismiss
      </button>
    </div>
  );
}

/** The outcome of the consent page, from the callback's redirect. Only PulseScore's own words are shown. */
function OAuthOutcome() {
  const [params, setParams] = useSearchParams();
  const support = useSupport();
  if (params.get('integration') !== 'stripe') return null;
  const status = params.get('status');
  const code = params.get('code') ?? '';
  const clear = () => setParams({}, { replace: true });
  if (status === 'connected') return <Connected clear={clear} />;
  // The message names the code once and says what to do; a link cannot put its own words on this page.
  const message = callbackError(code, support.email);
  const already = code === 'already_connected';
  return (
    <div
      role="alert"
      className={`space-y-1 rounded-lg border p-3 text-sm ${already ? 'border-amber-200 bg-amber-50 text-amber-950' : 'border-red-200 bg-red-50 text-red-900'}`}
    >
      <p className="font-semibold">{already ? 'Stripe is already connected' : 'Stripe was not connected'}</p>
      <p>
        <Linkify text={message} />
      </p>
      <button type="button" onClick={clear} className="underline">
        Dismiss
      </button>
    </div>
  );
}

/** Last sync: the same query as the banner, so the same numbers. */
function LastSync({ sync }: { sync: SyncRun | null }) {
  if (!sync) return <>No sync yet</>;
  const when = `started ${dateTime(sync.startedAt)}${sync.finishedAt ? `, finished ${dateTime(sync.finishedAt)}` : ''}`;
  if (sync.status === 'running') {
    return (
      <div className="space-y-1">
        <p className="font-medium">Syncing Stripe data… ({when})</p>
        <p className="flex flex-col gap-0.5">
          <SyncProgressText sync={sync} />
        </p>
        {sync.steps.length > 0 && (
          <ul className="mt-1 grid grid-cols-1 gap-x-4 text-xs text-slate-700 sm:grid-cols-2">
            {sync.steps.map((s) => (
              <li key={s.name}>
                <span aria-hidden="true">{s.done ? '✓ ' : '· '}</span>
                {s.label}: {s.imported.toLocaleString('en-US')}
                {s.expected ? ` of about ${s.expected.toLocaleString('en-US')}` : ''}
                {s.done ? ' (done)' : ''}
              </li>
            ))}
          </ul>
        )}
      </div>
    );
  }
  const failed = sync.status === 'failed';
  const advice = failed ? adviceText(sync) : null;
  return (
    <div className="space-y-1">
      <p className={failed ? 'font-medium text-red-800' : ''}>
        <Linkify text={failed ? failureText(sync) : sync.message} /> <span className="font-normal text-slate-600">({when})</span>
      </p>
      {advice && (
        <p className="text-red-800">
          <Linkify text={advice} />
        </p>
      )}
      <p className="text-slate-600" data-sync-counts="">
        {countsText(sync)}
      </p>
    </div>
  );
}

function Connection({ stripe }: { stripe: StripeIntegration }) {
  if (stripe.status !== 'disconnected') {
    return (
      <div className="min-w-0">
        <dt className="text-slate-600">Connection</dt>
        <dd title={dateTime(stripe.connectedAt)}>Connected {shortDate(stripe.connectedAt)}</dd>
      </div>
    );
  }
  // When and by whom; without a person (access revoked in Stripe), the reason says what happened.
  return (
    <div className="min-w-0">
      <dt className="text-slate-600">Connection</dt>
      <dd>
        <span title={dateTime(stripe.disconnectedAt)}>
          Disconnected {shortDate(stripe.disconnectedAt)}
          {stripe.disconnectedBy ? ` by ${stripe.disconnectedBy.name}` : ''}
        </span>
        {!stripe.disconnectedBy && stripe.disconnectReason && <span className="block text-slate-600">{stripe.disconnectReason}</span>}
        {stripe.connectedAt && (
          <span className="block text-slate-600" title={dateTime(stripe.connectedAt)}>
            Had been connected since {shortDate(stripe.connectedAt)}
          </span>
        )}
      </dd>
    </div>
  );
}

function StripeTile({ stripe }: { stripe: StripeIntegration }) {
  const me = useMe();
  const admin = isAdmin(me.data);
  const client = useQueryClient();
  const support = useSupport();
  const progress = useSync();
  const sync = progress.data?.sync ?? stripe.lastSync;
  const running = sync?.status === 'running';
  const [confirm, setConfirm] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const connect = useMutation({
    mutationFn: () => post<{ url: string }>('/integrations/stripe/connect'),
    // The guide: PulseScore navigates away to Stripe rather than opening a pop-up.
    onSuccess: ({ url }) => window.location.assign(url),
  });
  const retry = useRetrySync();
  const disconnect = useMutation({
    mutationFn: () => del('/integrations/stripe'),
    onSuccess: async () => {
      setConfirm(false);
      await Promise.all([client.invalidateQueries({ queryKey: ['integrations'] }), client.invalidateQueries({ queryKey: ['sync'] })]);
      void client.invalidateQueries({ queryKey: ['dashboard'] });
    },
  });
  const items: MenuItem[] = [
    ...(running ? [] : [{ label: 'Retry sync', onSelect: () => retry.mutate() }]),
    {
      label: 'Webhook settings',
      onSelect: () => {
        const heading = document.getElementById('webhooks-heading');
        heading?.scrollIntoView({ block: 'start' });
        heading?.focus();
      },
    },
    { label: 'Disconnect', danger: true, onSelect: () => setConfirm(true) },
  ];
  return (
    <Card>
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 className="text-base font-semibold">
            Stripe{stripe.accountId && stripe.livemode === false && <span className="ml-1 font-normal text-slate-600">(test)</span>}
          </h2>
          <p className="text-sm text-slate-600">Customers, subscriptions, payments and invoices (read-only).</p>
        </div>
        <div className="flex shrink-0 items-center gap-1">
          {stripe.connected ? (
            <span className="inline-flex items-center gap-1 rounded-full bg-green-100 px-2 py-0.5 text-sm font-semibold whitespace-nowrap text-green-800">
              <span aria-hidden="true">✓</span> <span>Connected</span>
            </span>
          ) : stripe.status === 'disconnected' ? (
            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-sm text-slate-700">Disconnected</span>
          ) : null}
          {stripe.connected && admin && (
            <MenuButton
              label="Stripe options"
              items={items}
              buttonRef={menuButton}
              className="rounded-md px-2 py-1 text-lg leading-none hover:bg-slate-100"
            >
              <span aria-hidden="true">⋮</span>
            </MenuButton>
          )}
        </div>
      </div>

      {!stripe.configured && (
        <p className="mt-3 text-sm text-red-800">
          Stripe is not configured on this server. Contact support at{' '}
          <a href={`mailto:${support.email}`} className="font-medium underline">
            {support.email}
          </a>
          .
        </p>
      )}

      {!stripe.connected && stripe.configured && (
        <div className="mt-4 space-y-2">
          {admin ? (
            <Button onClick={() => connect.mutate()} disabled={connect.isPending}>
              {connect.isPending ? 'Opening Stripe…' : 'Connect Stripe'}
            </Button>
          ) : (
            <p className="text-sm text-slate-600">An admin or owner of your organization can connect Stripe.</p>
          )}
          <FormError>{connect.error && errorMessage(connect.error)}</FormError>
          {stripe.status === 'disconnected' && (
            <p className="text-sm text-slate-600">Existing customer records and scores are kept but no longer updated from Stripe.</p>
          )}
        </div>
      )}

      {stripe.accountId && (
        <dl className="mt-4 grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-2">
          <div className="min-w-0">
            <dt className="text-slate-600">Connected account ID</dt>
            <dd className="font-mono break-all">{stripe.accountId}</dd>
          </div>
          <Connection stripe={stripe} />
          <div className="min-w-0 sm:col-span-2">
            <dt className="text-slate-600">Last sync</dt>
            <dd>
              <LastSync sync={sync} />
            </dd>
          </div>
        </dl>
      )}

      {stripe.connected && admin && (
        <div className="mt-4 space-y-4 border-t border-slate-100 pt-4">
          <div className="flex flex-wrap items-center gap-3">
            <Button variant="secondary" onClick={() => retry.mutate()} disabled={retry.isPending || running}>
              Retry sync
            </Button>
            {running && <span className="text-sm text-slate-600">A sync is running.</span>}
          </div>
          <FormError>{retry.error && errorMessage(retry.error)}</FormError>
          <Webhooks stripe={stripe} />
        </div>
      )}

      <Dialog open={confirm} title="Disconnect Stripe?" onClose={() => setConfirm(false)} returnFocus={menuButton}>
        <p className="text-sm">
          <span aria-hidden="true">⚠️ </span>
          <strong>Warning:</strong> Disconnecting Stripe stops all future syncs. Existing customer records and scores are retained but will
          no longer be updated from Stripe data.
        </p>
        <FormError>{disconnect.error && errorMessage(disconnect.error)}</FormError>
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirm(false)}>
            Cancel
          </Button>
          <Button variant="danger" onClick={() => disconnect.mutate()} disabled={disconnect.isPending}>
            Disconnect
          </Button>
        </div>
      </Dialog>
    </Card>
  );
}

export function IntegrationsPage() {
  const stripe = useStripeIntegration();
  const location = useLocation();
  // The help panel links to a section of this page (#webhooks).
  useEffect(() => {
    if (!location.hash || !stripe.data) return;
    const target = document.getElementById(location.hash.slice(1));
    target?.scrollIntoView({ block: 'start' });
  }, [location.hash, stripe.data]);
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Integrations</h1>
      <OAuthOutcome />
      <Loaded query={stripe}>
        {(data) => (data ? <StripeTile stripe={data} /> : <p className="text-sm">No integration available.</p>)}
      </Loaded>
    </div>
  );
}

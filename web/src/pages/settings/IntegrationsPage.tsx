import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { CALLBACK_ERRORS } from '../../../../src/stripe/oauth-errors';
import { Dialog } from '../../components/Dialog';
import { Button, Field, FormError } from '../../components/forms';
import { Card, Loaded } from '../../components/states';
import { errorMessage, get, post, put, del } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { isAdmin, useMe } from '../../lib/session';
import type { StripeIntegration } from '../../lib/types';

/** What to do about each connection failure (the guide's troubleshooting table). */
const NEXT_STEP: Record<string, string> = {
  invalid_client: 'Contact support at support@pulsescore.app.',
  access_denied: 'Restart the connection and click Allow access.',
  redirect_uri_mismatch: 'Contact support — this is a configuration issue on the PulseScore side.',
  already_connected: 'Disconnect Stripe first (⋮ → Disconnect), then reconnect.',
};

function OAuthOutcome() {
  const [params, setParams] = useSearchParams();
  if (params.get('integration') !== 'stripe') return null;
  const status = params.get('status');
  const code = params.get('code') ?? '';
  const clear = () => setParams({}, { replace: true });
  if (status === 'connected') {
    return (
      <div
        role="status"
        className="flex items-center justify-between rounded-lg border border-green-200 bg-green-50 p-3 text-sm text-green-900"
      >
        <span>Stripe is connected. The first sync has started.</span>
        <button type="button" onClick={clear} className="underline">
          Dismiss
        </button>
      </div>
    );
  }
  // Only messages PulseScore itself defines are shown: a link cannot put its own words on this page.
  const message = CALLBACK_ERRORS[code] ?? CALLBACK_ERRORS.stripe_error!;
  return (
    <div role="alert" className="space-y-1 rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-900">
      <p className="font-semibold">Stripe was not connected{code ? ` (${code})` : ''}.</p>
      <p>{message}</p>
      {NEXT_STEP[code] && <p>What to do: {NEXT_STEP[code]}</p>}
      <button type="button" onClick={clear} className="underline">
        Dismiss
      </button>
    </div>
  );
}

function CopyField({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="space-y-1">
      <p className="text-sm font-medium text-slate-800">{label}</p>
      <div className="flex gap-2">
        <code className="min-w-0 flex-1 truncate rounded-md border border-slate-200 bg-slate-50 px-2 py-1.5 text-xs">{value}</code>
        <Button
          variant="secondary"
          aria-label={`Copy ${label}`}
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
    </div>
  );
}

function StripeTile({ stripe }: { stripe: StripeIntegration }) {
  const me = useMe();
  const admin = isAdmin(me.data);
  const client = useQueryClient();
  const [menu, setMenu] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [secret, setSecret] = useState('');
  const refresh = () =>
    Promise.all([client.invalidateQueries({ queryKey: ['integrations'] }), client.invalidateQueries({ queryKey: ['sync'] })]);
  const connect = useMutation({
    mutationFn: () => post<{ url: string }>('/integrations/stripe/connect'),
    // The guide: PulseScore navigates away to Stripe rather than opening a pop-up.
    onSuccess: ({ url }) => window.location.assign(url),
  });
  const retry = useMutation({ mutationFn: () => post('/integrations/stripe/sync'), onSuccess: refresh });
  const disconnect = useMutation({
    mutationFn: () => del('/integrations/stripe'),
    onSuccess: async () => {
      setConfirm(false);
      await refresh();
    },
  });
  const saveSecret = useMutation({
    mutationFn: (value: string | null) => put('/integrations/stripe/webhook-secret', { secret: value }),
    onSuccess: async () => {
      setSecret('');
      await refresh();
    },
  });
  const last = stripe.lastSync;
  return (
    <Card>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 className="text-base font-semibold">
            Stripe{stripe.connected && stripe.livemode === false && <span className="ml-1 font-normal text-slate-600">(test)</span>}
          </h2>
          <p className="text-sm text-slate-600">Customers, subscriptions, payments and invoices (read-only).</p>
        </div>
        <div className="flex items-center gap-2">
          {stripe.connected ? (
            <span className="inline-flex items-center gap-1 rounded-full bg-green-100 px-2 py-0.5 text-sm font-semibold text-green-800">
              <span aria-hidden="true">✓</span> Connected
            </span>
          ) : stripe.status === 'disconnected' ? (
            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-sm text-slate-700">Disconnected</span>
          ) : null}
          {stripe.connected && admin && (
            <div className="relative">
              <button
                type="button"
                aria-label="Stripe options"
                aria-haspopup="menu"
                aria-expanded={menu}
                onClick={() => setMenu(!menu)}
                className="rounded-md px-2 py-1 text-lg leading-none hover:bg-slate-100"
              >
                ⋮
              </button>
              {menu && (
                <div role="menu" className="absolute right-0 z-10 mt-1 w-40 rounded-md border border-slate-200 bg-white py-1 shadow-lg">
                  <button
                    type="button"
                    role="menuitem"
                    className="block w-full px-3 py-2 text-left text-sm text-red-700 hover:bg-red-50"
                    onClick={() => {
                      setMenu(false);
                      setConfirm(true);
                    }}
                  >
                    Disconnect
                  </button>
                </div>
              )}
            </div>
          )}
        </div>
      </div>

      {!stripe.configured && (
        <p className="mt-3 text-sm text-red-800">Stripe is not configured on this server. Contact support at support@pulsescore.app.</p>
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
        <dl className="mt-4 grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
          <div>
            <dt className="text-slate-600">Connected account ID</dt>
            <dd className="font-mono">{stripe.accountId}</dd>
          </div>
          <div>
            <dt className="text-slate-600">Connected</dt>
            <dd>{dateTime(stripe.connectedAt)}</dd>
          </div>
          <div className="sm:col-span-2">
            <dt className="text-slate-600">Last sync</dt>
            <dd>
              {last ? (
                <>
                  <span className={last.status === 'failed' ? 'text-red-800' : ''}>{last.message}</span>{' '}
                  <span className="text-slate-600">
                    ({last.status}, started {dateTime(last.startedAt)}
                    {last.finishedAt ? `, finished ${dateTime(last.finishedAt)}` : ''})
                  </span>
                  {Object.keys(last.counts).length > 0 && (
                    <span className="block text-slate-600">
                      {['customers', 'subscriptions', 'payments', 'invoices']
                        .filter((k) => last.counts[k] !== undefined)
                        .map((k) => `${last.counts[k]} ${k}`)
                        .join(' · ')}
                    </span>
                  )}
                </>
              ) : (
                'No sync yet'
              )}
            </dd>
          </div>
        </dl>
      )}

      {stripe.connected && admin && (
        <div className="mt-4 space-y-4 border-t border-slate-100 pt-4">
          <div className="flex items-center gap-3">
            <Button variant="secondary" onClick={() => retry.mutate()} disabled={retry.isPending || last?.status === 'running'}>
              Retry sync
            </Button>
            {last?.status === 'running' && <span className="text-sm text-slate-600">A sync is running.</span>}
          </div>
          <FormError>{retry.error && errorMessage(retry.error)}</FormError>
          <CopyField label="Webhook URL" value={stripe.webhook.url} />
          {stripe.webhook.accountEndpointUrl && (
            <CopyField label="Webhook URL for an endpoint in your own Stripe account" value={stripe.webhook.accountEndpointUrl} />
          )}
          <form
            className="space-y-2"
            onSubmit={(e) => {
              e.preventDefault();
              saveSecret.mutate(secret.trim());
            }}
          >
            <Field
              label="Webhook secret"
              name="webhookSecret"
              type="password"
              autoComplete="off"
              placeholder="whsec_…"
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              hint={
                stripe.webhook.signingSecretSet
                  ? 'A signing secret is set. Enter a new one to replace it.'
                  : 'The signing secret of the endpoint you created in Stripe.'
              }
            />
            <div className="flex gap-2">
              <Button type="submit" variant="secondary" disabled={!secret.trim() || saveSecret.isPending}>
                Save secret
              </Button>
              {stripe.webhook.signingSecretSet && (
                <Button variant="secondary" onClick={() => saveSecret.mutate(null)} disabled={saveSecret.isPending}>
                  Remove secret
                </Button>
              )}
            </div>
            <FormError>{saveSecret.error && errorMessage(saveSecret.error)}</FormError>
            {saveSecret.isSuccess && (
              <p role="status" className="text-sm text-green-800">
                Saved.
              </p>
            )}
          </form>
        </div>
      )}

      <Dialog open={confirm} title="Disconnect Stripe?" onClose={() => setConfirm(false)}>
        <p className="text-sm">
          <span aria-hidden="true">⚠️ </span>
          <strong>Warning:</strong> Disconnecting Stripe stops all future syncs. Existing customer records and scores are retained but will
          no longer be updated from Stripe data.
        </p>
        <FormError>{disconnect.error && errorMessage(disconnect.error)}</FormError>
        <div className="flex justify-end gap-2">
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
  const integrations = useQuery({
    queryKey: ['integrations'],
    queryFn: () => get<{ integrations: StripeIntegration[] }>('/integrations'),
    refetchInterval: (q) => (q.state.data?.integrations.some((i) => i.lastSync?.status === 'running') ? 1500 : false),
  });
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Integrations</h1>
      <OAuthOutcome />
      <Loaded query={integrations}>
        {(data) => (
          <div className="grid gap-4">
            {data.integrations.map((i) => (
              <StripeTile key={i.provider} stripe={i} />
            ))}
          </div>
        )}
      </Loaded>
    </div>
  );
}

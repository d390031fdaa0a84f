import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Button, Field, FormError } from '../../components/forms';
import { Card, EmptyState, Loaded } from '../../components/states';
import { ApiError, errorMessage, get, post, put } from '../../lib/api';
import { isAdmin, useMe } from '../../lib/session';
import type { DataSources, Imports, Unmatched } from '../../lib/usage-types';

const MATCH_RULES = {
  trait: 'The group trait stripe_customer_id (the default)',
  metadata: 'A Stripe customer metadata key that holds the group id',
  email_domain: 'Email domain (of the group’s email or website, or the user’s email)',
} as const;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

function Endpoint({ data }: { data: DataSources }) {
  const s = data.status;
  return (
    <Card title="Segment-compatible endpoint">
      <div className="space-y-3 text-sm text-slate-700">
        <p>
          Point Segment’s server libraries (or RudderStack’s) at PulseScore by changing only their <code>host</code>: events go to{' '}
          {data.endpoint.paths.map((p, i) => (
            <span key={p}>
              {i > 0 && ', '}
              <code>{p}</code>
            </span>
          ))}{' '}
          on <code className="break-all">{data.endpoint.host}</code>. The write key is an organization API key (Settings → API keys).
        </p>
        <pre tabIndex={0} className="overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">
          {`new Analytics({ writeKey: 'psk_…', host: '${data.endpoint.host}' })`}
        </pre>
        <p>
          Support tickets: track <code>Ticket Opened</code> and <code>Ticket Solved</code> with <code>ticket_id</code>,{' '}
          <code>priority</code> (low, normal, high, urgent) and optionally <code>satisfaction</code> (good or bad), or send them to{' '}
          <code>POST /api/v1/support/tickets</code>.
        </p>
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 sm:grid-cols-4">
          <dt className="text-slate-500">Last event</dt>
          <dd>{when(s.lastEventAt)}</dd>
          <dt className="text-slate-500">Customers with usage</dt>
          <dd>{s.customersWithUsage}</dd>
          <dt className="text-slate-500">Raw events kept</dt>
          <dd>{s.rawEvents}</dd>
          <dt className="text-slate-500">Waiting for a match</dt>
          <dd>{s.waitingForMatch}</dd>
          <dt className="text-slate-500">Groups (unmatched)</dt>
          <dd>
            {s.groups} ({s.unmatchedGroups})
          </dd>
          <dt className="text-slate-500">Users (unmatched)</dt>
          <dd>
            {s.users} ({s.unmatchedUsers})
          </dd>
          <dt className="text-slate-500">Support tickets</dt>
          <dd>{s.tickets}</dd>
        </dl>
      </div>
    </Card>
  );
}

function Settings({ data, admin }: { data: DataSources; admin: boolean }) {
  const client = useQueryClient();
  const [form, setForm] = useState(data.settings);
  useEffect(() => setForm(data.settings), [data.settings]);
  const save = useMutation({
    mutationFn: () => put<DataSources>('/data-sources/settings', form),
    onSuccess: (next) => client.setQueryData(['data-sources'], next),
  });
  return (
    <Card title="Matching and retention">
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <fieldset className="space-y-2" disabled={!admin}>
          <legend className="text-sm font-medium text-slate-800">A Segment group (or context.groupId) is a customer by</legend>
          {(Object.keys(MATCH_RULES) as (keyof typeof MATCH_RULES)[]).map((rule) => (
            <label key={rule} className="flex items-start gap-2 text-sm">
              <input
                type="radio"
                name="matchBy"
                checked={form.matchBy === rule}
                onChange={() => setForm({ ...form, matchBy: rule })}
                className="mt-1"
              />
              <span>{MATCH_RULES[rule]}</span>
            </label>
          ))}
          {form.matchBy === 'metadata' && (
            <Field
              label="Stripe metadata key"
              value={form.metadataKey ?? ''}
              onChange={(e) => setForm({ ...form, metadataKey: e.target.value || null })}
              hint="The customer’s metadata[key] in Stripe holds the Segment group id."
              required
              maxLength={40}
            />
          )}
          <p className="text-xs text-slate-600">
            A user belongs to its group’s customer. Free-mail domains and domains several customers share match no one. Mappings made by
            hand (below) always win.
          </p>
        </fieldset>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field
            label="Keep raw events (days)"
            type="number"
            min={7}
            max={365}
            value={form.rawRetentionDays}
            disabled={!admin}
            onChange={(e) => setForm({ ...form, rawRetentionDays: Number(e.target.value) })}
            hint="Daily rollups stay; scores read only them."
          />
          <Field
            label="A CSM sentiment counts for (days)"
            type="number"
            min={1}
            max={365}
            value={form.sentimentDays}
            disabled={!admin}
            onChange={(e) => setForm({ ...form, sentimentDays: Number(e.target.value) })}
            hint="Then it stops counting, visibly."
          />
        </div>
        <FormError>{save.error ? errorMessage(save.error) : null}</FormError>
        {admin ? (
          <Button type="submit" disabled={save.isPending}>
            Save
          </Button>
        ) : (
          <p className="text-sm text-slate-600">Only admins and owners can change these settings.</p>
        )}
      </form>
    </Card>
  );
}

function MapTo({ kind, id, admin }: { kind: 'group' | 'user'; id: string; admin: boolean }) {
  const client = useQueryClient();
  const [customer, setCustomer] = useState('');
  const [error, setError] = useState<string | null>(null);
  const map = useMutation({
    mutationFn: async () => {
      const found = await get<{ customers: { id: string; name: string | null; email: string | null }[] }>(
        `/customers?q=${encodeURIComponent(customer)}&pageSize=2`,
      );
      if (found.customers.length !== 1)
        throw new Error(found.customers.length === 0 ? 'No customer matches.' : 'Several customers match; be more precise.');
      return put(`/data-sources/${kind}s/${encodeURIComponent(id)}/customer`, { customerId: found.customers[0]!.id });
    },
    onSuccess: async () => {
      setError(null);
      await client.invalidateQueries({ queryKey: ['data-sources'] });
    },
    onError: (err) => setError(err instanceof ApiError ? errorMessage(err) : (err as Error).message),
  });
  if (!admin) return null;
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        map.mutate();
      }}
    >
      <div className="min-w-0 flex-1 basis-48">
        <Field
          label={`Map ${kind} ${id} to customer`}
          value={customer}
          onChange={(e) => setCustomer(e.target.value)}
          placeholder="Name, email or cus_…"
          required
        />
      </div>
      <Button type="submit" variant="secondary" disabled={map.isPending}>
        Map
      </Button>
      {error && <p className="basis-full text-xs text-red-700">{error}</p>}
    </form>
  );
}

function UnmatchedList({ admin }: { admin: boolean }) {
  const unmatched = useQuery({ queryKey: ['data-sources', 'unmatched'], queryFn: () => get<Unmatched>('/data-sources/unmatched') });
  return (
    <Card title="Unmatched groups and users">
      <Loaded query={unmatched}>
        {(u) =>
          u.groups.length + u.users.length === 0 ? (
            <EmptyState title="Everything is matched">
              Events of groups and users that match no customer wait here until they are mapped.
            </EmptyState>
          ) : (
            <ul className="divide-y divide-slate-100">
              {u.groups.map((g) => (
                <li key={`g-${g.groupId}`} className="space-y-2 py-3 text-sm">
                  <p>
                    <span className="font-medium">Group {g.name ?? g.groupId}</span> <code className="text-xs">{g.groupId}</code> —{' '}
                    {g.events} events, last seen {when(g.lastSeenAt)}
                    {g.stripeCustomerId
                      ? ` (stripe_customer_id ${g.stripeCustomerId} matches no customer)`
                      : ' (no stripe_customer_id trait)'}
                  </p>
                  <MapTo kind="group" id={g.groupId} admin={admin} />
                </li>
              ))}
              {u.users.map((x) => (
                <li key={`u-${x.userKey}`} className="space-y-2 py-3 text-sm">
                  <p>
                    <span className="font-medium">User {x.name ?? x.email ?? x.userKey}</span> <code className="text-xs">{x.userKey}</code>{' '}
                    — {x.events} events
                    {x.groupId ? `, group ${x.groupId}` : ', no group'}
                  </p>
                  <MapTo kind="user" id={x.userKey} admin={admin} />
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </Card>
  );
}

function ImportCard({ admin }: { admin: boolean }) {
  const client = useQueryClient();
  const imports = useQuery({ queryKey: ['data-sources', 'imports'], queryFn: () => get<Imports>('/data-sources/imports') });
  const [kind, setKind] = useState<'usage' | 'tickets'>('usage');
  const upload = useMutation({
    mutationFn: async (file: File) => post(`/data-sources/imports/${kind}`, { csv: await file.text(), filename: file.name }),
    onSettled: () => client.invalidateQueries({ queryKey: ['data-sources'] }),
  });
  const rejected = upload.error instanceof ApiError ? (upload.error.details as { errorReportUrl?: string } | undefined) : undefined;
  return (
    <Card title="Import from CSV (backfill)">
      <div className="space-y-3 text-sm">
        <p className="text-slate-700">
          Usage: <code>date, customer, event, events, active_users</code>. Tickets:{' '}
          <code>ticket_id, customer, opened_at, status, priority, solved_at, satisfaction, subject</code>. <code>customer</code> is a Stripe
          customer id, an email or a matched group. Every row is checked first: one bad row imports nothing, and the error report lists them
          all.
        </p>
        {admin && (
          <div className="flex flex-wrap items-end gap-3">
            <label className="space-y-1">
              <span className="block font-medium">Kind</span>
              <select
                value={kind}
                onChange={(e) => setKind(e.target.value as 'usage' | 'tickets')}
                className="rounded-md border border-slate-300 px-2 py-2"
              >
                <option value="usage">Usage</option>
                <option value="tickets">Tickets</option>
              </select>
            </label>
            <label className="space-y-1">
              <span className="block font-medium">File</span>
              <input type="file" accept=".csv,text/csv" onChange={(e) => e.target.files?.[0] && upload.mutate(e.target.files[0])} />
            </label>
          </div>
        )}
        {upload.isSuccess && <p className="text-emerald-700">Imported.</p>}
        <FormError>{upload.error ? errorMessage(upload.error) : null}</FormError>
        {rejected?.errorReportUrl && (
          <a className="font-medium text-indigo-700 underline" href={`${rejected.errorReportUrl}`}>
            Download the error report
          </a>
        )}
        <Loaded query={imports}>
          {(d) =>
            d.imports.length === 0 ? null : (
              <ul className="divide-y divide-slate-100">
                {d.imports.map((i) => (
                  <li key={i.id} className="flex flex-wrap justify-between gap-2 py-2">
                    <span>
                      {i.kind} · {i.filename ?? 'pasted'} · {i.rows} rows · {new Date(i.createdAt).toLocaleString()}
                    </span>
                    <span className={i.status === 'imported' ? 'text-emerald-700' : 'text-red-700'}>
                      {i.status}
                      {i.errorReportUrl && (
                        <>
                          {' '}
                          · <a className="underline" href={i.errorReportUrl}>{`${i.errorCount} errors (CSV)`}</a>
                        </>
                      )}
                    </span>
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </div>
    </Card>
  );
}

/** Settings → Data sources: product usage and support tickets through the Segment-compatible API, matching, imports. */
export function DataSourcesPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const sources = useQuery({ queryKey: ['data-sources'], queryFn: () => get<DataSources>('/data-sources') });
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Data sources</h1>
      <Loaded query={sources}>
        {(data) => (
          <>
            <Endpoint data={data} />
            <Settings data={data} admin={admin} />
          </>
        )}
      </Loaded>
      <UnmatchedList admin={admin} />
      <ImportCard admin={admin} />
    </div>
  );
}

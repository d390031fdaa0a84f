import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { RiskDot, ScoreBadge } from '../components/RiskBadge';
import { STATE_LABELS, StateBadge } from '../components/StateBadge';
import { EmptyState, ErrorState, Spinner } from '../components/states';
import { When } from '../components/When';
import { MrrCell } from '../components/MrrCell';
import { get } from '../lib/api';
import { isAdmin, useMe } from '../lib/session';
import type { CustomerList, LifecycleState } from '../lib/types';

type Sort = 'attention' | 'name' | 'state' | 'score' | 'mrr' | 'last_payment';
const SORTS: { value: Sort; label: string }[] = [
  { value: 'attention', label: 'Needs attention' },
  { value: 'name', label: 'Name' },
  { value: 'state', label: 'Status' },
  { value: 'score', label: 'Score' },
  { value: 'mrr', label: 'MRR' },
  { value: 'last_payment', label: 'Last payment' },
];
/** The server's default order of each sort: highest first for money and recency, A→Z and lowest first otherwise. */
const DEFAULT_ORDER: Record<Sort, 'asc' | 'desc'> = {
  attention: 'asc',
  name: 'asc',
  state: 'asc',
  score: 'asc',
  mrr: 'desc',
  last_payment: 'desc',
};
const RISKS = [
  { value: 'green', label: 'Healthy' },
  { value: 'yellow', label: 'At risk' },
  { value: 'red', label: 'Critical' },
  { value: 'none', label: 'No score' },
] as const;
const STATES = Object.entries(STATE_LABELS) as [LifecycleState, string][];

const isSort = (s: string | null): s is Sort => SORTS.some((x) => x.value === s);
/** The order the address asks for; without one, the server's default: the customers that need attention first. */
function sortOf(params: URLSearchParams): { sort: Sort; order: 'asc' | 'desc' } {
  const s = params.get('sort');
  const sort: Sort = isSort(s) ? s : 'attention';
  const o = params.get('order');
  return { sort, order: o === 'asc' || o === 'desc' ? o : DEFAULT_ORDER[sort] };
}
const list = (s: string | null) => (s ?? '').split(',').filter(Boolean);

function SortHeader({
  sort,
  label,
  current,
  order,
  onSort,
  className = '',
}: {
  sort: Sort;
  label: string;
  current: Sort;
  order: 'asc' | 'desc';
  onSort: (s: Sort) => void;
  className?: string;
}) {
  const active = sort === current;
  const next = active ? (order === 'asc' ? 'descending' : 'ascending') : DEFAULT_ORDER[sort] === 'asc' ? 'ascending' : 'descending';
  return (
    <th scope="col" className={`px-3 py-2 ${className}`} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
      <button
        type="button"
        onClick={() => onSort(sort)}
        className={`inline-flex items-center gap-1 rounded font-semibold hover:underline ${active ? 'text-indigo-800' : ''}`}
        title={`Sort by ${label.toLowerCase()}, ${next}`}
      >
        {label}
        <span aria-hidden="true" className="text-xs">
          {active ? (order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

/** Search, filters, sort and page live in the URL, so a reload or a shared link shows the same list. */
export function CustomersPage() {
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const sortParam = params.get('sort');
  const orderParam = params.get('order');
  const { sort, order } = sortOf(params);
  const risk = list(params.get('risk'));
  const states = list(params.get('state'));
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const [search, setSearch] = useState(q);
  useEffect(() => setSearch(q), [q]);
  const filtered = Boolean(q || risk.length || states.length);

  const filter = new URLSearchParams();
  if (q) filter.set('q', q);
  if (risk.length) filter.set('risk', risk.join(','));
  if (states.length) filter.set('state', states.join(','));
  if (sortParam && isSort(sortParam) && sortParam !== 'attention') filter.set('sort', sortParam);
  if (orderParam && sort !== 'attention') filter.set('order', order);
  const customers = useQuery({
    queryKey: ['customers', filter.toString(), page],
    queryFn: () => get<CustomerList>(`/customers?${filter}${filter.size ? '&' : ''}page=${page}&pageSize=25`),
    placeholderData: keepPreviousData,
  });

  // Clicks can come faster than the router renders the address they wrote (its updates are transitions): each change
  // starts from the last address written, so two quick clicks on the filters are two changes, not one.
  const latest = useRef(params);
  useEffect(() => {
    latest.current = params;
  }, [params]);
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(latest.current);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in changes)) next.delete('page');
    latest.current = next;
    setParams(next);
  };
  const toggle = (key: 'risk' | 'state', value: string) => {
    const values = list(latest.current.get(key));
    const next = values.includes(value) ? values.filter((r) => r !== value) : [...values, value];
    update({ [key]: next.join(',') || null });
  };
  const onSort = (s: Sort) => {
    const now = sortOf(latest.current);
    if (s === now.sort) update({ sort: s === 'attention' ? null : s, order: now.order === 'asc' ? 'desc' : 'asc' });
    else update({ sort: s === 'attention' ? null : s, order: null });
  };
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    update({ q: search.trim() || null });
  };
  const headerProps = { current: sort, order, onSort };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Customers</h1>
        <a
          href={`/api/v1/customers/export.csv${filter.size ? `?${filter}` : ''}`}
          className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50"
          download
        >
          Export CSV
        </a>
      </div>
      <div className="space-y-3 rounded-xl border border-slate-200 bg-white p-3">
        <div className="flex flex-wrap items-end gap-3">
          <form onSubmit={onSearch} className="flex w-full min-w-0 gap-2 sm:w-auto" role="search">
            <label className="min-w-0 flex-1 text-sm">
              <span className="sr-only">Search customers</span>
              <input
                type="search"
                value={search}
                onChange={(e) => setSearch(e.target.value)}
                placeholder="Name, email or Stripe id"
                maxLength={200}
                className="w-full rounded-md border border-slate-300 px-3 py-2 text-sm sm:w-56"
              />
            </label>
            <button type="submit" className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white">
              Search
            </button>
          </form>
          <label className="text-sm">
            <span className="mr-1 text-slate-700">Sort by</span>
            <select
              value={sort}
              onChange={(e) => update({ sort: e.target.value === 'attention' ? null : e.target.value, order: null })}
              className="rounded-md border border-slate-300 px-2 py-2"
            >
              {SORTS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <fieldset className="flex flex-wrap items-center gap-2">
          <legend className="sr-only">Status</legend>
          <span aria-hidden="true" className="w-14 text-xs font-medium text-slate-600">
            Status
          </span>
          {STATES.map(([value, label]) => (
            <label
              key={value}
              className={`inline-flex cursor-pointer items-center rounded-full border px-3 py-1 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600 ${states.includes(value) ? 'border-indigo-600 bg-indigo-50' : 'border-slate-300'}`}
            >
              <input type="checkbox" className="sr-only" checked={states.includes(value)} onChange={() => toggle('state', value)} />
              {label}
            </label>
          ))}
        </fieldset>
        <fieldset className="flex flex-wrap items-center gap-2">
          <legend className="sr-only">Risk level</legend>
          <span aria-hidden="true" className="w-14 text-xs font-medium text-slate-600">
            Risk
          </span>
          {RISKS.map((r) => (
            <label
              key={r.value}
              className={`inline-flex cursor-pointer items-center gap-1.5 rounded-full border px-3 py-1 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600 ${risk.includes(r.value) ? 'border-indigo-600 bg-indigo-50' : 'border-slate-300'}`}
            >
              <input type="checkbox" className="sr-only" checked={risk.includes(r.value)} onChange={() => toggle('risk', r.value)} />
              <RiskDot level={r.value} />
              {r.label}
            </label>
          ))}
        </fieldset>
        {filtered && (
          <button
            type="button"
            onClick={() => setParams(new URLSearchParams(sortParam ? { sort: sortParam } : {}))}
            className="text-sm underline"
          >
            Clear search and filters
          </button>
        )}
      </div>
      {sort === 'attention' && (
        <p className="text-sm text-slate-600">Customers that need attention first: at risk before healthy, the most revenue first.</p>
      )}
      {customers.isPending ? (
        <Spinner />
      ) : customers.error ? (
        <ErrorState error={customers.error} retry={() => void customers.refetch()} />
      ) : customers.data.customers.length === 0 ? (
        customers.data.total > 0 ? (
          <EmptyState title={`There is no page ${page}`}>
            The list has {customers.data.pages.toLocaleString('en-US')} {customers.data.pages === 1 ? 'page' : 'pages'}:{' '}
            <button type="button" className="underline" onClick={() => update({ page: '1' })}>
              go to page 1
            </button>
            .
          </EmptyState>
        ) : filtered ? (
          <EmptyState title="No customers match">
            Try another search or filter, or{' '}
            <button type="button" className="underline" onClick={() => setParams(new URLSearchParams())}>
              show every customer
            </button>
            .
          </EmptyState>
        ) : (
          <EmptyState title="No customers yet">
            {isAdmin(me.data) ? (
              <>
                <Link to="/settings/integrations" className="font-medium text-indigo-700 underline">
                  Connect Stripe in Settings → Integrations
                </Link>{' '}
                to import your customers.
              </>
            ) : (
              'Customers appear here once an admin of your organization connects Stripe.'
            )}
          </EmptyState>
        )
      ) : (
        <>
          <div className="rounded-xl border border-slate-200 bg-white">
            <table className="w-full table-fixed text-left text-sm sm:table-auto">
              <caption className="sr-only">
                Customers, {customers.data.total} in all, sorted by {SORTS.find((s) => s.value === sort)!.label.toLowerCase()}
              </caption>
              <thead className="border-b border-slate-200 bg-slate-50 text-slate-700">
                <tr>
                  <SortHeader sort="name" label="Customer" {...headerProps} className="w-auto" />
                  <SortHeader sort="state" label="Status" {...headerProps} className="hidden md:table-cell" />
                  <SortHeader sort="score" label="Score" {...headerProps} className="w-24 sm:w-auto" />
                  <SortHeader sort="mrr" label="MRR" {...headerProps} className="w-24 text-right sm:w-auto" />
                  <SortHeader sort="last_payment" label="Last payment" {...headerProps} className="hidden sm:table-cell" />
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {customers.data.customers.map((c) => (
                  <tr key={c.id} className="align-top hover:bg-slate-50">
                    <td className="max-w-0 px-3 py-2 sm:max-w-none">
                      <Link to={`/customers/${c.id}`} className="font-medium break-words text-indigo-700 hover:underline">
                        {c.name ?? c.email ?? c.externalId}
                      </Link>
                      {c.name && c.email && (
                        <span className="block truncate text-xs text-slate-600" title={c.email}>
                          {c.email}
                        </span>
                      )}
                      {/* A phone has no room for the status and last-payment columns: they are said here. */}
                      <span className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 md:hidden">
                        <StateBadge state={c.state} />
                        <span className="text-xs text-slate-600 sm:hidden">
                          {c.lastPaymentAt ? (
                            <>
                              paid <When at={c.lastPaymentAt} />
                            </>
                          ) : (
                            'no payment yet'
                          )}
                        </span>
                      </span>
                    </td>
                    <td className="hidden px-3 py-2 md:table-cell">
                      <StateBadge state={c.state} />
                    </td>
                    <td className="px-3 py-2">
                      <ScoreBadge score={c.score} level={c.riskLevel} reason={c.scoreReason} showReason />
                    </td>
                    <td className="px-3 py-2 text-right tabular-nums">
                      <MrrCell mrr={c.mrr} />
                    </td>
                    <td className="hidden px-3 py-2 sm:table-cell">
                      <When at={c.lastPaymentAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav aria-label="Pages" className="flex flex-wrap items-center justify-between gap-2 text-sm">
            <span>
              {customers.data.total.toLocaleString('en-US')} {customers.data.total === 1 ? 'customer' : 'customers'} · page{' '}
              {customers.data.page} of {customers.data.pages}
            </span>
            <span className="flex gap-2">
              <button
                type="button"
                disabled={page <= 1}
                onClick={() => update({ page: String(page - 1) })}
                className="rounded-md border border-slate-300 bg-white px-3 py-1 disabled:opacity-50"
              >
                Previous
              </button>
              <button
                type="button"
                disabled={page >= customers.data.pages}
                onClick={() => update({ page: String(page + 1) })}
                className="rounded-md border border-slate-300 bg-white px-3 py-1 disabled:opacity-50"
              >
                Next
              </button>
            </span>
          </nav>
        </>
      )}
    </div>
  );
}

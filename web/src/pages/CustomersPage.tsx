import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { RiskDot, ScoreBadge } from '../components/RiskBadge';
import { EmptyState, ErrorState, Spinner } from '../components/states';
import { get } from '../lib/api';
import { ago, money } from '../lib/format';
import type { CustomerList } from '../lib/types';

const SORTS = [
  { value: 'score', label: 'Score' },
  { value: 'name', label: 'Name' },
  { value: 'mrr', label: 'MRR' },
  { value: 'last_payment', label: 'Last payment' },
];
const RISKS = [
  { value: 'green', label: 'Healthy' },
  { value: 'yellow', label: 'At risk' },
  { value: 'red', label: 'Critical' },
  { value: 'none', label: 'No score' },
] as const;

/** Search, sort, risk filter and page live in the URL, so a reload or a shared link shows the same list. */
export function CustomersPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const sort = params.get('sort') ?? 'score';
  const order = params.get('order') ?? '';
  const risk = (params.get('risk') ?? '').split(',').filter(Boolean);
  const page = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const [search, setSearch] = useState(q);
  useEffect(() => setSearch(q), [q]);

  const filter = new URLSearchParams();
  if (q) filter.set('q', q);
  if (risk.length) filter.set('risk', risk.join(','));
  filter.set('sort', sort);
  if (order) filter.set('order', order);
  const list = useQuery({
    queryKey: ['customers', filter.toString(), page],
    queryFn: () => get<CustomerList>(`/customers?${filter}&page=${page}&pageSize=25`),
    placeholderData: keepPreviousData,
  });

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next);
  };
  const toggleRisk = (value: string) => {
    const next = risk.includes(value) ? risk.filter((r) => r !== value) : [...risk, value];
    update({ risk: next.join(',') || null });
  };
  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    update({ q: search.trim() || null });
  };

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Customers</h1>
        <a
          href={`/api/v1/customers/export.csv?${filter}`}
          className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50"
          download
        >
          Export CSV
        </a>
      </div>
      <div className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-3">
        <form onSubmit={onSearch} className="flex gap-2" role="search">
          <label className="text-sm">
            <span className="sr-only">Search customers</span>
            <input
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder="Search name or email"
              className="w-56 rounded-md border border-slate-300 px-3 py-2 text-sm"
            />
          </label>
          <button type="submit" className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white">
            Search
          </button>
        </form>
        <fieldset className="flex flex-wrap gap-2">
          <legend className="sr-only">Risk level</legend>
          {RISKS.map((r) => (
            <label
              key={r.value}
              className={`inline-flex cursor-pointer items-center gap-1.5 rounded-full border px-3 py-1 text-sm has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600 ${risk.includes(r.value) ? 'border-indigo-600 bg-indigo-50' : 'border-slate-300'}`}
            >
              <input type="checkbox" className="sr-only" checked={risk.includes(r.value)} onChange={() => toggleRisk(r.value)} />
              <RiskDot level={r.value} />
              {r.label}
            </label>
          ))}
        </fieldset>
        <label className="text-sm">
          <span className="mr-1 text-slate-700">Sort by</span>
          <select
            value={sort}
            onChange={(e) => update({ sort: e.target.value, order: null })}
            className="rounded-md border border-slate-300 px-2 py-2"
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          <span className="mr-1 text-slate-700">Order</span>
          <select
            value={order}
            onChange={(e) => update({ order: e.target.value || null })}
            className="rounded-md border border-slate-300 px-2 py-2"
          >
            <option value="">Default</option>
            <option value="asc">Ascending</option>
            <option value="desc">Descending</option>
          </select>
        </label>
      </div>
      {list.isPending ? (
        <Spinner />
      ) : list.error ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : list.data.customers.length === 0 ? (
        <EmptyState title="No customers match">
          {q || risk.length ? 'Try another search or filter.' : 'Connect Stripe in Settings → Integrations to import your customers.'}
        </EmptyState>
      ) : (
        <>
          <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Customers, {list.data.total} in all</caption>
              <thead className="border-b border-slate-200 bg-slate-50 text-slate-700">
                <tr>
                  <th scope="col" className="px-3 py-2">
                    Customer
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Score
                  </th>
                  <th scope="col" className="px-3 py-2 text-right">
                    MRR
                  </th>
                  <th scope="col" className="hidden px-3 py-2 sm:table-cell">
                    Last payment
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {list.data.customers.map((c) => (
                  <tr key={c.id} className="hover:bg-slate-50">
                    <td className="px-3 py-2">
                      <Link to={`/customers/${c.id}`} className="font-medium text-indigo-700 hover:underline">
                        {c.name ?? c.email ?? c.externalId}
                      </Link>
                      {c.name && c.email && <span className="block text-xs text-slate-600">{c.email}</span>}
                    </td>
                    <td className="px-3 py-2">
                      <ScoreBadge score={c.score} level={c.riskLevel} reason={c.scoreReason} />
                    </td>
                    <td className="px-3 py-2 text-right tabular-nums">{money(c.mrr.amount, c.mrr.currency)}</td>
                    <td className="hidden px-3 py-2 sm:table-cell">{ago(c.lastPaymentAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav aria-label="Pages" className="flex items-center justify-between text-sm">
            <span>
              {list.data.total.toLocaleString('en-US')} customers · page {list.data.page} of {list.data.pages}
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
                disabled={page >= list.data.pages}
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

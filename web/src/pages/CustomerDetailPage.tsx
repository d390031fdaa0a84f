import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link, useParams } from 'react-router';
import { ScoreHistoryChart } from '../components/charts';
import { Button, FormError } from '../components/forms';
import { RiskLabel } from '../components/RiskBadge';
import { StateBadge } from '../components/StateBadge';
import { Card, Loaded } from '../components/states';
import { CustomerSignals } from '../components/CustomerSignals';
import { Payments, Subscriptions } from './customer/CustomerBilling';
import { When } from '../components/When';
import { errorMessage, get, post } from '../lib/api';
import { FACTOR_LABELS, date, dateTime, money } from '../lib/format';
import type { CustomerDetail, CustomerVersion, ScoreHistory, Timeline } from '../lib/types';

function Factors({ score }: { score: CustomerDetail['score'] }) {
  // A factor's points are its share of 100 among the factors counted: an absent factor's weight is spread over
  // them, so the most a factor can give is its weight over the counted weights, not its weight.
  const counted = score.factors.reduce((sum, f) => sum + f.weight, 0);
  return (
    <div className="space-y-3">
      <ul className="space-y-3">
        {score.factors.map((f) => (
          <li key={f.name}>
            <div className="flex flex-wrap items-baseline justify-between gap-x-2 text-sm">
              <span className="font-medium">{FACTOR_LABELS[f.name] ?? f.name}</span>
              <span className="text-slate-700 tabular-nums">
                {f.points.toFixed(1)} of {counted > 0 ? ((100 * f.weight) / counted).toFixed(1) : '0'} pts · weight {f.weight}
              </span>
            </div>
            <div
              className="mt-1 h-2 overflow-hidden rounded-full bg-slate-100"
              role="meter"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(f.value * 100)}
              aria-label={`${FACTOR_LABELS[f.name] ?? f.name}: ${Math.round(f.value * 100)}%`}
            >
              <div className="h-full bg-indigo-500" style={{ width: `${f.value * 100}%` }} />
            </div>
            <p className="mt-1 text-sm text-slate-700">{f.explanation}</p>
          </li>
        ))}
      </ul>
      {score.absent.length > 0 && (
        <p className="text-xs text-slate-600">
          Not counted: {score.absent.map((a) => `${FACTOR_LABELS[a.name] ?? a.name} (${a.reason})`).join('; ')}. Their weight is spread over
          the others.
        </p>
      )}
    </div>
  );
}

function Health({ d }: { d: CustomerDetail }) {
  const state = d.customer.state;
  // A trial gets no health verdict: its state says where it stands.
  const verdict = state.value !== 'trialing';
  const coverage = d.score.coverage;
  // "Provisional" qualifies a score: without one (a trial, nothing billed) there is nothing to qualify.
  const provisional = d.score.score !== null && coverage?.provisional === true;
  return (
    <Card title="Health">
      <p className="text-sm text-slate-600">Status</p>
      <StateBadge state={state} className="mt-1 text-sm" />
      <p className="mt-3 text-sm text-slate-600">Health score</p>
      <div className="mt-1 flex flex-wrap items-center gap-3">
        <span className="text-4xl font-bold tabular-nums">{d.score.score ?? 'N/A'}</span>
        {verdict && d.score.level && <RiskLabel level={d.score.level} />}
        {provisional && (
          <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 ring-1 ring-amber-600/30 ring-inset">
            Provisional: one factor
          </span>
        )}
      </div>
      {d.score.explanation && <p className="mt-2 text-sm text-slate-700">{d.score.explanation}</p>}
      {provisional && (
        <p className="mt-1 text-xs text-slate-600">
          Only {coverage!.present} of {coverage!.of} factors could be measured: this score is not yet a verdict.
        </p>
      )}
      <p className="mt-2 text-xs text-slate-600">
        Computed <When at={d.score.scoredAt} never="not yet" />
        {d.score.stale && ' · billing data changed since; a new score is on its way'}
      </p>
    </Card>
  );
}

function Details({ d }: { d: CustomerDetail }) {
  const metadata = Object.entries(d.customer.metadata);
  return (
    <Card title="Details">
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-slate-600">Currency</dt>
        <dd>{d.customer.currency ? d.customer.currency.toUpperCase() : '—'}</dd>
        <dt className="text-slate-600">Customer since</dt>
        <dd title={dateTime(d.customer.firstSeenAt)}>{date(d.customer.firstSeenAt)}</dd>
        <dt className="text-slate-600">Stripe ID</dt>
        <dd className="font-mono text-xs break-all">{d.customer.externalId}</dd>
      </dl>
      <h3 className="mt-4 text-sm font-semibold">Metadata</h3>
      {metadata.length === 0 ? (
        <p className="text-sm text-slate-600">No metadata in Stripe.</p>
      ) : (
        <dl className="mt-1 grid grid-cols-[minmax(0,auto)_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm">
          {metadata.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="font-mono text-xs break-all text-slate-600">{k}</dt>
              <dd className="break-words">{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </Card>
  );
}

function useLiveCustomer(id: string) {
  const client = useQueryClient();
  const version = useQuery({
    queryKey: ['customer-version', id],
    queryFn: () => get<CustomerVersion>(`/customers/${encodeURIComponent(id)}/version`),
    refetchInterval: 3000,
  });
  const seen = useRef<string | null>(null);
  const current = version.data?.version ?? null;
  useEffect(() => {
    if (current === null) return;
    if (seen.current !== null && seen.current !== current) void client.invalidateQueries({ queryKey: ['customer', id] });
    seen.current = current;
  }, [current, id, client]);
}

export function CustomerDetailPage() {
  const { id = '' } = useParams();
  const client = useQueryClient();
  useLiveCustomer(id);
  const detail = useQuery({
    queryKey: ['customer', id],
    queryFn: () => get<CustomerDetail>(`/customers/${encodeURIComponent(id)}`),
  });
  const history = useQuery({
    queryKey: ['customer', id, 'history'],
    queryFn: () => get<ScoreHistory>(`/customers/${encodeURIComponent(id)}/score-history`),
  });
  const timeline = useQuery({
    queryKey: ['customer', id, 'timeline'],
    queryFn: () => get<Timeline>(`/customers/${encodeURIComponent(id)}/timeline`),
  });
  const recalc = useMutation({
    mutationFn: () => post<CustomerDetail>(`/customers/${encodeURIComponent(id)}/recalculate`),
    onSuccess: (data) => {
      client.setQueryData(['customer', id], data);
      void client.invalidateQueries({ queryKey: ['customer', id] });
    },
  });
  return (
    <div className="space-y-4">
      <Link to="/customers" className="text-sm text-indigo-700 hover:underline">
        ← Customers
      </Link>
      <Loaded query={detail} back={{ to: '/customers', label: 'Back to customers' }}>
        {(d) => (
          <div className="space-y-4">
            <div className="flex flex-wrap items-start justify-between gap-3">
              <div className="min-w-0">
                <h1 className="text-2xl font-semibold break-words">{d.customer.name ?? d.customer.email ?? d.customer.externalId}</h1>
                <p className="text-sm break-words text-slate-600">
                  {d.customer.email && <>{d.customer.email} · </>}
                  {d.customer.state.label} · customer since {date(d.customer.firstSeenAt)}
                  {d.customer.deletedAt && ' · deleted in Stripe'}
                </p>
              </div>
              <Button variant="secondary" onClick={() => recalc.mutate()} disabled={recalc.isPending}>
                {recalc.isPending ? 'Recalculating…' : 'Recalculate'}
              </Button>
            </div>
            <FormError>{recalc.error && errorMessage(recalc.error)}</FormError>
            <div className="grid gap-4 lg:grid-cols-3">
              <Health d={d} />
              <Card title="Factors">
                {d.score.factors.length > 0 ? (
                  <Factors score={d.score} />
                ) : (
                  <p className="text-sm text-slate-600">{d.score.explanation ?? 'No factor could be measured yet.'}</p>
                )}
              </Card>
              <Card title="MRR">
                <p className="text-2xl font-semibold">{money(d.customer.mrr.amount, d.customer.mrr.currency ?? d.customer.currency)}</p>
                {Object.keys(d.customer.mrr.byCurrency).length > 1 && (
                  <p className="text-xs text-slate-600">
                    {Object.entries(d.customer.mrr.byCurrency)
                      .map(([c, v]) => money(v, c))
                      .join(' · ')}
                  </p>
                )}
                <ul className="mt-2 space-y-1 text-xs text-slate-700">
                  {d.mrrHistory.slice(-6).map((m) => (
                    <li key={`${m.currency}${m.from}`}>
                      {date(m.from)}: {m.movement} → {money(m.mrr, m.currency)}
                    </li>
                  ))}
                </ul>
              </Card>
            </div>
            <div className="grid gap-4 lg:grid-cols-3">
              <Details d={d} />
              <div className="lg:col-span-2">
                <Card title="Subscriptions">
                  <Subscriptions subs={d.subscriptions} />
                </Card>
              </div>
            </div>
            <Card title="Payments">
              <Payments payments={d.payments} />
            </Card>
            <CustomerSignals customerId={d.customer.id} />
            <Card title="Score history">
              <Loaded query={history}>
                {(h) =>
                  h.history.length === 0 ? (
                    <p className="text-sm text-slate-600">No score yet.</p>
                  ) : (
                    <ScoreHistoryChart
                      points={h.history.map((e) => ({ at: e.at, score: e.score, reconstructed: e.reason === 'reconstructed' }))}
                    />
                  )
                }
              </Loaded>
            </Card>
            <Card title="Timeline">
              <Loaded query={timeline}>
                {(t) =>
                  t.events.length === 0 ? (
                    <p className="text-sm text-slate-600">Nothing yet.</p>
                  ) : (
                    <ol className="space-y-2 text-sm">
                      {t.events.slice(0, 100).map((e, i) => (
                        <li key={`${e.at}${i}`} className="flex gap-3">
                          <When at={e.at} className="w-28 shrink-0 text-slate-600" />
                          <span className={`min-w-0 break-words ${e.type === 'payment.failed' ? 'text-red-800' : ''}`}>{e.title}</span>
                        </li>
                      ))}
                    </ol>
                  )
                }
              </Loaded>
            </Card>
          </div>
        )}
      </Loaded>
    </div>
  );
}

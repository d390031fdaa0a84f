import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { LineSeries } from '../components/charts';
import { Button, FormError } from '../components/forms';
import { RiskLabel } from '../components/RiskBadge';
import { Card, Loaded } from '../components/states';
import { errorMessage, get, post } from '../lib/api';
import { FACTOR_LABELS, date, dateTime, money } from '../lib/format';
import type { CustomerDetail, ScoreHistory, Timeline } from '../lib/types';

function Factors({ score }: { score: CustomerDetail['score'] }) {
  return (
    <div className="space-y-3">
      <ul className="space-y-3">
        {score.factors.map((f) => (
          <li key={f.name}>
            <div className="flex items-baseline justify-between gap-2 text-sm">
              <span className="font-medium">{FACTOR_LABELS[f.name] ?? f.name}</span>
              <span className="tabular-nums text-slate-700">
                {f.points.toFixed(1)} pts · weight {f.weight}
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

export function CustomerDetailPage() {
  const { id = '' } = useParams();
  const client = useQueryClient();
  const detail = useQuery({ queryKey: ['customer', id], queryFn: () => get<CustomerDetail>(`/customers/${encodeURIComponent(id)}`) });
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
      <Loaded query={detail}>
        {(d) => (
          <div className="space-y-4">
            <div className="flex flex-wrap items-start justify-between gap-3">
              <div>
                <h1 className="text-2xl font-semibold">{d.customer.name ?? d.customer.email ?? d.customer.externalId}</h1>
                <p className="text-sm text-slate-600">
                  {d.customer.email} · Stripe {d.customer.externalId} · customer since {date(d.customer.firstSeenAt)}
                  {d.customer.deletedAt && ' · deleted in Stripe'}
                </p>
              </div>
              <div className="flex items-center gap-2">
                <Button variant="secondary" onClick={() => recalc.mutate()} disabled={recalc.isPending}>
                  {recalc.isPending ? 'Recalculating…' : 'Recalculate'}
                </Button>
              </div>
            </div>
            <FormError>{recalc.error && errorMessage(recalc.error)}</FormError>
            <div className="grid gap-4 lg:grid-cols-3">
              <Card title="Health score">
                <div className="flex items-center gap-3">
                  <span className="text-4xl font-bold tabular-nums">{d.score.score ?? 'N/A'}</span>
                  <RiskLabel level={d.score.level} />
                </div>
                <p className="mt-2 text-sm text-slate-700">{d.score.explanation}</p>
                <p className="mt-2 text-xs text-slate-600">
                  Computed {dateTime(d.score.scoredAt)}
                  {d.score.stale && ' · billing data changed since; a new score is on its way'}
                </p>
              </Card>
              <Card title="Factors">
                <div>
                  {d.score.factors.length > 0 ? (
                    <Factors score={d.score} />
                  ) : (
                    <p className="text-sm text-slate-600">{d.score.explanation}</p>
                  )}
                </div>
              </Card>
              <Card title="MRR">
                <p className="text-2xl font-semibold">{money(d.customer.mrr.amount, d.customer.mrr.currency)}</p>
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
            <Card title="Score history">
              <Loaded query={history}>
                {(h) =>
                  h.history.length === 0 ? (
                    <p className="text-sm text-slate-600">No score yet.</p>
                  ) : (
                    <LineSeries
                      label="Score"
                      domain={[0, 100]}
                      format={(n) => String(Math.round(n))}
                      data={h.history.map((e) => ({ x: date(e.at), y: e.score ?? 0 }))}
                    />
                  )
                }
              </Loaded>
            </Card>
            <div className="grid gap-4 lg:grid-cols-2">
              <Card title="Subscriptions">
                {d.subscriptions.length === 0 ? (
                  <p className="text-sm text-slate-600">No subscriptions.</p>
                ) : (
                  <ul className="divide-y divide-slate-100 text-sm">
                    {d.subscriptions.map((s) => (
                      <li key={s.id} className="py-2">
                        <div className="flex justify-between gap-2">
                          <span className="font-medium">{s.planName ?? s.id}</span>
                          <span className="text-slate-700">{s.status.replace('_', ' ')}</span>
                        </div>
                        <p className="text-xs text-slate-600">
                          {money(s.amountCents, s.currency)} every {s.intervalCount > 1 ? `${s.intervalCount} ` : ''}
                          {s.interval ?? 'period'} · MRR {money(s.mrr, s.currency)}
                          {s.cancelAtPeriodEnd && ` · cancels ${date(s.currentPeriodEnd)}`}
                          {s.canceledAt && !s.cancelAtPeriodEnd && ` · canceled ${date(s.canceledAt)}`}
                          {s.trialEnd && s.status === 'trialing' && ` · trial ends ${date(s.trialEnd)}`}
                        </p>
                      </li>
                    ))}
                  </ul>
                )}
              </Card>
              <Card title="Payments">
                {d.payments.length === 0 ? (
                  <p className="text-sm text-slate-600">No payments in the last 90 days.</p>
                ) : (
                  <table className="w-full text-left text-sm">
                    <caption className="sr-only">Recent payments</caption>
                    <thead className="text-slate-600">
                      <tr>
                        <th scope="col" className="py-1">
                          Date
                        </th>
                        <th scope="col" className="py-1">
                          Amount
                        </th>
                        <th scope="col" className="py-1">
                          Status
                        </th>
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-slate-100">
                      {d.payments.map((p) => (
                        <tr key={p.id}>
                          <td className="py-1">{date(p.paidAt)}</td>
                          <td className="py-1 tabular-nums">{money(p.amountCents, p.currency)}</td>
                          <td className={`py-1 ${p.status === 'failed' ? 'text-red-800' : ''}`}>
                            {p.status}
                            {p.failureCode && (
                              <span className="block text-xs">
                                {p.failureCode}: {p.failureMessage}
                              </span>
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
            </div>
            <Card title="Timeline">
              <Loaded query={timeline}>
                {(t) =>
                  t.events.length === 0 ? (
                    <p className="text-sm text-slate-600">Nothing yet.</p>
                  ) : (
                    <ol className="space-y-2 text-sm">
                      {t.events.slice(0, 100).map((e, i) => (
                        <li key={`${e.at}${i}`} className="flex gap-3">
                          <time dateTime={e.at} className="w-28 shrink-0 text-slate-600">
                            {date(e.at)}
                          </time>
                          <span className={e.type === 'payment.failed' ? 'text-red-800' : ''}>{e.title}</span>
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

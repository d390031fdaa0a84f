import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { RISK_COLORS, ScoreBadge } from '../components/RiskBadge';
import { Card, EmptyState, Loaded, Spinner } from '../components/states';
import { ChurnSplit } from '../components/ChurnSplit';
import { MrrBreakdown, MrrHeadlineStat } from '../components/MrrHeadline';
import { get } from '../lib/api';
import { money, shortDate, signed } from '../lib/format';
import { isAdmin, useMe } from '../lib/session';
import { useStripeIntegration } from '../lib/sync';
import type { DashboardSummary, Distribution, MrrTrend } from '../lib/types';

// The chart library is most of the app's weight: it loads beside the dashboard's numbers, not before them.
const HistogramChart = lazy(() => import('../components/charts').then((m) => ({ default: m.HistogramChart })));
const LineSeries = lazy(() => import('../components/charts').then((m) => ({ default: m.LineSeries })));
function Chart({ children }: { children: React.ReactNode }) {
  return (
    <Suspense
      fallback={
        <div className="h-56">
          <Spinner label="Loading the chart…" />
        </div>
      }
    >
      {children}
    </Suspense>
  );
}

/** `lowerIsBetter`: a rise is bad news (more customers at risk), so it is shown in red. */
function Change({
  value,
  digits = 0,
  format,
  lowerIsBetter = false,
}: {
  value: number | null;
  digits?: number;
  format?: (n: number) => string;
  lowerIsBetter?: boolean;
}) {
  if (value === null) return <span className="text-slate-500">not enough history</span>;
  const text = format ? `${value > 0 ? '+' : value < 0 ? '−' : '±'}${format(Math.abs(value))}` : signed(value, digits);
  const good = lowerIsBetter ? value < 0 : value > 0;
  return <span className={value === 0 ? 'text-slate-600' : good ? 'text-green-700' : 'text-red-700'}>{text}</span>;
}

function Stat({
  label,
  value,
  change7d,
  change30d,
  digits,
  format,
  lowerIsBetter,
}: {
  label: string;
  value: string;
  change7d: number | null;
  change30d: number | null;
  digits?: number;
  format?: (n: number) => string;
  lowerIsBetter?: boolean;
}) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <p className="text-sm text-slate-600">{label}</p>
      <p className="mt-1 text-2xl font-semibold">{value}</p>
      <p className="mt-1 text-xs text-slate-600">
        7 days: <Change value={change7d} digits={digits} format={format} lowerIsBetter={lowerIsBetter} /> · 30 days:{' '}
        <Change value={change30d} digits={digits} format={format} lowerIsBetter={lowerIsBetter} />
      </p>
    </div>
  );
}

function Onboarding() {
  const me = useMe();
  return (
    <Card title="Welcome to PulseScore">
      <ol className="list-decimal space-y-1 pl-5 text-sm text-slate-700">
        <li>Connect your Stripe account (read-only).</li>
        <li>PulseScore imports customers, subscriptions, payments and invoices.</li>
        <li>Every customer gets a health score, explained factor by factor.</li>
      </ol>
      <div className="mt-4">
        {isAdmin(me.data) ? (
          <Link
            to="/settings/integrations"
            className="inline-block rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
          >
            Connect Stripe
          </Link>
        ) : (
          <p className="text-sm text-slate-600">Ask an admin of your organization to connect Stripe.</p>
        )}
      </div>
    </Card>
  );
}

/** Every lifecycle state but `churned`: the levels count customers who can still be kept. */
const CHURNED_COLOR = '#475569';
const NOT_CHURNED = 'trialing,active,past_due,canceling,free,no_billing';

function RiskBar({ risk }: { risk: DashboardSummary['risk']['current'] }) {
  const total = risk.green + risk.yellow + risk.red + risk.none + risk.churned || 1;
  const parts = [
    { k: 'green', n: risk.green, name: 'Healthy', to: `/customers?risk=green&state=${NOT_CHURNED}`, color: RISK_COLORS.green },
    { k: 'yellow', n: risk.yellow, name: 'At risk', to: `/customers?risk=yellow&state=${NOT_CHURNED}`, color: RISK_COLORS.yellow },
    { k: 'red', n: risk.red, name: 'Critical', to: `/customers?risk=red&state=${NOT_CHURNED}`, color: RISK_COLORS.red },
    { k: 'none', n: risk.none, name: 'No score', to: '/customers?risk=none', color: RISK_COLORS.none },
    { k: 'churned', n: risk.churned, name: 'Churned', to: '/customers?state=churned', color: CHURNED_COLOR },
  ] as const;
  return (
    <div>
      <div className="flex h-4 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
        {parts.map(({ k, n, color }) => (
          <div key={k} style={{ width: `${(100 * n) / total}%`, background: color }} />
        ))}
      </div>
      <ul className="mt-3 grid grid-cols-2 gap-2 text-sm sm:grid-cols-5">
        {parts.map(({ k, n, name, to, color }) => (
          <li key={k}>
            <Link to={to} className="inline-flex items-center gap-1.5 hover:underline">
              <span aria-hidden="true" className="inline-block h-2.5 w-2.5 rounded-full" style={{ background: color }} />
              {name}: <strong>{n}</strong>
            </Link>
          </li>
        ))}
      </ul>
      <p className="mt-2 text-xs text-slate-500">Churned customers are counted apart: a customer who left is not at risk.</p>
    </div>
  );
}

/** The chart's choice meaning "every currency, converted into the reporting currency". */
const CONVERTED = 'converted';

function MrrTrendCard({ currencies }: { currencies: string[] }) {
  const trend = useQuery({ queryKey: ['mrr-trend'], queryFn: () => get<MrrTrend>('/dashboard/mrr-trend?months=12') });
  const [choice, setChoice] = useState<string | null>(null);
  const reporting = trend.data?.reportingCurrency ?? currencies[0] ?? 'usd';
  // A converted total is worth offering only when there is something to convert into the reporting currency.
  const canConvert = currencies.length > 1 && (trend.data?.points.some((p) => p.inReporting !== null) ?? false);
  const selected = choice === CONVERTED && !canConvert ? reporting : (choice ?? reporting);
  return (
    <Card
      title="MRR trend"
      actions={
        currencies.length > 1 && (
          <label className="text-sm">
            <span className="sr-only">Currency</span>
            <select value={selected} onChange={(e) => setChoice(e.target.value)} className="rounded-md border border-slate-300 px-2 py-1">
              {currencies.map((c) => (
                <option key={c} value={c}>
                  {c.toUpperCase()} only
                </option>
              ))}
              {canConvert && <option value={CONVERTED}>All, converted to {reporting.toUpperCase()}</option>}
            </select>
          </label>
        )
      }
    >
      <Loaded query={trend}>
        {(data) => {
          const x = (i: number, month: string) => (i === data.points.length - 1 ? 'now' : month);
          if (selected !== CONVERTED) {
            return (
              <Chart>
                <LineSeries
                  label={`MRR (${selected.toUpperCase()})`}
                  format={(n) => money(n, selected, { compact: true })}
                  data={data.points.map((p, i) => ({ x: x(i, p.month), y: p.byCurrency[selected] ?? 0 }))}
                />
              </Chart>
            );
          }
          // Converted at the rates in force on each day; a currency without a rate that day is left out, and said.
          const leftOut = [...new Set(data.points.flatMap((p) => p.inReporting?.leftOut.map((l) => l.currency.toUpperCase()) ?? []))];
          return (
            <>
              <Chart>
                <LineSeries
                  label={`MRR, all currencies converted to ${reporting.toUpperCase()}`}
                  format={(n) => money(n, reporting, { compact: true })}
                  data={data.points.map((p, i) => ({ x: x(i, p.month), y: p.inReporting?.amount ?? 0 }))}
                />
              </Chart>
              <p className="mt-2 text-xs text-slate-600">
                Converted with the exchange rates set in Settings → Currencies, as they stood on each day.
                {leftOut.length > 0 && ` Left out where no rate was set yet: ${leftOut.join(', ')}.`}
              </p>
            </>
          );
        }}
      </Loaded>
    </Card>
  );
}

export function DashboardPage() {
  const [params] = useSearchParams();
  const me = useMe();
  const summary = useQuery({ queryKey: ['dashboard'], queryFn: () => get<DashboardSummary>('/dashboard/summary') });
  const distribution = useQuery({ queryKey: ['distribution'], queryFn: () => get<Distribution>('/dashboard/score-distribution') });
  const stripe = useStripeIntegration();
  const disconnected = stripe.data?.status === 'disconnected';
  const verified = params.get('emailVerified');
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Dashboard</h1>
      {verified === '1' && (
        <p role="status" className="rounded-lg border border-green-200 bg-green-50 p-3 text-sm text-green-900">
          Your email address is confirmed.
        </p>
      )}
      {verified === '0' && (
        <p role="alert" className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-900">
          This confirmation link is invalid or expired. Ask for a new one from your account.
        </p>
      )}
      {disconnected && (
        <div role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          <p className="font-semibold">
            Stripe is disconnected{stripe.data?.disconnectedAt ? ` (since ${shortDate(stripe.data.disconnectedAt)})` : ''}: this data is no
            longer updated.
          </p>
          <p>
            Customers and scores are kept as they were.{' '}
            {isAdmin(me.data) ? (
              <Link to="/settings/integrations" className="font-medium underline">
                Reconnect Stripe in Settings → Integrations
              </Link>
            ) : (
              'An admin of your organization can reconnect Stripe.'
            )}
          </p>
        </div>
      )}
      <Loaded query={summary}>
        {(s) =>
          s.customers.value === 0 ? (
            stripe.data?.connected ? (
              <EmptyState title="No customers yet">
                Your Stripe data is being imported; customers appear here as soon as the sync completes.
              </EmptyState>
            ) : (
              <Onboarding />
            )
          ) : (
            <div className="space-y-6">
              <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                <Stat
                  label="Customers"
                  value={(s.customers.value ?? 0).toLocaleString('en-US')}
                  change7d={s.customers.change7d}
                  change30d={s.customers.change30d}
                />
                {s.headline && <MrrHeadlineStat headline={s.headline} />}
                {!s.headline &&
                  s.mrr
                    .slice(0, 1)
                    .map((m) => (
                      <Stat
                        key={m.currency}
                        label={`MRR (${m.currency.toUpperCase()})`}
                        value={money(m.value, m.currency)}
                        change7d={m.change7d}
                        change30d={m.change30d}
                        format={(n) => money(n, m.currency)}
                      />
                    ))}
                <Stat
                  label="Average score"
                  value={s.averageScore.value === null ? 'N/A' : String(s.averageScore.value)}
                  change7d={s.averageScore.change7d}
                  change30d={s.averageScore.change30d}
                  digits={1}
                />
                <Stat
                  label="At risk (yellow or red, not churned)"
                  value={String(s.atRisk.value ?? 0)}
                  change7d={s.atRisk.change7d}
                  change30d={s.atRisk.change30d}
                  lowerIsBetter
                />
              </div>
              {s.headline && <MrrBreakdown headline={s.headline} />}
              {!s.headline && s.mrr.length > 1 && (
                <p className="text-sm text-slate-600">
                  Also billed in:{' '}
                  {s.mrr
                    .slice(1)
                    .map((m) => `${money(m.value, m.currency)} MRR`)
                    .join(' · ')}{' '}
                  (currencies are never added together).
                </p>
              )}
              <Card title="Risk distribution">
                <RiskBar risk={s.risk.current} />
              </Card>
              <Card title="Churn">
                <ChurnSplit churn={s.churn} />
              </Card>
              <div className="grid gap-4 lg:grid-cols-2">
                <Card title="Score distribution">
                  <Loaded query={distribution}>
                    {(d) => (
                      <Chart>
                        <HistogramChart buckets={d.buckets} thresholds={d.thresholds} />
                      </Chart>
                    )}
                  </Loaded>
                </Card>
                <MrrTrendCard currencies={s.mrr.map((m) => m.currency)} />
              </div>
              <div className="grid gap-4 lg:grid-cols-2">
                <Card title="Most at risk">
                  {s.mostAtRisk.length === 0 ? (
                    <p className="text-sm text-slate-600">No customer is at risk.</p>
                  ) : (
                    <ul className="divide-y divide-slate-100">
                      {s.mostAtRisk.map((c) => (
                        <li key={c.id} className="flex items-center justify-between gap-2 py-2 text-sm">
                          <Link to={`/customers/${c.id}`} className="min-w-0 truncate font-medium text-indigo-700 hover:underline">
                            {c.name ?? c.email ?? c.id}
                          </Link>
                          <span className="flex shrink-0 items-center gap-2">
                            <span className="text-slate-600">{money(c.mrr, c.currency)}/mo</span>
                            <ScoreBadge score={c.score} level={c.riskLevel} />
                          </span>
                        </li>
                      ))}
                    </ul>
                  )}
                </Card>
                <Card title="Biggest score drops (30 days)">
                  {s.biggestDrops.length === 0 ? (
                    <p className="text-sm text-slate-600">No score fell in the last 30 days.</p>
                  ) : (
                    <ul className="divide-y divide-slate-100">
                      {s.biggestDrops.map((c) => (
                        <li key={c.id} className="flex items-center justify-between gap-2 py-2 text-sm">
                          <Link to={`/customers/${c.id}`} className="min-w-0 truncate font-medium text-indigo-700 hover:underline">
                            {c.name ?? c.email ?? c.id}
                          </Link>
                          <span className="flex shrink-0 items-center gap-2 text-slate-700">
                            {c.before} → <ScoreBadge score={c.score} level={c.riskLevel} /> <span className="text-red-700">−{c.drop}</span>
                          </span>
                        </li>
                      ))}
                    </ul>
                  )}
                </Card>
              </div>
            </div>
          )
        }
      </Loaded>
    </div>
  );
}

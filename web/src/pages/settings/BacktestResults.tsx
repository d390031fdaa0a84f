import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { Card } from '../../components/states';
import { date, money, plural } from '../../lib/format';
import type { Backtest, BacktestChurn, BacktestFlag, BacktestResult, BacktestRate, BacktestWhatIf } from '../../lib/types';

// What a backtest found, as Settings → Scoring → Backtest shows it: each rule's precision, recall, lift and the MRR
// it caught, with the customers behind every number; and a candidate configuration's beside the saved one's.

const RULES = [
  { key: 'red', label: 'Flagged red (critical)' },
  { key: 'redOrYellow', label: 'Flagged red or yellow (at risk or worse)' },
] as const;
const KINDS = [
  { key: 'all', label: 'All churn' },
  { key: 'voluntary', label: 'Voluntary' },
  { key: 'involuntary', label: 'Involuntary' },
] as const;
type Kind = (typeof KINDS)[number]['key'];
/** Customers listed behind a number before "and N more". */
const LISTED = 100;

// A no-break space keeps the number and its sign on one line.
const pct = (v: number) => `${Math.round(v * 100)}\u00a0%`;

/** A rate in words. Few customers behind it: the count and the 95 % interval, never a precise-looking percentage. */
function RateText({ rate }: { rate: BacktestRate }) {
  if (rate.denominator === 0 || rate.value === null) return <span className="text-slate-600">no one to measure</span>;
  const range = rate.low !== null && rate.high !== null ? `${Math.round(rate.low * 100)}–${pct(rate.high)}` : null;
  if (rate.smallSample) {
    return (
      <span>
        {rate.numerator} of {rate.denominator}
        <span className="block text-xs text-slate-600">too few to tell{range && `: somewhere in ${range}`}</span>
      </span>
    );
  }
  return (
    <span>
      <span className="font-semibold tabular-nums">{pct(rate.value)}</span>
      <span className="block text-xs text-slate-600">
        {rate.numerator} of {rate.denominator}
        {range && `, likely ${range}`}
      </span>
    </span>
  );
}

function LiftText({ flag }: { flag: BacktestFlag }) {
  if (flag.lift === null) return <span className="text-slate-600">no one flagged</span>;
  if (flag.precision.smallSample) return <span className="text-slate-600">too few to tell</span>;
  return <span className="font-semibold tabular-nums">{flag.lift.toFixed(1)}× random</span>;
}

function MrrText({ flag }: { flag: BacktestFlag }) {
  if (flag.capturedMrr.length === 0) return <span className="text-slate-600">no churned MRR</span>;
  return (
    <span className="block space-y-0.5">
      {flag.capturedMrr.map((m) => (
        <span key={m.currency} className="block">
          {money(m.flagged, m.currency)} of {money(m.total, m.currency)}
          {m.share !== null && !flag.recall.smallSample && <span className="font-semibold tabular-nums"> ({pct(m.share)})</span>}
        </span>
      ))}
    </span>
  );
}

/** One measure, for all churn and for each kind apart. */
function Tile({ term, hint, children }: { term: string; hint: string; children: (kind: Kind) => ReactNode }) {
  return (
    <div className="min-w-0 rounded-lg border border-slate-200 p-3">
      <dt className="text-sm font-semibold text-slate-900">{term}</dt>
      <dd className="mt-0.5 text-xs text-slate-600">{hint}</dd>
      <dd>
        <ul className="mt-2 space-y-1.5 text-sm">
          {KINDS.map((k) => (
            <li key={k.key} className="flex items-start justify-between gap-3">
              <span className="shrink-0 text-slate-700">{k.label}</span>
              <span className="text-right break-words">{children(k.key)}</span>
            </li>
          ))}
        </ul>
      </dd>
    </div>
  );
}

function CustomerList({ title, ids, data }: { title: string; ids: string[]; data: Backtest }) {
  const names = new Map(data.customers.map((c) => [c.id, c.name ?? c.email ?? 'Unnamed customer']));
  const churns = new Map(data.churns.map((c) => [c.customerId, c]));
  const before = (c: BacktestChurn) => c.before[String(data.horizon)];
  return (
    <details className="rounded-md border border-slate-200 px-3 py-2">
      <summary className="cursor-pointer text-sm font-medium">
        {title}: {plural(ids.length, 'customer')}
      </summary>
      {ids.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">None.</p>
      ) : (
        <ul className="mt-2 max-h-72 space-y-1 overflow-y-auto text-sm" tabIndex={0} aria-label={`${title} customers`}>
          {ids.slice(0, LISTED).map((id) => {
            const churn = churns.get(id);
            const then = churn ? before(churn) : null;
            return (
              <li key={id} className="break-words">
                <Link to={`/customers/${id}`} className="text-indigo-700 underline">
                  {names.get(id) ?? 'Unnamed customer'}
                </Link>
                {churn && (
                  <span className="text-slate-600">
                    {' '}
                    — {churn.kind} churn on {date(churn.churnedAt)}
                    {then && `; ${then.score ?? 'no score'} (${then.level ?? 'no level'}) ${data.horizon} days before`}
                  </span>
                )}
              </li>
            );
          })}
          {ids.length > LISTED && <li className="text-slate-600">and {ids.length - LISTED} more.</li>}
        </ul>
      )}
    </details>
  );
}

export function Results({ data, result }: { data: Backtest; result: BacktestResult }) {
  const h = result.horizon;
  return (
    <div className="space-y-4">
      <div className="space-y-1 text-sm">
        <p>
          <strong>{plural(result.all.churners, 'customer')}</strong> churned ({result.voluntary.churners} voluntary,{' '}
          {result.involuntary.churners} involuntary); <strong>{result.all.stayers}</strong> stayed. Each churner is judged by its score {h}{' '}
          days before it churned; those who stayed, as they stood on {date(new Date(result.stayersAt * 1000).toISOString())}.
        </p>
        <p className="text-slate-700">
          Churn rate (what picking customers at random would find): <RateText rate={result.all.baseRate} />
        </p>
        {(result.excluded.churners > 0 || result.excluded.stayers > 0) && (
          <p className="text-slate-600">
            Left out, for want of a reconstructed score at their moment: {plural(result.excluded.churners, 'churner')} and{' '}
            {plural(result.excluded.stayers, 'customer')} who stayed.
          </p>
        )}
      </div>
      {result.smallSample && (
        <p role="note" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          Some of these numbers rest on few customers: those show the count and the range the rate is likely in (95 %), not a percentage.
        </p>
      )}
      {RULES.map((rule) => (
        <Card key={rule.key} title={`${rule.label}, ${h} days ahead`} level={3}>
          <dl className="grid gap-3 md:grid-cols-2">
            <Tile term="Precision" hint={`Of the customers flagged, the share who churned within ${h} days`}>
              {(k) => <RateText rate={result[k][rule.key].precision} />}
            </Tile>
            <Tile term="Recall" hint={`Of the customers who churned, the share flagged ${h} days ahead`}>
              {(k) => <RateText rate={result[k][rule.key].recall} />}
            </Tile>
            <Tile term="Lift over random" hint="Precision ÷ churn rate: 1× is no better than picking at random">
              {(k) => <LiftText flag={result[k][rule.key]} />}
            </Tile>
            <Tile term="Churned MRR flagged ahead" hint="The MRR of the churners who were flagged, of all churned MRR">
              {(k) => <MrrText flag={result[k][rule.key]} />}
            </Tile>
          </dl>
          <p className="mt-3 text-sm">
            <strong>{plural(result.all[rule.key].flagged, 'customer')}</strong> flagged, of whom{' '}
            <strong>{result.all[rule.key].customers.falseAlarms.length}</strong> stayed (false alarms).
          </p>
          <div className="mt-3 grid items-start gap-2 lg:grid-cols-3">
            <CustomerList title="Caught" ids={result.all[rule.key].customers.caught} data={data} />
            <CustomerList title="Missed" ids={result.all[rule.key].customers.missed} data={data} />
            <CustomerList title="False alarms" ids={result.all[rule.key].customers.falseAlarms} data={data} />
          </div>
        </Card>
      ))}
    </div>
  );
}

/** The previewed settings' backtest beside the saved ones', for one kind of churn. */
export function WhatIf({ data }: { data: BacktestWhatIf }) {
  const [kind, setKind] = useState<Kind>('all');
  const { current, candidate } = data;
  if (!current || !candidate) return <p className="text-sm text-slate-600">No reconstructed history to measure yet.</p>;
  const rows: { label: string; cell: (r: BacktestResult) => ReactNode }[] = RULES.flatMap((rule) => {
    const f = (r: BacktestResult) => r[kind][rule.key];
    const short = rule.key === 'red' ? 'red' : 'red or yellow';
    return [
      { label: `Flagged ${short}`, cell: (r: BacktestResult) => plural(f(r).flagged, 'customer') },
      { label: `Precision (${short})`, cell: (r: BacktestResult) => <RateText rate={f(r).precision} /> },
      { label: `Recall (${short})`, cell: (r: BacktestResult) => <RateText rate={f(r).recall} /> },
      { label: `Lift (${short})`, cell: (r: BacktestResult) => <LiftText flag={f(r)} /> },
      { label: `Churned MRR flagged (${short})`, cell: (r: BacktestResult) => <MrrText flag={f(r)} /> },
      { label: `False alarms (${short})`, cell: (r: BacktestResult) => f(r).customers.falseAlarms.length },
    ];
  });
  return (
    <div className="space-y-3">
      <Choice
        name="what-if-kind"
        legend="Churn"
        value={kind}
        options={KINDS.map((k) => ({ value: k.key, label: k.label }))}
        onChange={setKind}
      />
      <table className="w-full table-fixed text-sm">
        <caption className="sr-only">Backtest of the saved settings and of the previewed ones, {data.horizon} days ahead</caption>
        <thead>
          <tr className="text-left text-slate-700">
            <th scope="col" className="w-2/5 pb-2 font-medium">
              <span className="sr-only">Measure</span>
            </th>
            <th scope="col" className="pb-2 font-medium">
              Saved
            </th>
            <th scope="col" className="pb-2 font-medium">
              Previewed
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr key={row.label} className="align-top">
              <th scope="row" className="py-1.5 pr-2 text-left font-normal break-words text-slate-700">
                {row.label}
              </th>
              <td className="py-1.5 pr-2 break-words">{row.cell(current)}</td>
              <td className="py-1.5 break-words">{row.cell(candidate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Choice<T extends string | number>({
  name,
  legend,
  value,
  options,
  onChange,
}: {
  name: string;
  legend: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (v: T) => void;
}) {
  return (
    <fieldset className="flex flex-wrap items-center gap-2 text-sm">
      <legend className="float-left mr-1 font-medium text-slate-800">{legend}</legend>
      {options.map((o) => (
        <label
          key={o.value}
          className={`cursor-pointer rounded-md border px-3 py-1.5 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600 ${
            o.value === value ? 'border-indigo-600 bg-indigo-50 font-semibold text-indigo-800' : 'border-slate-300 bg-white text-slate-800'
          }`}
        >
          <input type="radio" name={name} className="sr-only" checked={o.value === value} onChange={() => onChange(o.value)} />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}

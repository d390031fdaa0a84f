import { Link } from 'react-router';
import { amounts, code, convertedLabel, type Headline } from '../lib/currencies';
import { money } from '../lib/format';

function Change({ value, currency }: { value: number; currency: string }) {
  const sign = value > 0 ? '+' : value < 0 ? '−' : '±';
  return (
    <span className={value > 0 ? 'text-green-700' : value < 0 ? 'text-red-700' : 'text-slate-600'}>
      {sign}
      {money(Math.abs(value), currency)}
    </span>
  );
}

/**
 * The dashboard's MRR tile: the reporting currency's MRR plus what set rates convert, marked as such; what has no
 * rate is never in the number, and the tile says so.
 */
export function MrrHeadlineStat({ headline }: { headline: Headline }) {
  const converted = headline.parts.filter((p) => p.status === 'converted' && p.amount !== 0);
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <p className="text-sm text-slate-600">
        MRR ({code(headline.currency)})
        {converted.length > 0 && <span className="ml-1 rounded bg-sky-100 px-1 text-xs text-sky-900">incl. converted</span>}
      </p>
      <p className="mt-1 text-2xl font-semibold">{money(headline.amount, headline.currency)}</p>
      <p className="mt-1 text-xs text-slate-600">
        7 days: <Change value={headline.change7d} currency={headline.currency} /> · 30 days:{' '}
        <Change value={headline.change30d} currency={headline.currency} />
      </p>
      {headline.leftOut.length > 0 && (
        <p className="mt-1 text-xs text-amber-900">
          Not included: {amounts(headline.leftOut)} ({headline.leftOut.map((p) => p.reason).join('; ')})
        </p>
      )}
    </div>
  );
}

/** Each currency beside its converted amount (with the rate and its date), and who is left out and why. */
export function MrrBreakdown({ headline }: { headline: Headline }) {
  const others = headline.parts.filter((p) => p.status !== 'reporting');
  if (others.length === 0) return null;
  const { leftOutCustomers } = headline;
  return (
    <div className="space-y-2 rounded-xl border border-slate-200 bg-white p-4 text-sm shadow-sm">
      <h2 className="font-semibold text-slate-900">MRR by currency</h2>
      <ul className="space-y-1">
        {headline.parts.map((p) => (
          <li key={p.currency} className="flex flex-wrap items-baseline gap-x-2">
            <span className="w-12 font-medium">{code(p.currency)}</span>
            <span className="tabular-nums">{money(p.amount, p.currency)}</span>
            {p.status === 'reporting' && <span className="text-slate-600">the reporting currency</span>}
            {p.status === 'converted' && p.converted && (
              <>
                <span aria-hidden="true">→</span>
                <span className="tabular-nums">{money(p.converted.amount, headline.currency)}</span>
                <span className="text-xs text-slate-600">{p.rate ? convertedLabel(p.rate) : 'nothing to convert'}</span>
              </>
            )}
            {p.status === 'no_rate' && (
              <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-900">not added in: {p.reason}</span>
            )}
          </li>
        ))}
      </ul>
      {leftOutCustomers.total > 0 && (
        <div className="text-slate-700">
          <p>
            Left out of the {code(headline.currency)} total: {leftOutCustomers.total.toLocaleString('en-US')}{' '}
            {leftOutCustomers.total === 1 ? 'customer' : 'customers'} paying in {headline.leftOut.map((p) => code(p.currency)).join(', ')}
            {leftOutCustomers.total > leftOutCustomers.customers.length ? ', the largest:' : ':'}
          </p>
          <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
            {leftOutCustomers.customers.map((c) => (
              <li key={`${c.id}:${c.currency}`}>
                <Link to={`/customers/${c.id}`} className="text-indigo-700 hover:underline">
                  {c.name ?? c.email ?? c.id}
                </Link>{' '}
                <span className="text-slate-600">{money(c.amount, c.currency)}</span>
              </li>
            ))}
          </ul>
          <p className="mt-1">
            <Link to="/settings/currencies" className="font-medium text-indigo-700 underline">
              Set an exchange rate in Settings → Currencies
            </Link>{' '}
            to add them in.
          </p>
        </div>
      )}
    </div>
  );
}

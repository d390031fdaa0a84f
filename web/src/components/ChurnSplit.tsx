import { amounts, type Churn, code } from '../lib/currencies';
import { money, plural } from '../lib/format';

type Bucket = Churn['windows'][number]['voluntary'];

function Tile({ title, hint, bucket }: { title: string; hint: string; bucket: Bucket }) {
  const total = bucket.inReporting;
  const several = bucket.mrr.length > 1 || (total !== null && bucket.mrr.some((m) => m.currency !== total.currency));
  return (
    <div className="rounded-lg border border-slate-200 p-3">
      <p className="text-sm font-medium text-slate-800" title={hint}>
        {title}
      </p>
      <p className="mt-1 text-xl font-semibold">{plural(bucket.customers, 'customer')}</p>
      <p className="text-sm text-slate-700">
        {bucket.mrr.length === 0 ? (
          'No MRR lost'
        ) : total && !several ? (
          <>{money(total.amount, total.currency)} MRR lost</>
        ) : (
          <>{amounts(bucket.mrr)} MRR lost</>
        )}
      </p>
      {total && several && (
        <p className="text-xs text-slate-600">
          {money(total.amount, total.currency)} in {code(total.currency)}
          {total.parts.some((p) => p.status === 'converted' && p.amount !== 0) ? ' (incl. converted at today’s rates)' : ''}
          {total.leftOut.length > 0 && (
            <span className="text-amber-900">
              {' '}
              · not included: {amounts(total.leftOut)} ({total.leftOut.map((p) => p.reason).join('; ')})
            </span>
          )}
        </p>
      )}
    </div>
  );
}

/** Churn over 30 and 90 days, split: customers who chose to leave, and those whose payments ended it. */
export function ChurnSplit({ churn }: { churn: Churn }) {
  return (
    <div className="space-y-3">
      <p className="text-xs text-slate-600">
        Customers whose MRR went to zero. Involuntary: failed payments, a dispute, or Stripe stopping collection. A trial that never paid is
        not churn.
      </p>
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        {churn.windows.map((w) => [
          <Tile key={`v${w.days}`} title={`Voluntary, ${w.days} days`} hint="The customer canceled" bucket={w.voluntary} />,
          <Tile
            key={`i${w.days}`}
            title={`Involuntary, ${w.days} days`}
            hint="Payments failed, a dispute, or Stripe stopped collecting"
            bucket={w.involuntary}
          />,
        ])}
      </div>
    </div>
  );
}

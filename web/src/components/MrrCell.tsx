import { amounts, code, convertedLabel, type CustomerMrrInReporting } from '../lib/currencies';
import { money } from '../lib/format';

interface Mrr {
  amount: number;
  currency: string | null;
  byCurrency: Record<string, number>;
  inReporting: CustomerMrrInReporting;
}

/** The customer's own amounts: "€1,000.00", or "$200.00 · €50.00" for one billed in two currencies. */
function own(mrr: Mrr) {
  const parts = Object.entries(mrr.byCurrency)
    .filter(([, amount]) => amount !== 0)
    .map(([currency, amount]) => ({ currency, amount }));
  return parts.length > 0 ? amounts(parts) : money(mrr.amount, mrr.currency);
}

/**
 * A customer's MRR in the list: in the reporting currency (what the MRR order sorts by), with its own amount beside
 * it when converted; in its own currency with a "no rate" mark when it cannot be converted.
 */
export function MrrCell({ mrr }: { mrr: Mrr }) {
  const r = mrr.inReporting;
  if (!r) return <>{money(mrr.amount, mrr.currency)}</>;
  if (r.status === 'reporting' && r.amount !== null) return <>{money(r.amount, r.currency)}</>;
  if (r.status === 'no_rate' || r.amount === null) {
    const reasons = r.leftOut.map((p) => p.reason).join('; ');
    return (
      <span title={`Not converted to ${code(r.currency)}: ${reasons}`}>
        {own(mrr)}
        <span className="ml-1 inline-block rounded bg-amber-100 px-1 text-xs font-medium text-amber-900">no rate</span>
        <span className="sr-only">
          {' '}
          (not converted to {code(r.currency)}: {reasons})
        </span>
      </span>
    );
  }
  const label = r.rates.map(convertedLabel).join('; ');
  return (
    <span title={label}>
      {money(r.amount, r.currency)}
      <span className="block text-xs text-slate-600">
        {own(mrr)} · converted
        <span className="sr-only"> ({label})</span>
      </span>
    </span>
  );
}

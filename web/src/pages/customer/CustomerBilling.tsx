import { When } from '../../components/When';
import { date, money } from '../../lib/format';
import type { CustomerDetail } from '../../lib/types';

// A customer's billing as the customer page shows it: what each subscription bills, and its payments with what a
// failure means and what to do about it.

const FAILURE_CLASS: Record<string, string> = {
  will_retry: 'Stripe will retry',
  customer_action: 'The customer needs to act',
  terminal: 'Will not be retried',
};

/** "Pro: 3 × $49.00" → the product ("Pro") and what it bills ("3 × $49.00"); tiered and metered lines keep their words. */
const ITEM = /^(.*?): (?=\d+ (?:×|units?:)|metered)/;
const SIMPLE = /^\d+ × \S+$/;
function itemParts(description: string): { name: string; detail: string } {
  const m = ITEM.exec(description);
  return m ? { name: m[1]!, detail: description.slice(m[0].length) } : { name: description, detail: '' };
}

export function Subscriptions({ subs }: { subs: CustomerDetail['subscriptions'] }) {
  if (subs.length === 0) return <p className="text-sm text-slate-600">No subscriptions.</p>;
  return (
    <ul className="divide-y divide-slate-100 text-sm">
      {subs.map((s) => {
        // The server's sentence ends with what the items come to and how often: "… = $99.00 every month".
        const total = s.billing.includes(' = ') ? s.billing.slice(s.billing.lastIndexOf(' = ') + 3) : s.billing;
        return (
          <li key={s.id} className="space-y-1 py-2">
            <div className="flex flex-wrap justify-between gap-2">
              <span className="font-medium">{s.planName ?? s.id}</span>
              <span className="text-slate-700">{s.status.replaceAll('_', ' ')}</span>
            </div>
            {s.items.length > 0 ? (
              <table className="w-full text-left">
                <caption className="sr-only">What {s.planName ?? 'this subscription'} bills</caption>
                <thead className="text-xs text-slate-600">
                  <tr>
                    <th scope="col" className="py-0.5 pr-2 font-medium">
                      Item
                    </th>
                    <th scope="col" className="py-0.5 pr-2 text-right font-medium">
                      Quantity
                    </th>
                    <th scope="col" className="py-0.5 text-right font-medium">
                      Unit price
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {s.items.map((i, k) => {
                    const { name, detail } = itemParts(i.description);
                    return (
                      <tr key={`${i.description}${k}`} className="align-top">
                        <td className="py-0.5 pr-2 break-words">
                          {name}
                          {/* Tiers, usage, "per 10" or a missing price: the quantity and unit price alone do not say it. */}
                          {detail && !SIMPLE.test(detail) && <span className="block text-xs text-slate-600">{detail}</span>}
                        </td>
                        <td className="py-0.5 pr-2 text-right tabular-nums">{i.quantity ?? '—'}</td>
                        <td className="py-0.5 text-right tabular-nums">{i.unitAmount === null ? '—' : money(i.unitAmount, s.currency)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            ) : null}
            <p>
              Billed <strong className="font-medium">{total}</strong>
            </p>
            <p className="text-xs text-slate-600">
              MRR {money(s.mrr, s.currency)}
              {(s.currentPeriodStart || s.currentPeriodEnd) && (
                <>
                  {' '}
                  · current period {date(s.currentPeriodStart)} – {date(s.currentPeriodEnd)}
                </>
              )}
              {s.cancelAtPeriodEnd && ` · cancels ${date(s.currentPeriodEnd)}`}
              {s.canceledAt && !s.cancelAtPeriodEnd && ` · canceled ${date(s.canceledAt)}`}
              {s.trialEnd && s.status === 'trialing' && ` · trial ends ${date(s.trialEnd)}`}
            </p>
          </li>
        );
      })}
    </ul>
  );
}

export function Payments({ payments }: { payments: CustomerDetail['payments'] }) {
  if (payments.length === 0) return <p className="text-sm text-slate-600">No payments in the last 90 days.</p>;
  return (
    <table className="w-full text-left text-sm">
      <caption className="sr-only">Recent payments</caption>
      <thead className="text-slate-600">
        <tr>
          <th scope="col" className="py-1 pr-3">
            Date
          </th>
          <th scope="col" className="py-1 pr-2">
            Amount
          </th>
          <th scope="col" className="py-1">
            Status
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {payments.map((p) => (
          <tr key={p.id} className="align-top">
            <td className="py-1 pr-3 whitespace-nowrap">
              <When at={p.paidAt} />
            </td>
            <td className="py-1 pr-2 tabular-nums">
              {money(p.amountCents, p.currency)}
              {p.amountRefundedCents > 0 && (
                <span className="block text-xs text-slate-600">{money(p.amountRefundedCents, p.currency)} refunded</span>
              )}
            </td>
            <td className={`py-1 ${p.status === 'failed' ? 'text-red-800' : ''}`}>
              {p.status}
              {p.disputed && ' · disputed'}
              {p.failure ? (
                <span className="block text-xs">
                  <strong>{FAILURE_CLASS[p.failure.class] ?? p.failure.class}</strong>
                  {p.failure.nextRetryAt && (
                    <>
                      {' '}
                      (next retry <When at={p.failure.nextRetryAt} />)
                    </>
                  )}
                  : {p.failure.advice}
                  {p.failureCode && <span className="text-slate-600"> ({p.failureCode})</span>}
                </span>
              ) : (
                p.failureCode && (
                  <span className="block text-xs">
                    {p.failureMessage ?? p.failureCode}
                    {p.failureMessage && <span className="text-slate-600"> ({p.failureCode})</span>}
                  </span>
                )
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * While the page is open it follows the customer: a cheap version string is polled every 3 s, and the page (detail,
 * score history, timeline) is read again when it changes — a webhook, a re-score.
 */

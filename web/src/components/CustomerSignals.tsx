import { useQuery } from '@tanstack/react-query';
import { get } from '../lib/api';
import { isAdmin, useMe } from '../lib/session';
import { date } from '../lib/format';
import type { CustomerSentiment, Tickets } from '../lib/usage-types';
import { CustomerOwner } from './CustomerOwner';
import { RATINGS, SentimentForm } from './SentimentForm';
import { Card, Loaded } from './states';
import { When } from './When';

const day = (iso: string) => date(iso);

/** The team's sentiment (with its expiry, and who may record one) and the customer's support tickets. */
export function CustomerSignals({ customerId }: { customerId: string }) {
  const admin = isAdmin(useMe().data);
  const sentiment = useQuery({
    queryKey: ['customer', customerId, 'sentiment'],
    queryFn: () => get<CustomerSentiment>(`/customers/${customerId}/sentiment`),
  });
  const tickets = useQuery({
    queryKey: ['customer', customerId, 'tickets'],
    queryFn: () => get<Tickets>(`/customers/${customerId}/tickets`),
  });
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <Card title="CSM sentiment">
        <Loaded query={sentiment}>
          {(s) => (
            <div className="space-y-3 text-sm">
              <CustomerOwner customerId={customerId} sentiment={s} admin={admin} />
              {s.current ? (
                <div
                  className={`rounded-md border p-3 ${s.current.expired ? 'border-slate-200 bg-slate-50 text-slate-600' : 'border-indigo-200 bg-indigo-50'}`}
                >
                  <p className="flex flex-wrap items-center justify-between gap-2">
                    <span className="font-medium">
                      {s.current.rating}/5 · {RATINGS[s.current.rating - 1]?.[1]}
                    </span>
                    <span
                      className={`rounded-full px-2 py-0.5 text-xs font-medium ${s.current.expired ? 'bg-slate-200 text-slate-700' : 'bg-emerald-100 text-emerald-800'}`}
                    >
                      {s.current.expired ? 'Expired: not counted' : 'Counts in the score'}
                    </span>
                  </p>
                  {s.current.note && <p className="mt-1 break-words">“{s.current.note}”</p>}
                  <p className="mt-1 text-xs">
                    {s.current.by.name ?? 'Someone who has left'}, <When at={s.current.createdAt} />.{' '}
                    {s.current.expired
                      ? `Expired on ${day(s.current.expiresAt)}: it no longer counts in the score.`
                      : `Counts in the score until ${day(s.current.expiresAt)}.`}
                  </p>
                </div>
              ) : (
                <p className="text-slate-600">No sentiment recorded yet.</p>
              )}
              {s.canRecord ? (
                <SentimentForm customerId={customerId} defaultDays={s.defaultDays} />
              ) : (
                <p className="text-xs text-slate-600">
                  Only admins and the customer’s owner{s.owner ? ` (${s.owner.name})` : ''} can record a sentiment.
                </p>
              )}
              {s.history.length > 1 && (
                <details>
                  <summary className="cursor-pointer text-slate-600">Earlier ({s.history.length - 1})</summary>
                  <ul className="mt-2 space-y-1">
                    {s.history.slice(1).map((h) => (
                      <li key={h.id}>
                        {day(h.createdAt)}: {h.rating}/5{h.note ? ` — ${h.note}` : ''}
                        {h.expired ? ' (expired)' : ''}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </div>
          )}
        </Loaded>
      </Card>
      <Card title="Support tickets">
        <Loaded query={tickets}>
          {(t) =>
            t.tickets.length === 0 ? (
              <p className="text-sm text-slate-600">No support tickets.</p>
            ) : (
              <ul className="divide-y divide-slate-100 text-sm">
                {t.tickets.slice(0, 10).map((x) => (
                  <li key={x.id} className="flex flex-wrap justify-between gap-2 py-2">
                    <span>
                      <span className={x.priority === 'urgent' || x.priority === 'high' ? 'font-semibold text-red-700' : ''}>
                        {x.priority}
                      </span>{' '}
                      · {x.subject ?? x.ticketId}
                    </span>
                    <span className="text-slate-600">
                      {x.status === 'open' ? `open since ${day(x.openedAt)}` : `solved ${day(x.solvedAt ?? x.openedAt)}`}
                      {x.satisfaction !== null ? ` · ${x.satisfaction >= 0.5 ? 'good' : 'bad'} rating` : ''}
                    </span>
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </Card>
    </div>
  );
}

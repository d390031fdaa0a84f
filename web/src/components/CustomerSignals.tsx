import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, get, post } from '../lib/api';
import type { CustomerSentiment, Tickets } from '../lib/usage-types';
import { Button, FormError } from './forms';
import { Card, Loaded } from './states';

const RATINGS = [
  [1, 'About to leave'],
  [2, 'Unhappy'],
  [3, 'Neutral'],
  [4, 'Happy'],
  [5, 'Delighted'],
] as const;
const day = (iso: string) => new Date(iso).toLocaleDateString();

function SentimentForm({ customerId, defaultDays }: { customerId: string; defaultDays: number }) {
  const client = useQueryClient();
  const [rating, setRating] = useState(3);
  const [note, setNote] = useState('');
  const [days, setDays] = useState(defaultDays);
  const save = useMutation({
    mutationFn: () => post<CustomerSentiment>(`/customers/${customerId}/sentiment`, { rating, note, expiresInDays: days }),
    onSuccess: async (next) => {
      setNote('');
      client.setQueryData(['customer', customerId, 'sentiment'], next);
      // The score follows in a moment.
      setTimeout(() => void client.invalidateQueries({ queryKey: ['customer', customerId] }), 1500);
    },
  });
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <fieldset className="flex flex-wrap gap-2">
        <legend className="mb-1 text-sm font-medium text-slate-800">How is this customer, in your judgment?</legend>
        {RATINGS.map(([value, label]) => (
          <label
            key={value}
            className={`cursor-pointer rounded-md border px-2 py-1 text-sm ${rating === value ? 'border-indigo-600 bg-indigo-50' : 'border-slate-300'}`}
          >
            <input type="radio" name="rating" className="sr-only" checked={rating === value} onChange={() => setRating(value)} />
            {value} · {label}
          </label>
        ))}
      </fieldset>
      <label className="block space-y-1 text-sm">
        <span className="font-medium text-slate-800">Note</span>
        <textarea
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={2000}
          rows={2}
          className="block w-full rounded-md border border-slate-300 px-3 py-2"
        />
      </label>
      <label className="flex items-center gap-2 text-sm">
        <span>Counts for</span>
        <input
          type="number"
          min={1}
          max={365}
          value={days}
          onChange={(e) => setDays(Number(e.target.value))}
          className="w-20 rounded-md border border-slate-300 px-2 py-1"
        />
        <span>days</span>
      </label>
      <FormError>{save.error ? errorMessage(save.error) : null}</FormError>
      <Button type="submit" disabled={save.isPending}>
        Record sentiment
      </Button>
    </form>
  );
}

/** The team's sentiment (with its expiry, and who may record one) and the customer's support tickets. */
export function CustomerSignals({ customerId }: { customerId: string }) {
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
              <p className="text-slate-600">Owner: {s.owner ? `${s.owner.name} (${s.owner.email})` : 'nobody assigned'}</p>
              {s.current ? (
                <div
                  className={`rounded-md border p-3 ${s.current.expired ? 'border-slate-200 bg-slate-50 text-slate-500' : 'border-indigo-200 bg-indigo-50'}`}
                >
                  <p className="font-medium">
                    {s.current.rating}/5 · {RATINGS[s.current.rating - 1]?.[1]}
                    {s.current.by.name ? ` — ${s.current.by.name}` : ''}, {day(s.current.createdAt)}
                  </p>
                  {s.current.note && <p className="mt-1">“{s.current.note}”</p>}
                  <p className="mt-1 text-xs">
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
                <p className="text-xs text-slate-500">Admins and the customer’s owner can record a sentiment.</p>
              )}
              {s.history.length > 1 && (
                <details>
                  <summary className="cursor-pointer text-slate-600">Earlier ({s.history.length - 1})</summary>
                  <ul className="mt-2 space-y-1">
                    {s.history.slice(1).map((h) => (
                      <li key={h.id}>
                        {day(h.createdAt)}: {h.rating}/5{h.note ? ` — ${h.note}` : ''}
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

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, fieldErrors, post } from '../lib/api';
import { date } from '../lib/format';
import type { CustomerSentiment } from '../lib/usage-types';
import { Button, FormError } from './forms';

export const RATINGS = [
  [1, 'About to leave'],
  [2, 'Unhappy'],
  [3, 'Neutral'],
  [4, 'Happy'],
  [5, 'Delighted'],
] as const;

const LABELS = { rating: 'The rating', note: 'The note', expiresInDays: 'Counts for (days)' };

/** Records a 1–5 sentiment with a note (admins and the customer's owner); it counts for the days chosen. */
export function SentimentForm({ customerId, defaultDays }: { customerId: string; defaultDays: number }) {
  const client = useQueryClient();
  const [rating, setRating] = useState<number | null>(null);
  const [note, setNote] = useState('');
  // Kept as typed (a number field's text), so that it can be cleared and retyped; the browser checks 1–365 on submit.
  const [days, setDays] = useState(String(defaultDays));
  const [done, setDone] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => post<CustomerSentiment>(`/customers/${customerId}/sentiment`, { rating, note, expiresInDays: Number(days) }),
    onMutate: () => setDone(null),
    onSuccess: async (next) => {
      setNote('');
      setRating(null);
      setDays(String(next.defaultDays));
      setDone(next.current ? `Recorded: it counts in the score until ${date(next.current.expiresAt)}.` : 'Recorded.');
      client.setQueryData(['customer', customerId, 'sentiment'], next);
      // The score follows in a moment.
      setTimeout(() => void client.invalidateQueries({ queryKey: ['customer', customerId] }), 1500);
    },
  });
  const errors = fieldErrors(save.error);
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (rating !== null) save.mutate();
      }}
    >
      <fieldset>
        <legend className="mb-1 text-sm font-medium text-slate-800">Record your judgment of this customer</legend>
        <div className="flex flex-wrap gap-2">
          {RATINGS.map(([value, label]) => (
            <label
              key={value}
              className={`cursor-pointer rounded-md border px-2 py-1 text-sm has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-indigo-500 has-[:focus-visible]:ring-offset-1 ${rating === value ? 'border-indigo-600 bg-indigo-50 font-medium' : 'border-slate-300'}`}
            >
              <input
                type="radio"
                name={`rating-${customerId}`}
                className="sr-only"
                required
                checked={rating === value}
                onChange={() => {
                  setRating(value);
                  setDone(null);
                }}
              />
              {value} · {label}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="block space-y-1 text-sm">
        <span className="font-medium text-slate-800">Note (optional)</span>
        <textarea
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={2000}
          rows={2}
          placeholder="What makes you say so? E.g. “Champion left, renewal at risk”"
          className="block w-full rounded-md border border-slate-300 px-3 py-2"
        />
      </label>
      <div className="space-y-1 text-sm">
        <label className="flex flex-wrap items-center gap-2">
          <span>Counts in the score for</span>
          <input
            type="number"
            min={1}
            max={365}
            step={1}
            required
            value={days}
            onChange={(e) => setDays(e.target.value)}
            className="w-20 rounded-md border border-slate-300 px-2 py-1"
          />
          <span>days</span>
        </label>
        <p className="text-xs text-slate-600">From 1 to 365. Then it stops counting, and says so here.</p>
      </div>
      <FormError>{save.error ? errorMessage(save.error, LABELS) : null}</FormError>
      {errors.rating && <p className="text-xs text-red-700">{errors.rating}</p>}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={save.isPending || rating === null}>
          {save.isPending ? 'Recording…' : 'Record sentiment'}
        </Button>
        <p role="status" className="text-sm text-emerald-700">
          {rating === null && !done ? <span className="text-slate-600">Choose a rating from 1 to 5 first.</span> : done}
        </p>
      </div>
    </form>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { errorMessage, get, put } from '../lib/api';
import type { Members } from '../lib/types';
import type { CustomerSentiment } from '../lib/usage-types';
import { FormError } from './forms';

/** Who manages the customer: admins choose among the members; the owner may then record sentiments too. */
export function CustomerOwner({ customerId, sentiment, admin }: { customerId: string; sentiment: CustomerSentiment; admin: boolean }) {
  const client = useQueryClient();
  const id = useId();
  const members = useQuery({ queryKey: ['members'], queryFn: () => get<Members>('/members'), enabled: admin });
  const assign = useMutation({
    mutationFn: (userId: string | null) => put<CustomerSentiment>(`/customers/${customerId}/owner`, { userId }),
    onSuccess: (next) => client.setQueryData(['customer', customerId, 'sentiment'], next),
  });
  const owner = sentiment.owner;
  if (!admin || !members.data) {
    return <p className="text-slate-600">Owner: {owner ? `${owner.name} (${owner.email})` : 'nobody assigned'}</p>;
  }
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor={id} className="text-slate-600">
          Owner
        </label>
        <select
          id={id}
          value={owner?.userId ?? ''}
          disabled={assign.isPending}
          onChange={(e) => assign.mutate(e.target.value === '' ? null : e.target.value)}
          className="max-w-full min-w-0 rounded-md border border-slate-300 bg-white px-2 py-1"
        >
          <option value="">Nobody assigned</option>
          {members.data.members.map((m) => (
            <option key={m.userId} value={m.userId}>
              {m.name} ({m.email})
            </option>
          ))}
        </select>
      </div>
      <FormError>{assign.error ? errorMessage(assign.error) : null}</FormError>
    </div>
  );
}

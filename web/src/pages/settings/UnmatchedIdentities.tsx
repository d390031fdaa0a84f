import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Field } from '../../components/forms';
import { Card, EmptyState, Loaded } from '../../components/states';
import { When } from '../../components/When';
import { ApiError, errorMessage, get, put } from '../../lib/api';
import { plural } from '../../lib/format';
import type { Unmatched } from '../../lib/usage-types';

interface Found {
  id: string;
  name: string | null;
  email: string | null;
  externalId: string;
}

const nameOf = (c: Found) => c.name ?? c.email ?? c.externalId;

/** Finds the one customer a search names, or says why it cannot. */
async function findOne(search: string): Promise<Found> {
  const found = await get<{ customers: Found[] }>(`/customers?q=${encodeURIComponent(search.trim())}&pageSize=6`);
  const exact = found.customers.filter((c) => [c.name, c.email].some((v) => v?.toLowerCase() === search.trim().toLowerCase()));
  if (exact.length === 1) return exact[0]!;
  if (found.customers.length === 1) return found.customers[0]!;
  if (found.customers.length === 0) throw new Error(`No customer matches “${search.trim()}”. Try part of its name or its email.`);
  const some = found.customers.slice(0, 3).map(nameOf).join(', ');
  throw new Error(
    `Several customers match “${search.trim()}” (${some}${found.customers.length > 3 ? ', …' : ''}). Type its full name or its email.`,
  );
}

function MapTo({ kind, id, onMapped }: { kind: 'group' | 'user'; id: string; onMapped: (text: string) => void }) {
  const client = useQueryClient();
  const [search, setSearch] = useState('');
  const map = useMutation({
    mutationFn: async () => {
      const customer = await findOne(search);
      await put(`/data-sources/${kind}s/${encodeURIComponent(id)}/customer`, { customerId: customer.id });
      return customer;
    },
    onSuccess: async (customer) => {
      onMapped(`${kind === 'group' ? 'Group' : 'User'} ${id} is now mapped to ${nameOf(customer)}: its events count for that customer.`);
      await client.invalidateQueries({ queryKey: ['data-sources'] });
    },
  });
  const error = map.error ? (map.error instanceof ApiError ? errorMessage(map.error) : map.error.message) : null;
  return (
    <form
      className="flex flex-wrap items-start gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        map.mutate();
      }}
    >
      <div className="min-w-0 flex-1 basis-48">
        <Field
          label={`Map ${kind} ${id} to customer`}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Customer name or email"
          required
          error={error}
        />
      </div>
      <Button type="submit" variant="secondary" disabled={map.isPending} className="mt-6">
        {map.isPending ? 'Mapping…' : 'Map'}
      </Button>
    </form>
  );
}

/** Segment groups and users that match no customer: their events wait here until an admin maps them. */
export function UnmatchedIdentities({ admin }: { admin: boolean }) {
  const unmatched = useQuery({ queryKey: ['data-sources', 'unmatched'], queryFn: () => get<Unmatched>('/data-sources/unmatched') });
  const [done, setDone] = useState<string | null>(null);
  return (
    <Card title="Unmatched groups and users" id="unmatched">
      <p
        role="status"
        className={done ? 'mb-3 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-800' : 'sr-only'}
      >
        {done}
      </p>
      <Loaded query={unmatched}>
        {(u) =>
          u.groups.length + u.users.length === 0 ? (
            <EmptyState title="Everything is matched">
              Events of groups and users that match no customer wait here until they are mapped.
            </EmptyState>
          ) : (
            <div className="space-y-2">
              <p className="text-sm text-slate-600">
                Their events are kept and count as soon as they are mapped. {admin ? '' : 'Only admins and owners can map them.'}
              </p>
              <ul className="divide-y divide-slate-100">
                {u.groups.map((g) => (
                  <li key={`g-${g.groupId}`} className="space-y-2 py-3 text-sm">
                    <p className="break-words">
                      <span className="font-medium">Group {g.name ?? g.groupId}</span> <code className="text-xs">{g.groupId}</code> —{' '}
                      {plural(g.events, 'event')}, last seen <When at={g.lastSeenAt} />.{' '}
                      <span className="text-slate-600">
                        {g.stripeCustomerId
                          ? `Its stripe_customer_id ${g.stripeCustomerId} matches no customer.`
                          : 'It has no stripe_customer_id trait.'}
                      </span>
                    </p>
                    {admin && <MapTo kind="group" id={g.groupId} onMapped={setDone} />}
                  </li>
                ))}
                {u.users.map((x) => (
                  <li key={`u-${x.userKey}`} className="space-y-2 py-3 text-sm">
                    <p className="break-words">
                      <span className="font-medium">User {x.name ?? x.email ?? x.userKey}</span>{' '}
                      <code className="text-xs">{x.userKey}</code> — {plural(x.events, 'event')}.{' '}
                      <span className="text-slate-600">
                        {x.groupId
                          ? `In group ${x.groupId}: mapping the group maps this user too.`
                          : 'In no group (and its email domain names no single customer).'}
                      </span>
                    </p>
                    {admin && <MapTo kind="user" id={x.userKey} onMapped={setDone} />}
                  </li>
                ))}
              </ul>
            </div>
          )
        }
      </Loaded>
    </Card>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CustomerPicker, customerLabel, type PickedCustomer } from '../../components/CustomerPicker';
import { Button } from '../../components/forms';
import { Card, EmptyState, Loaded } from '../../components/states';
import { When } from '../../components/When';
import { ApiError, errorMessage, get, put } from '../../lib/api';
import { plural } from '../../lib/format';
import type { Unmatched } from '../../lib/usage-types';

/** The one customer a typed text (not picked from the suggestions) names, or says why it cannot. */
async function findOne(search: string): Promise<PickedCustomer> {
  const found = await get<{ customers: PickedCustomer[] }>(`/customers?q=${encodeURIComponent(search.trim())}&pageSize=6`);
  const exact = found.customers.filter((c) =>
    [c.name, c.email, c.externalId].some((v) => v?.toLowerCase() === search.trim().toLowerCase()),
  );
  if (exact.length === 1) return exact[0]!;
  if (found.customers.length === 1) return found.customers[0]!;
  if (found.customers.length === 0) throw new Error(`No customer matches “${search.trim()}”. Try part of its name or its email.`);
  const some = found.customers.slice(0, 3).map(customerLabel).join(', ');
  throw new Error(
    `Several customers match “${search.trim()}” (${some}${found.customers.length > 3 ? ', …' : ''}). Pick one from the suggestions.`,
  );
}

function MapTo({ kind, id, onMapped }: { kind: 'group' | 'user'; id: string; onMapped: (text: string) => void }) {
  const client = useQueryClient();
  const [search, setSearch] = useState('');
  const [picked, setPicked] = useState<PickedCustomer | null>(null);
  const map = useMutation({
    mutationFn: async () => {
      const customer = picked ?? (await findOne(search));
      await put(`/data-sources/${kind}s/${encodeURIComponent(id)}/customer`, { customerId: customer.id });
      return customer;
    },
    onSuccess: async (customer) => {
      onMapped(
        `${kind === 'group' ? 'Group' : 'User'} ${id} is now mapped to ${customerLabel(customer)}: its events count for that customer.`,
      );
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
        <CustomerPicker
          label={`Map ${kind} ${id} to customer`}
          text={search}
          onText={(text) => {
            setSearch(text);
            setPicked(null);
            map.reset();
          }}
          picked={picked}
          onPick={(c) => {
            setPicked(c);
            setSearch(customerLabel(c));
            map.reset();
          }}
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

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Field, FormError } from '../../components/forms';
import { Card, Loaded } from '../../components/states';
import { del, errorMessage, get, patch, post } from '../../lib/api';
import { date } from '../../lib/format';
import { activeRole, isAdmin, useMe } from '../../lib/session';
import type { Invitations, Members } from '../../lib/types';

export function TeamPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const owner = activeRole(me.data) === 'owner';
  const client = useQueryClient();
  const members = useQuery({ queryKey: ['members'], queryFn: () => get<Members>('/members') });
  const invitations = useQuery({ queryKey: ['invitations'], queryFn: () => get<Invitations>('/invitations'), enabled: admin });
  const refresh = () =>
    Promise.all([client.invalidateQueries({ queryKey: ['members'] }), client.invalidateQueries({ queryKey: ['invitations'] })]);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('member');
  const invite = useMutation({
    mutationFn: () => post('/invitations', { email, role }),
    onSuccess: async () => {
      setEmail('');
      await refresh();
    },
  });
  const changeRole = useMutation({
    mutationFn: (v: { id: string; role: string }) => patch(`/members/${v.id}`, { role: v.role }),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (id: string) => del(`/members/${id}`), onSuccess: refresh });
  const cancel = useMutation({ mutationFn: (id: string) => del(`/invitations/${id}`), onSuccess: refresh });
  const mutationError = changeRole.error ?? remove.error ?? cancel.error;
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">Team</h1>
      <Card title="Members">
        <Loaded query={members}>
          {(data) => (
            <ul className="divide-y divide-slate-100">
              {data.members.map((m) => (
                <li key={m.id} className="flex flex-wrap items-center justify-between gap-2 py-2 text-sm">
                  <span>
                    <span className="font-medium">{m.name}</span> <span className="text-slate-600">{m.email}</span>
                  </span>
                  <span className="flex items-center gap-2">
                    {admin && m.userId !== me.data?.user?.id ? (
                      <label>
                        <span className="sr-only">Role of {m.name}</span>
                        <select
                          value={m.role}
                          onChange={(e) => changeRole.mutate({ id: m.id, role: e.target.value })}
                          className="rounded-md border border-slate-300 px-2 py-1"
                        >
                          <option value="member">Member</option>
                          <option value="admin">Admin</option>
                          {owner && <option value="owner">Owner</option>}
                        </select>
                      </label>
                    ) : (
                      <span className="capitalize text-slate-700">{m.role}</span>
                    )}
                    {admin && m.userId !== me.data?.user?.id && (
                      <Button variant="secondary" onClick={() => remove.mutate(m.id)} aria-label={`Remove ${m.name}`}>
                        Remove
                      </Button>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Loaded>
        <FormError>{mutationError && errorMessage(mutationError)}</FormError>
      </Card>
      {admin ? (
        <Card title="Invitations">
          <form
            className="flex flex-wrap items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              invite.mutate();
            }}
          >
            <div className="min-w-56 flex-1">
              <Field label="Email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
            </div>
            <label className="space-y-1 text-sm">
              <span className="block font-medium">Role</span>
              <select value={role} onChange={(e) => setRole(e.target.value)} className="rounded-md border border-slate-300 px-2 py-2">
                <option value="member">Member</option>
                <option value="admin">Admin</option>
              </select>
            </label>
            <Button type="submit" disabled={invite.isPending}>
              Send invitation
            </Button>
          </form>
          <FormError>{invite.error && errorMessage(invite.error)}</FormError>
          <Loaded query={invitations}>
            {(data) =>
              data.invitations.filter((i) => i.status === 'pending').length === 0 ? (
                <p className="mt-3 text-sm text-slate-600">No pending invitations.</p>
              ) : (
                <ul className="mt-3 divide-y divide-slate-100 text-sm">
                  {data.invitations
                    .filter((i) => i.status === 'pending')
                    .map((i) => (
                      <li key={i.id} className="flex items-center justify-between gap-2 py-2">
                        <span>
                          {i.email} · {i.role} · expires {date(i.expiresAt)}
                        </span>
                        <Button variant="secondary" onClick={() => cancel.mutate(i.id)}>
                          Cancel
                        </Button>
                      </li>
                    ))}
                </ul>
              )
            }
          </Loaded>
        </Card>
      ) : (
        <p className="text-sm text-slate-600">Only admins and owners can invite people or change roles.</p>
      )}
    </div>
  );
}

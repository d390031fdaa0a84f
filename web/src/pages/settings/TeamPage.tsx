import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { CopyButton, CopyField } from '../../components/CopyButton';
import { Button, Field, FormError } from '../../components/forms';
import { Card, Loaded } from '../../components/states';
import { When } from '../../components/When';
import { del, errorMessage, fieldErrors, get, patch, post } from '../../lib/api';
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
    mutationFn: () => post<{ email: string; url?: string | null }>('/invitations', { email, role }),
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
                  <span className="min-w-0">
                    <span className="font-medium">{m.name}</span>{' '}
                    <span className="block break-all text-slate-600 sm:inline">{m.email}</span>
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
            <div className="min-w-0 flex-1 basis-56">
              <Field
                label="Email"
                type="email"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                required
                error={fieldErrors(invite.error).email ? `This email address ${fieldErrors(invite.error).email}.` : null}
              />
            </div>
            <label className="space-y-1 text-sm">
              <span className="block font-medium">Role</span>
              <select
                value={role}
                onChange={(e) => setRole(e.target.value)}
                className="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm"
              >
                <option value="member">Member</option>
                <option value="admin">Admin</option>
              </select>
            </label>
            <Button type="submit" disabled={invite.isPending}>
              Send invitation
            </Button>
          </form>
          <FormError>
            {invite.error && !fieldErrors(invite.error).email && errorMessage(invite.error, { email: 'Email', role: 'Role' })}
          </FormError>
          {invite.data && (
            <div role="status" className="mt-3 space-y-2 rounded-lg border border-green-200 bg-green-50 p-3 text-sm">
              <p>
                Invitation created for <strong>{invite.data.email}</strong>. It is emailed when mail is set up; you can also hand them the
                link.
              </p>
              {invite.data.url && <CopyField label={`Invitation link for ${invite.data.email}`} value={invite.data.url} />}
            </div>
          )}
          <Loaded query={invitations}>
            {(data) =>
              data.invitations.filter((i) => i.status === 'pending').length === 0 ? (
                <p className="mt-3 text-sm text-slate-600">No pending invitations.</p>
              ) : (
                <ul className="mt-3 divide-y divide-slate-100 text-sm">
                  {data.invitations
                    .filter((i) => i.status === 'pending')
                    .map((i) => (
                      <li key={i.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                        <span className="min-w-0">
                          <span className="break-all">{i.email}</span> · {i.role} · expires <When at={i.expiresAt} />
                        </span>
                        <span className="flex gap-2">
                          {i.url && (
                            <CopyButton value={i.url} what={`for ${i.email}`}>
                              Copy link
                            </CopyButton>
                          )}
                          <Button
                            variant="secondary"
                            onClick={() => cancel.mutate(i.id)}
                            aria-label={`Cancel the invitation for ${i.email}`}
                          >
                            Cancel
                          </Button>
                        </span>
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

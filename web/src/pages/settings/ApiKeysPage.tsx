import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, Field, FormError } from '../../components/forms';
import { Card, EmptyState, Loaded } from '../../components/states';
import { When } from '../../components/When';
import { del, errorMessage, get, post } from '../../lib/api';
import { isAdmin, useMe } from '../../lib/session';
import type { ApiKeys, CreatedApiKey } from '../../lib/types';

export function ApiKeysPage() {
  const me = useMe();
  const admin = isAdmin(me.data);
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: () => get<ApiKeys>('/api-keys'), enabled: admin });
  const [name, setName] = useState('');
  const [role, setRole] = useState('member');
  const create = useMutation({
    mutationFn: () => post<CreatedApiKey>('/api-keys', { name, role }),
    onSuccess: async () => {
      setName('');
      await client.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => del(`/api-keys/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  if (!admin) {
    return (
      <div className="space-y-4">
        <h1 className="text-2xl font-semibold">API keys</h1>
        <p className="text-sm text-slate-600">Only admins and owners can manage API keys.</p>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-semibold">API keys</h1>
      <Card title="Create a key">
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <div className="min-w-0 flex-1 basis-56">
            <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
          </div>
          <label className="space-y-1 text-sm">
            <span className="block font-medium">Role</span>
            <select value={role} onChange={(e) => setRole(e.target.value)} className="rounded-md border border-slate-300 px-2 py-2">
              <option value="member">Member (read)</option>
              <option value="admin">Admin</option>
            </select>
          </label>
          <Button type="submit" disabled={create.isPending}>
            Create key
          </Button>
        </form>
        <FormError>{create.error && errorMessage(create.error, { name: 'Name', role: 'Role' })}</FormError>
        {create.data && (
          <div role="status" className="mt-3 rounded-lg border border-amber-200 bg-amber-50 p-3 text-sm">
            <p className="font-semibold">Copy this key now: it is shown only once.</p>
            <code className="mt-1 block break-all">{create.data.key}</code>
          </div>
        )}
      </Card>
      <Card title="Keys">
        <Loaded query={keys}>
          {(data) =>
            data.apiKeys.length === 0 ? (
              <EmptyState title="No API keys yet" />
            ) : (
              <ul className="divide-y divide-slate-100 text-sm">
                {data.apiKeys.map((k) => (
                  <li key={k.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                    <span className="min-w-0">
                      <span className="font-medium">{k.name}</span> <code className="text-slate-600">{k.prefix}…</code> · {k.role} · created{' '}
                      <When at={k.createdAt} /> · last used <When at={k.lastUsedAt} />
                    </span>
                    <Button variant="secondary" onClick={() => revoke.mutate(k.id)} aria-label={`Revoke ${k.name}`}>
                      Revoke
                    </Button>
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
        <FormError>{revoke.error && errorMessage(revoke.error)}</FormError>
      </Card>
    </div>
  );
}

import { useQuery } from '@tanstack/react-query';
import { ApiError, get } from './api';
import type { Me } from './types';

/** The signed-in user and organizations; `null` when signed out. */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return await get<Me>('/me');
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 30_000,
  });
}

export type Role = 'owner' | 'admin' | 'member';

/** The caller's role in the active organization. */
export function activeRole(me: Me | null | undefined): Role | null {
  if (!me) return null;
  if (me.apiKey) return me.apiKey.role;
  return me.organizations.find((o) => o.id === me.activeOrganizationId)?.role ?? null;
}

export const isAdmin = (me: Me | null | undefined) => {
  const role = activeRole(me);
  return role === 'admin' || role === 'owner';
};

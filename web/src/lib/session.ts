import { type QueryClient, queryOptions, useQuery } from '@tanstack/react-query';
import { ApiError, get } from './api';
import type { Me } from './types';

/** The signed-in user and organizations; `null` when signed out. One definition for every reader of `['me']`. */
export const meQuery = queryOptions({
  queryKey: ['me'],
  queryFn: async (): Promise<Me | null> => {
    try {
      return await get<Me>('/me');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  },
  staleTime: 30_000,
});

export function useMe() {
  return useQuery(meQuery);
}

/**
 * After a sign-in, sign-up or accepted invitation the session changed under every cached answer. Above all the
 * "not signed in" `['me']` of the first visit must go: nothing on the auth pages observes it, so invalidating it
 * refetches nothing, and the guarded page would read the stale `null` and send the user back to the login page.
 * So it is dropped and read again *before* navigating; everything else is refetched when next used.
 */
export async function sessionChanged(client: QueryClient): Promise<void> {
  await client.cancelQueries({ queryKey: meQuery.queryKey });
  client.removeQueries({ queryKey: meQuery.queryKey });
  await client.fetchQuery(meQuery);
  await client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'me', refetchType: 'none' });
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

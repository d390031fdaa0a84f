import { useQuery } from '@tanstack/react-query';
import { get } from './api';
import type { Support } from './types';

/** The guide's "Getting help" channels, until the server says otherwise (`SUPPORT_EMAIL`, `STATUS_PAGE_URL`). */
export const DEFAULT_SUPPORT: Support = { email: 'support@pulsescore.app', statusPageUrl: 'https://status.pulsescore.app' };

/** Where help goes: the configured support address and status page (the defaults while that is unknown). */
export function useSupport(): Support {
  const support = useQuery({
    queryKey: ['support'],
    queryFn: () => get<Support>('/support'),
    staleTime: Infinity,
    retry: false,
  });
  return support.data ?? DEFAULT_SUPPORT;
}

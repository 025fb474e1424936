/**
 * Who is signed in and what they may do (GET /api/v1/session), shared by every page.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { api, ApiProblem, onUnauthenticated, setCsrfToken } from './api/client.ts';
import { keys } from './api/keys.ts';
import type { Permission, Session } from './api/types.ts';

type SessionState = { session: Session | null; loading: boolean };

const SessionContext = createContext<SessionState>({ session: null, loading: true });

export function SessionProvider({ children, onEnded }: { children: ReactNode; onEnded: () => void }) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: keys.session,
    queryFn: async () => {
      try {
        return await api<Session>('GET', '/session', undefined, { quiet401: true });
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: 1,
  });
  const session = query.data ?? null;
  setCsrfToken(session?.csrfToken ?? null);
  useEffect(
    () =>
      onUnauthenticated(() => {
        client.setQueryData(keys.session, null);
        onEnded();
      }),
    [client, onEnded],
  );
  return <SessionContext.Provider value={{ session, loading: query.isPending }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  return useContext(SessionContext);
}

/** Whether the signed-in user may do `permission` (on `system`, or anywhere when omitted). */
export function useCan(permission: Permission, system?: string): boolean {
  const { session } = useSession();
  if (!session) return false;
  const list = system ? session.permissions.systems[system] : session.permissions.global;
  return Boolean(list?.includes(permission));
}

/**
 * Live updates: one EventSource on /api/v1/events while signed in. A `change` refetches the
 * queries of the systems it names (and the audit log); after a reconnect (`ready` again) every
 * query is refetched, so a page catches up on what it missed while the connection was down.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { keys } from './keys.ts';
import type { LiveChange } from './types.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

export function useLiveUpdates(enabled: boolean): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/events');
    let connectedBefore = false;
    source.addEventListener('ready', () => {
      setState('live');
      if (connectedBefore) void client.invalidateQueries();
      connectedBefore = true;
    });
    source.addEventListener('change', (event) => {
      let change: LiveChange;
      try {
        change = JSON.parse((event as MessageEvent<string>).data) as LiveChange;
      } catch {
        return;
      }
      if (change.resync) {
        void client.invalidateQueries();
        return;
      }
      for (const stream of change.streams) {
        if (stream === '_global') void client.invalidateQueries({ queryKey: keys.users });
        else void client.invalidateQueries({ queryKey: keys.system(stream) });
      }
      void client.invalidateQueries({ queryKey: ['audit'] });
      void client.invalidateQueries({ queryKey: ['notifications'] });
    });
    source.onerror = () => setState('reconnecting');
    return () => source.close();
  }, [enabled, client]);
  return state;
}

/**
 * Live updates: one EventSource on /api/v1/events while signed in. A `change` refetches the
 * queries of the systems it names (and the audit log, notifications); after a reconnect (`ready`
 * again) every query is refetched, so a page catches up on what it missed while the connection
 * was down.
 *
 * EventSource retries by itself after a dropped connection, but gives up for good when an answer
 * is not the stream (a 502 from a proxy, a 503 from a server shutting down): then a new one is
 * opened after a pause that grows to 30 s, so live updates always come back.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { keys } from './keys.ts';
import type { LiveChange } from './types.ts';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

const FIRST_PAUSE_MS = 3_000;
const LONGEST_PAUSE_MS = 30_000;

export function useLiveUpdates(enabled: boolean): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let pause = FIRST_PAUSE_MS;
    let connectedBefore = false;
    let stopped = false;

    const open = () => {
      source = new EventSource('/api/v1/events');
      source.addEventListener('ready', () => {
        setState('live');
        pause = FIRST_PAUSE_MS;
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
      source.onerror = () => {
        setState('reconnecting');
        if (source?.readyState !== EventSource.CLOSED || stopped) return;
        // Given up by the browser: open a new one later.
        timer = setTimeout(() => {
          timer = null;
          if (!stopped) open();
        }, pause);
        pause = Math.min(LONGEST_PAUSE_MS, Math.round(pause * 1.5));
      };
    };
    open();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      source?.close();
    };
  }, [enabled, client]);
  return state;
}

/**
 * Live updates for the dashboard: every committed audit event (each state change writes one) is
 * announced to this instance's subscribers as a `Change`, which the server-sent events route
 * passes on to browsers; they refetch what changed.
 *
 * - PostgreSQL: a trigger on audit_events NOTIFYs `tonic_changes` when the transaction commits
 *   (migration 0010); every instance LISTENs, so every instance's browsers see every change.
 * - SQLite (one instance): the audit store tells us of appended events inside the transaction; the
 *   change is published once the transaction has released the single connection (Kysely queues
 *   the next statement behind it), so a browser that refetches at once sees the change.
 * Neither adds a statement to the transaction of the change.
 */
import { sql } from 'kysely';
import type { DatabaseHandle } from '../../adapters/db/database.ts';
import type { Listening } from '../../adapters/db/pg-listen.ts';
import type { AuditInput } from '../audit/audit-store.ts';

export const CHANGES_CHANNEL = 'tonic_changes';

/** What changed: the audit streams (system names, `_global`), the subjects ("bug:12") and actions. */
export type Change = {
  streams: string[];
  subjects: string[];
  actions: string[];
  /** Set when changes may have been missed (a lost LISTEN connection): refetch everything. */
  resync?: boolean;
};

type Listener = (change: Change) => void;

const MAX_SUBJECTS = 50;

export function changeOf(inputs: readonly AuditInput[]): Change {
  const distinct = (values: string[]) => [...new Set(values)].sort();
  return {
    streams: distinct(inputs.map((i) => i.stream)),
    subjects: distinct(inputs.map((i) => i.subject)).slice(0, MAX_SUBJECTS),
    actions: distinct(inputs.map((i) => i.action)).slice(0, 20),
  };
}

function parseNotification(payload: string): Change | null {
  try {
    const raw = JSON.parse(payload) as { streams?: unknown; subjects?: unknown; actions?: unknown };
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return { streams: strings(raw.streams), subjects: strings(raw.subjects), actions: strings(raw.actions) };
  } catch {
    return null;
  }
}

export function createLiveEvents(database: Pick<DatabaseHandle, 'db' | 'dialect' | 'listen'>, log: (message: string) => void = () => {}) {
  const listeners = new Set<Listener>();
  let listening: Promise<Listening | null> | null = null;
  let closed = false;

  const publish = (change: Change) => {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch {
        /* one subscriber's failure is not the others' */
      }
    }
  };

  /** PostgreSQL: start listening with the first subscriber (tests and the CLI never open it). */
  const ensureListening = () => {
    if (listening || closed || !database.listen) return;
    listening = database
      .listen(CHANGES_CHANNEL, {
        onMessage: (payload) => {
          const change = parseNotification(payload);
          if (change) publish(change);
        },
        onResume: () => publish({ streams: [], subjects: [], actions: [], resync: true }),
        onError: (error) => log(`live updates: ${error.message}; reconnecting`),
      })
      .catch((error: Error) => {
        log(`live updates: cannot LISTEN on PostgreSQL: ${error.message}`);
        listening = null;
        return null;
      });
  };

  return {
    /**
     * For the audit store: called inside the transaction that appended `inputs`. SQLite publishes
     * after that transaction; PostgreSQL needs nothing here (its trigger notifies on commit).
     */
    afterAppend:
      database.dialect === 'sqlite'
        ? (inputs: readonly AuditInput[]) => {
            if (listeners.size === 0) return;
            const change = changeOf(inputs);
            // Runs when the transaction has released SQLite's single connection (committed or
            // rolled back: a rolled-back change only makes browsers refetch the same data).
            void sql`select 1`.execute(database.db).then(
              () => publish(change),
              () => undefined,
            );
          }
        : undefined,

    subscribe(listener: Listener): () => void {
      listeners.add(listener);
      ensureListening();
      return () => listeners.delete(listener);
    },

    /** Resolves when this instance receives changes from the database (PostgreSQL: LISTEN is active). */
    async ready(): Promise<void> {
      ensureListening();
      await listening;
    },

    get subscribers(): number {
      return listeners.size;
    },

    async close(): Promise<void> {
      closed = true;
      listeners.clear();
      const l = await listening;
      await l?.stop();
    },
  };
}

export type LiveEvents = ReturnType<typeof createLiveEvents>;

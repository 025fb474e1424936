/**
 * Closes, honestly, the work a stopped process left marked "under way" (decision record 0024):
 * rollbacks running or validating, post-deploy watches, emergency hotfix deploys and UAT follow-ups.
 * (Runs and the deploy lock itself have their own lease sweep in the scheduler.)
 *
 * - `sweep(now)`, on every scheduler tick and so at start-up: work whose owner is gone (no live
 *   deploy lock covers it: recovery-rules) is closed by its own feature, with what it had done and
 *   had not, an audit event and a message. A live instance's work is never touched.
 * - `interruptInFlight(reason)`, at shutdown after the grace period: the work this process began
 *   under the locks it holds is closed the same way, with the shutdown's reason.
 *
 * Each feature owns how its work is closed (its statuses, its message); this service only decides
 * which work is orphaned, in an order where a rollback's own watch is judged before the rollback.
 */
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import { silentLogger, type Logger } from '../../shared/logger.ts';
import type { DeployLockStore } from '../deployments/deploy-lock-store.ts';
import { ownership, underHold, type LockHold } from './recovery-rules.ts';

/** One piece of work marked under way: where, since when (taken under the lock), and how to close it. */
export type UnfinishedWork = { kind: string; system: string; since: string; label: string; close(why: string, at: Date): Promise<boolean> };

/** A kind of work: how to find what is marked under way, and how its feature closes one. */
export type WorkKind<T> = {
  kind: string;
  unfinished(): Promise<T[]>;
  placeOf(item: T): { system: string; since: string; label: string };
  close(item: T, why: string, at: Date): Promise<boolean>;
};

/** A kind of work with its own item type, as the recovery handles every kind alike. */
export function workKind<T>(k: WorkKind<T>): { kind: string; list(): Promise<UnfinishedWork[]> } {
  return {
    kind: k.kind,
    async list() {
      return (await k.unfinished()).map((item) => ({ kind: k.kind, ...k.placeOf(item), close: (why: string, at: Date) => k.close(item, why, at) }));
    },
  };
}

export type RecoveredWork = { kind: string; system: string; label: string; why: string };

type RecoveryDeps = {
  db: Db;
  locks: DeployLockStore;
  /** The deploy locks this process holds now (at shutdown: whose work is its own). */
  heldHere(): readonly { system: string; acquiredAt: string }[];
  /** Systems this server is configured with: another system's work is left to a server that has it. */
  configured(system: string): boolean;
  /** In the order they are judged: a watch before the rollback or hotfix that awaited it. */
  kinds: readonly { kind: string; list(): Promise<UnfinishedWork[]> }[];
  clock: Clock;
  logger?: Logger;
};

export function createRecoveryService(deps: RecoveryDeps) {
  const { db, locks, clock } = deps;
  const logger = deps.logger ?? silentLogger();

  async function close(work: UnfinishedWork, why: string, at: Date, out: RecoveredWork[]): Promise<void> {
    try {
      if (!(await work.close(why, at))) return; // finished meanwhile
      out.push({ kind: work.kind, system: work.system, label: work.label, why });
      logger.warn({ system: work.system, kind: work.kind, why }, `${work.label} of ${work.system} recorded as interrupted`);
    } catch (error) {
      // One that cannot be closed now (its system left the configuration, say) does not stop the others.
      logger.error({ err: error, system: work.system, kind: work.kind }, `${work.label} of ${work.system} could not be recorded as interrupted`);
    }
  }

  return {
    /** Closes the work whose owner is gone; returns what it closed. */
    async sweep(now: Date = clock.now()): Promise<RecoveredWork[]> {
      const out: RecoveredWork[] = [];
      const holds = new Map<string, LockHold | null>();
      for (const kind of deps.kinds) {
        for (const work of await kind.list()) {
          if (!deps.configured(work.system)) continue;
          if (!holds.has(work.system)) holds.set(work.system, (await locks.get(db, work.system)) ?? null);
          const owner = ownership(work.since, holds.get(work.system)!, now);
          if (!owner.alive) await close(work, owner.why, now, out);
        }
      }
      return out;
    },

    /** Shutdown: the work this process began under the locks it still holds, closed with `reason`. */
    async interruptInFlight(reason: string): Promise<RecoveredWork[]> {
      const now = clock.now();
      const held = deps.heldHere();
      const out: RecoveredWork[] = [];
      if (held.length === 0) return out;
      for (const kind of deps.kinds) {
        for (const work of await kind.list()) {
          if (held.some((h) => h.system === work.system && underHold(work.since, h))) await close(work, reason, now, out);
        }
      }
      return out;
    },
  };
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;

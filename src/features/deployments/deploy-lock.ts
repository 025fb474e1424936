/**
 * One deploy at a time per system (DESIGN.md decision 11): T1/T2 deploys, rollbacks and hotfixes
 * run inside `withLock`. A second deploy is refused at once with who holds the system, for what
 * and since when (or waits up to `waitMs`). The holder renews a lease while it works; a lock whose
 * holder died is released by the scheduler's sweep, audited and announced, never silently.
 *
 * Re-entrant within one chain of calls: a rollback started from inside a deploy that holds the
 * lock (smoke failed, monitoring said roll back) runs under the same lock instead of deadlocking.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { OutboxStore } from '../outbox/outbox-store.ts';
import { formatLocal } from '../schedule/schedule-rules.ts';
import { describeProgress, type DeploymentServices } from '../services/service-rules.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { DeployLockStore, DeployLockView } from './deploy-lock-store.ts';
import type { DeploymentStore } from './deployment-store.ts';

type DeployLockDeps = {
  db: Db;
  locks: DeployLockStore;
  deployments: DeploymentStore;
  systems: SystemRegistry;
  audit: AuditStore;
  outbox: OutboxStore;
  clock: Clock;
  instance: string;
  leaseMs: number;
};

export type LockRequest = {
  system: string;
  /** Who: a username, or "tonic" for the pipeline. */
  holder: string;
  /** What: "T2 run 12: v1.2.3 to prod", "rollback 4", "hotfix 7". */
  purpose: string;
  runId?: number | null;
  /** Wait this long for the lock before refusing (default: refuse at once). */
  waitMs?: number;
};

/** What the code holding the lock can do with it. */
export type HeldLock = {
  system: string;
  holder: string;
  /** Says what the holder is doing now ("T2 run 12: v1.2.3 to prod"), for whoever is refused. */
  describe(purpose: string): Promise<void>;
};

/** The deployment running under a lock: which release where, and (multi-service) each service's progress. */
export type RunningDeployment = { id: number; env: 'uat' | 'prod'; releaseId: number; startedAt: string; services: DeploymentServices | null };

/** GET …/deploy-lock: "deploy in progress" with who and what, or none. */
export type DeployLockState =
  | { inProgress: false; system: string }
  | ({ inProgress: true; since: string; sinceLocal: string; leaseExpired: boolean; message: string; deployment: RunningDeployment | null } & DeployLockView);

const POLL_MS = 250;

export function createDeployLock(deps: DeployLockDeps) {
  const { db, locks, systems, audit, outbox, clock } = deps;
  const held = new AsyncLocalStorage<ReadonlyMap<string, HeldLock>>();
  /** Every lock this process holds now, by token (graceful shutdown: whose work is its own). */
  const heldHere = new Map<string, { system: string; acquiredAt: string }>();

  /** The deployment under way, if one is (between deploys a run still holds the lock: smoke, monitoring). */
  async function running(system: string): Promise<RunningDeployment | null> {
    const d = await deps.deployments.running(db, system);
    return d ? { id: d.id, env: d.env, releaseId: d.releaseId, startedAt: d.startedAt, services: d.services } : null;
  }

  function busyMessage(lock: DeployLockView, deployment: RunningDeployment | null): string {
    const since = formatLocal(new Date(lock.acquiredAt), systems.get(lock.system).timeZone);
    const now = deployment?.services ? ` (deployment ${deployment.id} to ${deployment.env}: ${describeProgress(deployment.services)})` : '';
    return `${lock.holder} is deploying ${lock.purpose} since ${since}${now}; try again when it finishes`;
  }

  async function refusal(system: string): Promise<DomainError> {
    const lock = await locks.get(db, system);
    const message = lock ? busyMessage(lock, await running(system)) : `another deploy of ${system} holds the lock; try again when it finishes`;
    return new DomainError('deploy_in_progress', message, lock ? { holder: lock.holder, purpose: lock.purpose, runId: lock.runId, since: lock.acquiredAt } : undefined);
  }

  return {
    async withLock<T>(request: LockRequest, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
      const { system } = request;
      systems.get(system);
      const mine = held.getStore()?.get(system);
      if (mine) return fn(mine);

      const token = randomUUID();
      const deadline = performance.now() + (request.waitMs ?? 0);
      let acquiredAt: Date;
      for (;;) {
        const at = clock.now();
        acquiredAt = at;
        const acquired = await locks.acquire(db, {
          system,
          holder: request.holder,
          purpose: request.purpose,
          runId: request.runId ?? null,
          token,
          instance: deps.instance,
          at,
          leaseUntil: new Date(at.getTime() + deps.leaseMs),
        });
        if (acquired) break;
        const left = deadline - performance.now();
        if (left <= 0) throw await refusal(system);
        await sleep(Math.min(POLL_MS, left));
      }

      const lock: HeldLock = {
        system,
        holder: request.holder,
        describe: (purpose) => locks.describe(db, system, token, purpose),
      };
      const renew = setInterval(() => {
        void locks.renew(db, system, token, new Date(clock.now().getTime() + deps.leaseMs)).catch(() => undefined);
      }, Math.max(50, Math.floor(deps.leaseMs / 3)));
      heldHere.set(token, { system, acquiredAt: acquiredAt.toISOString() });
      try {
        const outer = held.getStore();
        return await held.run(new Map(outer ?? []).set(system, lock), () => fn(lock));
      } finally {
        clearInterval(renew);
        heldHere.delete(token);
        await locks.release(db, system, token);
      }
    },

    /** The locks this process holds now, and since when (the row's acquiredAt). */
    heldHere(): { system: string; acquiredAt: string }[] {
      return [...heldHere.values()];
    },

    async current(system: string): Promise<DeployLockState> {
      systems.get(system);
      const lock = await locks.get(db, system);
      if (!lock) return { inProgress: false, system };
      const deployment = await running(system);
      return {
        inProgress: true,
        ...lock,
        since: lock.acquiredAt,
        sinceLocal: formatLocal(new Date(lock.acquiredAt), systems.get(system).timeZone),
        leaseExpired: lock.leaseUntil < clock.now().toISOString(),
        message: busyMessage(lock, deployment),
        deployment,
      };
    },

    /**
     * The scheduler's lease sweep: a lock whose holder stopped renewing (its process died) is
     * released, with an audit event and a message, so the next deploy can go and people know the
     * last one may have left the environment half-changed.
     */
    async sweepExpired(now: Date): Promise<DeployLockView[]> {
      const released: DeployLockView[] = [];
      for (const lock of await locks.expired(db, now)) {
        await db.transaction().execute(async (trx) => {
          if (!(await locks.releaseExpired(trx, lock, now))) return;
          const reason = `${lock.holder} stopped renewing the deploy lock at ${lock.leaseUntil} (instance ${lock.instance} stopped or was killed) while deploying ${lock.purpose}: check what the environment runs`;
          // A run's deployments become unknown through the run's own sweep; the others here.
          const unknown = await deps.deployments.markUnknownWithoutRun(trx, lock.system, lock.acquiredAt, now, `${reason}: whether this deploy finished is unknown`);
          const data = { system: lock.system, holder: lock.holder, purpose: lock.purpose, runId: lock.runId, acquiredAt: lock.acquiredAt, leaseUntil: lock.leaseUntil, reason, deployments: unknown };
          await audit.append(trx, { stream: lock.system, actor: 'tonic', action: 'deploy_lock.expired', subject: `deploy-lock:${lock.system}`, data, at: now });
          await outbox.enqueue(trx, { system: lock.system, event: 'deploy.lock_expired', payload: data, idempotencyKey: `deploy.lock_expired:${lock.system}:${lock.acquiredAt}`, at: now });
          released.push(lock);
        });
      }
      return released;
    },
  };
}

export type DeployLock = ReturnType<typeof createDeployLock>;

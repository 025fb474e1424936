/**
 * Work a stopped process left "under way" (DESIGN.md decision 6, carried past runs; decision record
 * 0024): whether its owner is gone. Every rollback, emergency hotfix deploy, UAT follow-up and
 * post-deploy watch runs under its system's deploy lock, whose row names the holder's instance and a
 * lease that holder renews while it lives. So a piece of work is orphaned exactly when no live lock
 * taken before it began covers it: no lock at all, a lock whose lease lapsed, or a newer lock (its
 * own was released and someone else has since taken the system). Pure: the instant comes in.
 */

/** The deploy lock of a system as its row says (src/features/deployments/deploy-lock-store.ts). */
export type LockHold = { instance: string; holder: string; purpose: string; acquiredAt: string; leaseUntil: string };

export type Ownership = { alive: true } | { alive: false; why: string };

/**
 * Whether the process that began a piece of work at `since` (an ISO-8601 instant, taken under the
 * lock) is still there to finish it, judged from the system's lock row at `now`.
 */
export function ownership(since: string, lock: LockHold | null, now: Date): Ownership {
  if (lock === null) {
    return { alive: false, why: 'no deploy lock covers it any more: the process that ran it stopped, and its lock was released when its lease lapsed' };
  }
  if (new Date(lock.leaseUntil).getTime() < now.getTime()) {
    return { alive: false, why: `the instance ${lock.instance} stopped renewing the deploy lock it ran under at ${lock.leaseUntil} (process stopped or killed)` };
  }
  if (new Date(lock.acquiredAt).getTime() > new Date(since).getTime()) {
    return {
      alive: false,
      why: `the deploy lock it ran under was released when its process stopped, and has since been taken by ${lock.holder} (${lock.purpose}, instance ${lock.instance})`,
    };
  }
  return { alive: true };
}

/**
 * At shutdown: the work this process began under a lock it holds is its own, cut short now. `since`
 * at or after the hold's acquisition (the lock is re-entrant: a rollback inside a run's hold).
 */
export function underHold(since: string, hold: { acquiredAt: string }): boolean {
  return new Date(since).getTime() >= new Date(hold.acquiredAt).getTime();
}

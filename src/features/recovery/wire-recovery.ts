/**
 * Wires the recovery of work left under way (decision record 0024): each kind of work, in the order
 * it is judged (a watch before the rollback or hotfix that awaited its verdict), with the feature
 * that closes it.
 */
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import type { DeployLock } from '../deployments/deploy-lock.ts';
import type { DeployLockStore } from '../deployments/deploy-lock-store.ts';
import type { HotfixService } from '../hotfixes/hotfix-service.ts';
import type { MonitoringService } from '../monitoring/monitoring-service.ts';
import type { RollbackService } from '../rollbacks/rollback-service.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import { createRecoveryService, workKind } from './recovery-service.ts';

type RecoveryWiring = {
  db: Db;
  systems: Pick<SystemRegistry, 'list'>;
  locks: DeployLockStore;
  lock: Pick<DeployLock, 'heldHere'>;
  monitoring: Pick<MonitoringService, 'unfinished' | 'closeInterrupted'>;
  rollbacks: Pick<RollbackService, 'unfinished' | 'closeInterrupted'>;
  hotfixes: Pick<HotfixService, 'unfinished' | 'closeInterrupted'>;
  clock: Clock;
  logger?: Logger;
};

export function wireRecovery(deps: RecoveryWiring) {
  const { monitoring, rollbacks, hotfixes } = deps;
  return createRecoveryService({
    db: deps.db,
    locks: deps.locks,
    heldHere: () => deps.lock.heldHere(),
    configured: (system) => deps.systems.list().some((s) => s.name === system),
    clock: deps.clock,
    logger: deps.logger,
    kinds: [
      workKind({
        kind: 'monitoring watch',
        unfinished: () => monitoring.unfinished(),
        placeOf: (w) => ({ system: w.system, since: w.startedAt, label: `the monitoring watch ${w.id} of deployment ${w.deploymentId} (${w.release} on ${w.env})` }),
        close: (w, why, at) => monitoring.closeInterrupted(w, why, at),
      }),
      workKind({
        kind: 'rollback',
        unfinished: () => rollbacks.unfinished(),
        placeOf: (r) => ({ system: r.system, since: r.createdAt, label: `rollback ${r.id} (${r.env}, ${r.status})` }),
        close: (r, why, at) => rollbacks.closeInterrupted(r, why, at),
      }),
      workKind({
        kind: 'emergency hotfix',
        unfinished: () => hotfixes.unfinished(),
        placeOf: (h) => ({ system: h.system, since: h.since, label: `hotfix ${h.id} (${h.step === 'deploy' ? 'deploy to PROD' : 'UAT follow-up'})` }),
        close: (h, why, at) => hotfixes.closeInterrupted(h, why, at),
      }),
    ],
  });
}

/** Builds the probes a system's checklist configures, each from its own section. */
import type { ChecklistConfig } from '../checklist-config.ts';
import type { ProbeName } from '../checklist-rules.ts';
import { createBackupProbe } from './backup-probe.ts';
import { createDependenciesProbe } from './dependencies-probe.ts';
import { createFreezeProbe, type FreezeEvaluator } from './freeze-probe.ts';
import { createHeadroomProbe } from './headroom-probe.ts';
import { createMonitoringProbe } from './monitoring-probe.ts';
import { createOnCallProbe } from './on-call-probe.ts';
import type { Probe } from './probe.ts';
import { createRollbackPathProbe, type RollbackPathDeps } from './rollback-path-probe.ts';

export type ProbeDeps = RollbackPathDeps & { freezes: FreezeEvaluator };

export function buildProbes(c: ChecklistConfig, deps: ProbeDeps): Map<ProbeName, Probe> {
  const probes = new Map<ProbeName, Probe>();
  if (c.backup) probes.set('backup', createBackupProbe(c.backup));
  if (c.monitoring) probes.set('monitoring', createMonitoringProbe(c.monitoring));
  if (c.onCall) probes.set('onCall', createOnCallProbe(c.onCall));
  if (c.freeze) probes.set('freeze', createFreezeProbe(c.freeze, deps.freezes));
  if (c.rollbackPath) probes.set('rollbackPath', createRollbackPathProbe(c.rollbackPath, deps));
  if (c.dependencies) probes.set('dependencies', createDependenciesProbe(c.dependencies));
  if (c.headroom) probes.set('headroom', createHeadroomProbe(c.headroom));
  return probes;
}

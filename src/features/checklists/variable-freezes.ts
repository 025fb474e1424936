/**
 * The freeze evaluation of SEED.md's flags alone (DEPLOY_FREEZE, DEPLOY_FREEZE_MODULES,
 * DEPLOY_FREEZE_UNTIL from the server's environment), with the shape of `tonic.freezes.at`, so
 * the checklist's freeze probe reads either one the same way.
 */
import type { SystemRegistry } from '../systems/system-registry.ts';
import { evaluateFreezeVariables, type FreezeVariables } from './checklist-rules.ts';
import type { FreezeEvaluator } from './probes/freeze-probe.ts';

export function createVariableFreezes(vars: FreezeVariables, systems: SystemRegistry): FreezeEvaluator {
  const copy: FreezeVariables = { DEPLOY_FREEZE: vars.DEPLOY_FREEZE, DEPLOY_FREEZE_MODULES: vars.DEPLOY_FREEZE_MODULES, DEPLOY_FREEZE_UNTIL: vars.DEPLOY_FREEZE_UNTIL };
  return {
    source: 'DEPLOY_FREEZE* variables',
    at: async (system, instant) => evaluateFreezeVariables(copy, instant, systems.get(system).timeZone),
  };
}

/**
 * 4. Change freeze: what is frozen at the instant of the check, from whatever evaluates freezes
 * (the DEPLOY_FREEZE* variables, or the freeze feature's full evaluation once wired).
 */
import type { ProbeCommon } from '../checklist-config.ts';
import type { FreezeState } from '../../freezes/freeze-rules.ts';
import { judgeFreeze, outcome } from '../checklist-rules.ts';
import type { Probe } from './probe.ts';

/** The shape of `tonic.freezes`: what is frozen for a system at an instant. */
export type FreezeEvaluator = {
  /** Names what evaluates the freezes, for the evidence ("DEPLOY_FREEZE* variables"). */
  readonly source: string;
  at(system: string, instant: Date): Promise<FreezeState>;
};

export function createFreezeProbe(config: ProbeCommon, freezes: FreezeEvaluator): Probe {
  return {
    name: 'freeze',
    budgetMs: config.timeoutMs,
    async run(ctx) {
      const state = await freezes.at(ctx.system.name, ctx.at);
      return outcome(judgeFreeze(state, ctx.at, ctx.system.timeZone, freezes.source), ctx.at);
    },
  };
}

/**
 * Step 0 of SEED.md, the version check, as DESIGN.md decision 1 sharpens it: the flow follows from
 * how the commits on UAT and PROD relate by git ancestry. Pure.
 */
import type { FixFlow } from '../bugs/bug-statuses.ts';

export const VERSION_RELATIONS = ['same', 'uat_ahead', 'prod_ahead', 'diverged', 'unknown'] as const;
export type VersionRelation = (typeof VERSION_RELATIONS)[number];

export type EnvironmentVersion = { version: string | null; commit: string | null };

export type FlowChoice = {
  /** null: no flow is safe now; the bug waits with `reason`. */
  flow: FixFlow | null;
  relation: VersionRelation;
  reason: string;
  warning: string | null;
};

function label(env: EnvironmentVersion): string {
  const commit = env.commit ? env.commit.slice(0, 10) : 'no commit';
  return env.version ? `${env.version}, ${commit}` : commit;
}

export function chooseFlow(relation: VersionRelation, uat: EnvironmentVersion, prod: EnvironmentVersion): FlowChoice {
  switch (relation) {
    case 'same':
      return {
        flow: 'flow1',
        relation,
        reason: `UAT and PROD run the same commit (${label(prod)}): Flow 1, UAT first`,
        warning: null,
      };
    case 'uat_ahead':
      return {
        flow: 'flow2',
        relation,
        reason: `UAT (${label(uat)}) is ahead of PROD (${label(prod)}): Flow 2, PROD first, then cherry-pick back to UAT`,
        warning: null,
      };
    case 'diverged':
      return {
        flow: 'flow2',
        relation,
        reason: `UAT (${label(uat)}) and PROD (${label(prod)}) have diverged: Flow 2, PROD first`,
        warning: 'UAT and PROD have diverged (neither contains the other): check the cherry-pick back to UAT with care',
      };
    case 'prod_ahead':
      return {
        flow: null,
        relation,
        reason: `UAT is behind PROD: sync UAT first (UAT ${label(uat)}, PROD ${label(prod)})`,
        warning: null,
      };
    case 'unknown':
      return {
        flow: null,
        relation,
        reason:
          uat.commit && prod.commit
            ? `cannot tell how UAT (${label(uat)}) and PROD (${label(prod)}) relate: a commit is missing from the repository`
            : 'the commits on UAT and PROD are not recorded yet: record them before a flow can be chosen',
        warning: null,
      };
  }
}

/** Ancestry, as the repository answers it; the git adapter implements this port. */
export interface VersionGraph {
  /** How UAT's commit relates to PROD's. 'unknown' when either commit is missing or unknown. */
  relate(system: string, uatCommit: string | null, prodCommit: string | null): Promise<VersionRelation>;
}

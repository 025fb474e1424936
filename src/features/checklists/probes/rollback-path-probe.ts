/**
 * 5. Rollback path: what the target environment runs is recorded, and the tag of that release
 * exists in the system's repository and points at the recorded commit.
 */
import type { Db } from '../../../adapters/db/schema.ts';
import type { ProbeCommon } from '../checklist-config.ts';
import { judgeRollbackPath, outcome } from '../checklist-rules.ts';
import type { EnvironmentStore } from '../../environments/environment-store.ts';
import type { ReleaseStore } from '../../releases/release-store.ts';
import type { Repositories } from '../../runs/run-service.ts';
import type { Probe } from './probe.ts';

export type RollbackPathDeps = { db: Db; environments: EnvironmentStore; releases: ReleaseStore; repositories: Repositories };

export function createRollbackPathProbe(config: ProbeCommon, deps: RollbackPathDeps): Probe {
  return {
    name: 'rollbackPath',
    budgetMs: config.timeoutMs,
    async run(ctx) {
      const system = ctx.system.name;
      const running = (await deps.environments.get(deps.db, system))[ctx.env];
      const release = running.releaseId ? await deps.releases.get(deps.db, system, running.releaseId) : undefined;
      const tag = release?.tag ?? running.version;
      let tagCommit: string | null = null;
      const hasRepository = deps.repositories.has(system);
      if (tag && running.commit && hasRepository) {
        const repo = await deps.repositories.open(system);
        await repo.refresh();
        tagCommit = await repo.resolveCommit(`refs/tags/${tag}`);
      }
      const facts = { env: ctx.env, version: running.version, commit: running.commit, tag, tagCommit, repository: hasRepository ? system : null };
      return outcome(judgeRollbackPath(facts), ctx.at);
    },
  };
}

/**
 * Opens each system's repository once (cloning a remote on first use) and answers the bug
 * service's question "is this a fix we can use?".
 */
import type { SystemConfig } from '../../config/load-config.ts';
import type { FixResolver } from '../../features/bugs/bug-service.ts';
import type { Repositories } from '../../features/runs/run-service.ts';
import { DomainError } from '../../shared/errors.ts';
import { isSafeRef, openSystemRepository, type SystemRepository } from './system-repository.ts';

export function createRepositories(systems: readonly SystemConfig[], home: string): Repositories & FixResolver {
  const byName = new Map(systems.map((s) => [s.name, s]));
  const opened = new Map<string, Promise<SystemRepository>>();

  function open(system: string): Promise<SystemRepository> {
    const config = byName.get(system);
    if (!config) return Promise.reject(new DomainError('not_found', `system "${system}" is not configured`));
    if (!config.repositoryPath && !config.repositoryUrl) {
      return Promise.reject(new DomainError('validation_failed', `${system} has no repository configured: set systems[].repository.path or .url`));
    }
    let repo = opened.get(system);
    if (!repo) {
      repo = openSystemRepository({ system, path: config.repositoryPath, url: config.repositoryUrl, push: config.push }, home);
      repo.catch(() => opened.delete(system)); // a later call may succeed (say, once the path exists)
      opened.set(system, repo);
    }
    return repo;
  }

  return {
    has: (system) => Boolean(byName.get(system)?.repositoryPath || byName.get(system)?.repositoryUrl),
    open,
    async resolve(system, ref, kind) {
      if (!isSafeRef(ref)) {
        throw new DomainError('validation_failed', `"${ref}" is not a valid ${kind === 'commit' ? 'commit id' : 'branch name'}: use letters, digits, . _ / - and no spaces`, {
          field: kind,
        });
      }
      const repo = await open(system);
      await repo.refresh();
      if (kind === 'commit') {
        if (!/^[0-9a-f]{7,64}$/.test(ref)) throw new DomainError('validation_failed', `"${ref}" is not a commit id: give 7 to 64 lower-case hex digits`, { field: 'commit' });
        const commit = await repo.resolveCommit(ref);
        if (!commit) throw new DomainError('unknown_commit', `commit ${ref} is not in the repository of ${system}: push it first, or check the id`);
        return commit;
      }
      const tip = await repo.resolveCommit(`refs/heads/${ref}`);
      if (!tip) throw new DomainError('unknown_commit', `branch ${ref} does not exist in the repository of ${system}`);
      return tip;
    },
    async touchedFiles(system, ref, kind) {
      const repo = await open(system);
      if (kind === 'commit') return repo.filesOf([ref]);
      const line = byName.get(system)!.environments.prod.line;
      const base = await repo.resolveCommit(`refs/heads/${line}`);
      return repo.filesOf(base ? await repo.branchCommits(ref, base) : [(await repo.resolveCommit(`refs/heads/${ref}`))!]);
    },
  };
}

/**
 * DESIGN.md decision 1 against a real repository: how UAT's commit relates to PROD's, by
 * `git merge-base --is-ancestor`.
 */
import type { VersionGraph, VersionRelation } from '../../features/environments/flow-rules.ts';
import type { Repositories } from '../../features/runs/run-service.ts';
import { DomainError } from '../../shared/errors.ts';
import { runGit } from './git-cli.ts';

/** Systems without a repository can only tell "same commit" from "unknown". */
export function createGitVersionGraph(repositories: Repositories): VersionGraph {
  async function resolveCommit(repo: string, commit: string): Promise<string | null> {
    const r = await runGit(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${commit}^{commit}`]);
    return r.code === 0 ? r.stdout.trim() : null;
  }

  async function isAncestor(repo: string, ancestor: string, descendant: string): Promise<boolean> {
    const r = await runGit(repo, ['merge-base', '--is-ancestor', ancestor, descendant]);
    if (r.code > 1) throw new Error(`git merge-base failed in ${repo}: ${r.stderr.trim()}`);
    return r.code === 0;
  }

  return {
    async relate(system, uatCommit, prodCommit): Promise<VersionRelation> {
      if (!uatCommit || !prodCommit) return 'unknown';
      if (!repositories.has(system)) return uatCommit === prodCommit ? 'same' : 'unknown';
      const repo = await repositories.open(system).then(
        (r) => r.path,
        (error: unknown) => {
          throw new DomainError('flow_unavailable', `cannot check versions: ${(error as Error).message}`);
        },
      );
      const [uat, prod] = await Promise.all([resolveCommit(repo, uatCommit), resolveCommit(repo, prodCommit)]);
      if (!uat || !prod) return 'unknown';
      if (uat === prod) return 'same';
      if (await isAncestor(repo, prod, uat)) return 'uat_ahead';
      if (await isAncestor(repo, uat, prod)) return 'prod_ahead';
      return 'diverged';
    },
  };
}

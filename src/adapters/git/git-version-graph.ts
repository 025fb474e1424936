/**
 * DESIGN.md decision 1 against a real repository: how UAT's commit relates to PROD's, by
 * `git merge-base --is-ancestor`.
 */
import type { VersionGraph, VersionRelation } from '../../features/environments/flow-rules.ts';
import { runGit } from './git-cli.ts';

/** `repositories` maps a system to its local repository; systems without one compare commits only. */
export function createGitVersionGraph(repositories: ReadonlyMap<string, string>): VersionGraph {
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
      const repo = repositories.get(system);
      if (!repo) return uatCommit === prodCommit ? 'same' : 'unknown';
      const [uat, prod] = await Promise.all([resolveCommit(repo, uatCommit), resolveCommit(repo, prodCommit)]);
      if (!uat || !prod) return 'unknown';
      if (uat === prod) return 'same';
      if (await isAncestor(repo, prod, uat)) return 'uat_ahead';
      if (await isAncestor(repo, uat, prod)) return 'prod_ahead';
      return 'diverged';
    },
  };
}

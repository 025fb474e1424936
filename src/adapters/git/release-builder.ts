/**
 * Builds a release from git (DESIGN.md decision 2): a base commit plus each bug's fix commits
 * cherry-picked with `-x`, in bug order, in a temporary worktree so the repository's own checkout
 * is never touched. A bug whose commits conflict is left out (its files recorded) and the others
 * go on. The result is tagged with an annotated tag.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, runGit } from './git-cli.ts';

export const TONIC_GIT_IDENTITY = ['-c', 'user.name=Tonic Deploy', '-c', 'user.email=tonic-deploy@localhost', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false'];

export type FixToApply = { bugId: number; commits: readonly string[] };

export type BuildOutcome = {
  /** The release commit: base plus every fix that applied. */
  commit: string;
  applied: { bugId: number; commits: string[] }[];
  conflicts: { bugId: number; commit: string; files: string[]; message: string }[];
};

export async function buildRelease(repo: string, input: { base: string; fixes: readonly FixToApply[] }): Promise<BuildOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'tonic-build-'));
  const worktree = join(dir, 'tree');
  try {
    await git(repo, ['worktree', 'add', '--quiet', '--detach', worktree, input.base]);
    // One git process per commit: new commit ids are read once at the end, in order.
    const made: { bugId: number; count: number }[] = [];
    const conflicts: BuildOutcome['conflicts'] = [];
    for (const fix of input.fixes) {
      let count = 0;
      let conflict: BuildOutcome['conflicts'][number] | null = null;
      for (const commit of fix.commits) {
        const pick = await runGit(worktree, [...TONIC_GIT_IDENTITY, 'cherry-pick', '-x', commit], { timeoutMs: 120_000 });
        if (pick.code === 0) {
          count += 1;
          continue;
        }
        const files = (await runGit(worktree, ['diff', '--name-only', '--diff-filter=U'])).stdout.split('\n').filter(Boolean);
        if (files.length === 0 && /empty/i.test(pick.stderr + pick.stdout)) {
          // Already in the base (merged before, or the same change): nothing to pick for this commit.
          await runGit(worktree, ['cherry-pick', '--skip']);
          continue;
        }
        await runGit(worktree, ['cherry-pick', '--abort']);
        const message = (pick.stderr || pick.stdout).trim().split('\n')[0] || 'cherry-pick failed';
        conflict = { bugId: fix.bugId, commit, files, message };
        break;
      }
      if (conflict) {
        // A bug goes in whole or not at all: undo the commits of it that did apply.
        if (count > 0) await git(worktree, ['reset', '--quiet', '--hard', `HEAD~${count}`]);
        conflicts.push(conflict);
      } else {
        made.push({ bugId: fix.bugId, count });
      }
    }
    const created = (await git(worktree, ['rev-list', '--reverse', `${input.base}..HEAD`])).split('\n').filter(Boolean);
    const applied: BuildOutcome['applied'] = [];
    let next = 0;
    for (const m of made) {
      applied.push({ bugId: m.bugId, commits: created.slice(next, next + m.count) });
      next += m.count;
    }
    return { commit: await git(worktree, ['rev-parse', 'HEAD']), applied, conflicts };
  } finally {
    await runGit(repo, ['worktree', 'remove', '--force', worktree]);
    rmSync(dir, { recursive: true, force: true });
    await runGit(repo, ['worktree', 'prune']);
  }
}

export async function createTag(repo: string, tag: string, commit: string, message: string): Promise<void> {
  await git(repo, [...TONIC_GIT_IDENTITY, 'tag', '-a', tag, '-m', message, commit]);
}

/** Files touched by a set of commits, and lines added/removed, for the analyzer. */
export async function diffStat(repo: string, commits: readonly string[]): Promise<{ file: string; added: number; removed: number }[]> {
  const stats = new Map<string, { added: number; removed: number }>();
  for (const commit of commits) {
    const out = await git(repo, ['show', '--numstat', '--format=', commit]);
    for (const line of out.split('\n').filter(Boolean)) {
      const [added, removed, file] = line.split('\t');
      if (!file) continue;
      const s = stats.get(file) ?? { added: 0, removed: 0 };
      s.added += Number(added) || 0;
      s.removed += Number(removed) || 0;
      stats.set(file, s);
    }
  }
  return [...stats].map(([file, s]) => ({ file, ...s }));
}

export async function showPatch(repo: string, commits: readonly string[], maxBytes = 200_000): Promise<string> {
  let out = '';
  for (const commit of commits) {
    out += await git(repo, ['show', '--format=commit %H%n%n    %s%n', commit]);
    out += '\n';
    if (out.length > maxBytes) return `${out.slice(0, maxBytes)}\n… (truncated)\n`;
  }
  return out;
}

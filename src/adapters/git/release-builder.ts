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

/**
 * Per commit: the files it touches with lines added and removed, and its patch. A few git
 * processes for any number of commits (T1 analyses every bug of the night at once).
 */
export async function describeCommits(
  repo: string,
  commits: readonly string[],
): Promise<Map<string, { stats: { file: string; added: number; removed: number }[]; patch: string }>> {
  const out = new Map<string, { stats: { file: string; added: number; removed: number }[]; patch: string }>();
  const unique = [...new Set(commits)];
  const MARK = '\x01';
  for (let i = 0; i < unique.length; i += 400) {
    const chunk = unique.slice(i, i + 400);
    const numstat = await git(repo, ['show', '--no-walk=unsorted', '--numstat', `--format=${MARK}%H`, ...chunk], { timeoutMs: 120_000 });
    for (const record of numstat.split(MARK).filter(Boolean)) {
      const [sha, ...lines] = record.split('\n');
      const stats = lines
        .filter(Boolean)
        .map((line) => line.split('\t'))
        .filter((parts) => parts[2])
        .map(([added, removed, file]) => ({ file: file!, added: Number(added) || 0, removed: Number(removed) || 0 }));
      out.set(sha!.trim(), { stats, patch: '' });
    }
    const patches = await git(repo, ['show', '--no-walk=unsorted', `--format=${MARK}%H%ncommit %H%n%n    %s%n`, ...chunk], { timeoutMs: 120_000 });
    for (const record of patches.split(`\n${MARK}`).map((r, n) => (n === 0 ? r.replace(MARK, '') : r))) {
      const newline = record.indexOf('\n');
      const sha = record.slice(0, newline).trim();
      const entry = out.get(sha);
      if (entry) entry.patch = `${record.slice(newline + 1).trimEnd()}\n`;
    }
  }
  return out;
}

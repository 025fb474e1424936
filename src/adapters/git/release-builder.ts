/**
 * Builds a release from git (DESIGN.md decision 2): a base commit plus each bug's fix commits
 * cherry-picked with `-x`, in bug order, in a temporary worktree so the repository's own checkout
 * is never touched. A bug whose commits conflict is left out (its files recorded) and the others
 * go on. The result is tagged with an annotated tag.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, runGit, type GitResult } from './git-cli.ts';

export const TONIC_GIT_IDENTITY = ['-c', 'user.name=Tonic Deploy', '-c', 'user.email=tonic-deploy@localhost', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false'];

export type FixToApply = { bugId: number; commits: readonly string[] };

export type BuildOutcome = {
  /** The release commit: base plus every fix that applied. */
  commit: string;
  applied: { bugId: number; commits: string[] }[];
  conflicts: { bugId: number; commit: string; files: string[]; message: string }[];
};

/** Commits per `git cherry-pick` invocation: well under any argument-list limit. */
const PICKS_PER_INVOCATION = 500;
/** A commit named by its full id (SHA-1 or SHA-256). */
const FULL_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Generous: two minutes, plus a second per commit git is asked to pick. */
const pickTimeout = (commits: number) => 120_000 + 1_000 * commits;

/**
 * Every fix commit of every bug, in order, goes to git in as few `git cherry-pick -x a b c …`
 * processes as possible (one per 500 commits when nothing stops it): spawning a process per
 * commit from a large Node process is what made a build slow. When git stops part-way:
 *   - on a commit that is already in the base (an empty pick), `git cherry-pick --skip` skips it
 *     and goes on with the rest of the same list (it does, as of git 2.23; checked with 2.39);
 *   - on a conflict, the files and the commit are recorded, the sequence is given up
 *     (`--quit`, which keeps the commits made), the commits this bug already made are reset
 *     away (a bug goes in whole or not at all), and a new invocation starts at the next bug.
 * The position of every commit is tracked (made a commit, skipped, or dropped with its bug), so
 * the new commits are matched to their bugs in order, as before.
 */
export async function buildRelease(
  repo: string,
  input: { base: string; fixes: readonly FixToApply[] },
  /** Tests make lists short to see a release built across several invocations. */
  tuning: { picksPerInvocation?: number } = {},
): Promise<BuildOutcome> {
  const perInvocation = Math.max(1, tuning.picksPerInvocation ?? PICKS_PER_INVOCATION);
  const dir = mkdtempSync(join(tmpdir(), 'tonic-build-'));
  const worktree = join(dir, 'tree');
  try {
    await git(repo, ['worktree', 'add', '--quiet', '--detach', worktree, input.base]);
    // One step per commit to pick, in bug order; bugEnd[b] is the step after bug b's last.
    const steps = input.fixes.flatMap((fix, bug) => fix.commits.map((commit) => ({ bug, commit })));
    const bugStart: number[] = [];
    const bugEnd: number[] = [];
    for (const [bug, fix] of input.fixes.entries()) {
      bugStart.push(bug === 0 ? 0 : bugEnd[bug - 1]!);
      bugEnd.push(bugStart[bug]! + fix.commits.length);
    }
    /** made[i]: step i is a commit on top of the base now. */
    const made: boolean[] = steps.map(() => false);
    let kept = 0; // commits on top of the base now: the number of `true` in made
    const conflicts = new Map<number, BuildOutcome['conflicts'][number]>();
    const pick = (from: number, to: number) =>
      runGit(worktree, [...TONIC_GIT_IDENTITY, 'cherry-pick', '-x', ...steps.slice(from, to).map((s) => s.commit)], { timeoutMs: pickTimeout(to - from) });
    // git drops a commit named twice in one list (however it is spelt), which would shift every
    // position after it: a list ends before a commit already in it, and a commit not named by its
    // full id goes to git on its own.
    const batchEnd = (from: number, limit: number) => {
      const seen = new Set<string>();
      let to = from;
      while (to < limit && FULL_ID.test(steps[to]!.commit) && !seen.has(steps[to]!.commit)) seen.add(steps[to++]!.commit);
      return Math.max(to, from + 1);
    };
    const markMade = (from: number, to: number) => {
      for (let i = from; i < to; i += 1) made[i] = true;
    };

    let next = 0; // the first step not yet given to git
    let oneByOneUntil = 0; // steps before this are given to git one at a time (see below)
    while (next < steps.length) {
      const end = batchEnd(next, Math.min(steps.length, next + (next < oneByOneUntil ? 1 : perInvocation)));
      let start = next; // the first step the current git process works on
      let result: GitResult = await pick(start, end);
      next = end;
      while (result.code !== 0) {
        // Where did it stop? Every step before that made a commit, or was skipped before `start`.
        const files = await unmergedFiles(worktree);
        const onTop = Number(await git(worktree, ['rev-list', '--count', `${input.base}..HEAD`]));
        const at = start + (onTop - kept);
        if (at < start || at >= end) throw new Error(`git cherry-pick stopped at step ${at}, outside ${start}..${end - 1} (release of ${input.base})`);
        markMade(start, at);
        kept = onTop;
        // The process worked on that one commit only: all its output is about it.
        const alone = start === end - 1;
        const stoppedOnIt = alone || files.length > 0 || (await runGit(worktree, ['rev-parse', '--quiet', '--verify', 'CHERRY_PICK_HEAD'])).code === 0;
        if (!stoppedOnIt) {
          // Failed without stopping on a commit it names (an unknown commit makes git refuse the
          // whole list before it starts): the rest of this list one commit at a time, as it
          // then says which one it is.
          await runGit(worktree, ['cherry-pick', '--quit']);
          await git(worktree, ['reset', '--quiet', '--hard', 'HEAD']);
          next = at;
          oneByOneUntil = end;
          break;
        }
        if (files.length === 0 && /empty/i.test(alone ? result.stderr + result.stdout : result.stderr)) {
          // Already in the base (merged before, or the same change): nothing to pick for this
          // commit; --skip goes on with the rest of the list (and commits, hence the identity).
          start = at + 1;
          result = await runGit(worktree, [...TONIC_GIT_IDENTITY, 'cherry-pick', '--skip'], { timeoutMs: pickTimeout(end - start) });
          continue;
        }
        // A conflict (or a commit git cannot pick): the bug is left out, whole.
        const { bug, commit } = steps[at]!;
        await runGit(worktree, ['cherry-pick', '--quit']);
        let undo = 0;
        for (let i = bugStart[bug]!; i < at; i += 1) {
          if (made[i]) undo += 1;
          made[i] = false;
        }
        await git(worktree, ['reset', '--quiet', '--hard', `HEAD~${undo}`]);
        kept -= undo;
        conflicts.set(bug, { bugId: input.fixes[bug]!.bugId, commit, files, message: failureMessage(result, alone) });
        next = bugEnd[bug]!;
        oneByOneUntil = 0; // that may have been what git refused: lists again (one more round if not)
        break;
      }
      if (result.code === 0) {
        markMade(start, end);
        kept += end - start;
      }
    }

    const created = (await git(worktree, ['rev-list', '--reverse', `${input.base}..HEAD`])).split('\n').filter(Boolean);
    if (created.length !== kept) throw new Error(`the release of ${input.base} has ${created.length} commits where ${kept} were expected`);
    const applied: BuildOutcome['applied'] = [];
    let n = 0;
    for (const [bug, fix] of input.fixes.entries()) {
      if (conflicts.has(bug)) continue;
      const count = made.slice(bugStart[bug], bugEnd[bug]).filter(Boolean).length;
      applied.push({ bugId: fix.bugId, commits: created.slice(n, n + count) });
      n += count;
    }
    return { commit: await git(worktree, ['rev-parse', 'HEAD']), applied, conflicts: [...conflicts.values()] };
  } finally {
    await runGit(repo, ['worktree', 'remove', '--force', worktree]);
    rmSync(dir, { recursive: true, force: true });
    await runGit(repo, ['worktree', 'prune']);
  }
}

const unmergedFiles = async (worktree: string) => (await runGit(worktree, ['diff', '--name-only', '--diff-filter=U'])).stdout.split('\n').filter(Boolean);

/**
 * Git's first line about the commit it stopped on. When the process picked other commits
 * before, its output begins with theirs: its first error line then.
 */
function failureMessage(result: GitResult, alone: boolean): string {
  const first = (result.stderr || result.stdout).trim().split('\n')[0] || 'cherry-pick failed';
  if (alone) return first;
  return /^(?:error|fatal): .*$/m.exec(result.stderr)?.[0].trim() ?? first;
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

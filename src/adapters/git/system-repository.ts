/**
 * A system's git repository as the pipeline uses it: a local path, or a remote cloned (bare) into
 * TONIC_HOME/repos/<system> and fetched before each run. Every ref from outside (a branch a person
 * typed, a commit id) is checked before git sees it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { git, runGit } from './git-cli.ts';

/** Branch names and commit ids people may attach: no spaces, no shell metacharacters, no "..". */
const SAFE_REF = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}(?<![./])$/;

export function isSafeRef(ref: string): boolean {
  return SAFE_REF.test(ref);
}

export type SystemRepository = {
  path: string;
  /** Fetches the remote's branches and tags (no-op for a local repository). */
  refresh(): Promise<void>;
  /** The full commit id `ref` names, or null when it names none. */
  resolveCommit(ref: string): Promise<string | null>;
  /** Commits on `branch` that `base` does not contain, oldest first, without merges. */
  branchCommits(branch: string, base: string): Promise<string[]>;
  /** Commits on `branch` whose message has a "Fixes #<id>" line, by bug id, oldest first. */
  trailerFixes(branch: string, limit?: number): Promise<Map<number, string[]>>;
  isAncestor(ancestor: string, descendant: string): Promise<boolean>;
  /** The newest vX.Y.Z tag that `commit` contains, or null. */
  latestVersionTag(commit: string): Promise<string | null>;
  tags(): Promise<string[]>;
  /** The files that differ between two commits. */
  changedFiles(from: string, to: string): Promise<string[]>;
  /** The files the given commits change (each against its parent), once each, sorted. */
  filesOf(commits: readonly string[]): Promise<string[]>;
  /** Every file at the tip of each ref that exists (branches, tags, commits), once each, sorted. */
  filesAt(refs: readonly string[]): Promise<string[]>;
  /**
   * After a deploy, for a cloned remote: moves `line` to `commit` when that is a fast-forward and
   * pushes it with the tag. A local repository is left to its owners (its tags are already there).
   * Returns why something was not done, or null.
   */
  publish(tag: string, line: string, commit: string): Promise<string | null>;
  /**
   * Creates `branch` at `commit` (an existing branch is never moved: that is an error) and, for a
   * cloned remote with push, pushes it so that people can fetch it. Returns why it was not pushed,
   * or null.
   */
  createBranch(branch: string, commit: string): Promise<string | null>;
  /** The diff from `from` to `to` (both commits), cut at `maxBytes`. */
  diff(from: string, to: string, maxBytes?: number): Promise<string>;
};

export type RepositorySource = { system: string; path: string | null; url: string | null; push: boolean };

export async function openSystemRepository(source: RepositorySource, home: string): Promise<SystemRepository> {
  let path: string;
  if (source.path) {
    if (!existsSync(source.path)) {
      throw new Error(`the repository of ${source.system} does not exist at ${source.path}: fix repository.path in the configuration`);
    }
    const inside = await runGit(source.path, ['rev-parse', '--git-dir']);
    if (inside.code !== 0) throw new Error(`${source.path} is not a git repository (repository.path of ${source.system})`);
    path = source.path;
  } else if (source.url) {
    path = join(home, 'repos', `${source.system}.git`);
    if (!existsSync(path)) {
      mkdirSync(join(home, 'repos'), { recursive: true });
      await git(home, ['clone', '--quiet', '--bare', '--', source.url, path], { timeoutMs: 600_000 });
    }
  } else {
    throw new Error(`${source.system} has no repository configured`);
  }

  const remote = source.url !== null;
  return {
    path,
    async refresh() {
      if (remote) await git(path, ['fetch', '--quiet', '--prune', '--tags', 'origin', '+refs/heads/*:refs/heads/*'], { timeoutMs: 600_000 });
    },
    async resolveCommit(ref) {
      if (!isSafeRef(ref)) return null;
      const r = await runGit(path, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
      return r.code === 0 ? r.stdout.trim() : null;
    },
    async branchCommits(branch, base) {
      if (!isSafeRef(branch)) throw new Error(`"${branch}" is not a valid branch name`);
      const out = await git(path, ['rev-list', '--reverse', '--no-merges', `${base}..refs/heads/${branch}`]);
      return out.split('\n').filter(Boolean);
    },
    async trailerFixes(branch, limit = 500) {
      if (!isSafeRef(branch)) throw new Error(`"${branch}" is not a valid branch name`);
      const out = await git(path, ['log', '--reverse', `-n${limit}`, '--format=%H%x1f%B%x1d', `refs/heads/${branch}`]);
      const found = new Map<number, string[]>();
      for (const record of out.split('\x1d')) {
        const [sha, body] = record.trim().split('\x1f');
        if (!sha || !body) continue;
        // "Fixes #12", "Fixes: #12, #14" (git trailer or the usual forge convention), on its own line.
        for (const line of body.split('\n')) {
          const m = /^\s*fixes:?\s+((?:#\d+[\s,]*)+)$/i.exec(line);
          if (!m) continue;
          for (const id of m[1]!.matchAll(/#(\d+)/g)) {
            const n = Number(id[1]);
            found.set(n, [...(found.get(n) ?? []), sha]);
          }
        }
      }
      return found;
    },
    async latestVersionTag(commit) {
      const r = await runGit(path, ['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*.[0-9]*.[0-9]*', commit]);
      return r.code === 0 ? r.stdout.trim() : null;
    },
    async tags() {
      return (await git(path, ['tag', '--list'])).split('\n').filter(Boolean);
    },
    async changedFiles(from, to) {
      return (await git(path, ['diff', '--name-only', '--no-renames', from, to])).split('\n').filter(Boolean);
    },
    async filesOf(commits) {
      const files = new Set<string>();
      for (const commit of commits) {
        if (!isSafeRef(commit)) throw new Error(`"${commit}" is not a commit id`);
        const out = await git(path, ['diff-tree', '--no-commit-id', '--name-only', '--no-renames', '-r', '--root', commit]);
        for (const file of out.split('\n')) if (file) files.add(file);
      }
      return [...files].sort();
    },
    async filesAt(refs) {
      const files = new Set<string>();
      for (const ref of refs) {
        if (!isSafeRef(ref)) continue;
        const r = await runGit(path, ['ls-tree', '-r', '--name-only', '--end-of-options', `${ref}^{tree}`]);
        if (r.code !== 0) continue;
        for (const file of r.stdout.split('\n')) if (file) files.add(file);
      }
      return [...files].sort();
    },
    async isAncestor(ancestor, descendant) {
      return (await runGit(path, ['merge-base', '--is-ancestor', ancestor, descendant])).code === 0;
    },
    async publish(tag, line, commit) {
      if (!remote || !source.push) return null;
      const current = await runGit(path, ['rev-parse', '--verify', '--quiet', `refs/heads/${line}`]);
      const fastForward = current.code !== 0 || (await runGit(path, ['merge-base', '--is-ancestor', current.stdout.trim(), commit])).code === 0;
      const refs = fastForward ? [`refs/tags/${tag}`, `${commit}:refs/heads/${line}`] : [`refs/tags/${tag}`];
      const pushed = await runGit(path, ['push', '--quiet', 'origin', ...refs], { timeoutMs: 300_000 });
      if (pushed.code !== 0) return `push to origin failed: ${pushed.stderr.trim().split('\n')[0]}`;
      if (fastForward) await git(path, ['update-ref', `refs/heads/${line}`, commit]);
      return fastForward ? null : `${line} has commits the release does not: pushed the tag only`;
    },
    async createBranch(branch, commit) {
      if (!isSafeRef(branch)) throw new Error(`"${branch}" is not a valid branch name`);
      await git(path, ['branch', '--no-track', '--', branch, commit]);
      if (!remote) return null;
      if (!source.push) return 'pushing is off (repository.push): the branch exists in Tonic\'s clone only, and the next fetch removes it';
      const pushed = await runGit(path, ['push', '--quiet', 'origin', `refs/heads/${branch}:refs/heads/${branch}`], { timeoutMs: 300_000 });
      return pushed.code === 0 ? null : `push to origin failed: ${pushed.stderr.trim().split('\n')[0]}`;
    },
    async diff(from, to, maxBytes = 200_000) {
      const out = await git(path, ['diff', '--end-of-options', from, to], { timeoutMs: 120_000 });
      return out.length > maxBytes ? `${out.slice(0, maxBytes)}\n… (truncated)\n` : `${out}\n`;
    },
  };
}

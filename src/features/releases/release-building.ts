/**
 * Making a release from git (DESIGN.md decision 2), shared by the scheduled runs and the emergency
 * hotfix: the commits a bug's fix consists of, the next patch version, and build + tag + record.
 */
import type { Db } from '../../adapters/db/schema.ts';
import { buildRelease, createTag, type BuildOutcome, type FixToApply } from '../../adapters/git/release-builder.ts';
import type { SystemRepository } from '../../adapters/git/system-repository.ts';
import type { Clock } from '../../shared/clock.ts';
import type { FixRef } from '../bugs/bug-view.ts';
import { nextPatchVersion, parseVersion, releaseNotes, type ReleaseKind, type ReleaseNoteBug } from './release-rules.ts';
import type { ReleaseStore, ReleaseView } from './release-store.ts';

/** The commits a bug's fix consists of, on top of `base`: attached commits, and each branch's commits `base` lacks. */
export async function fixCommits(repo: SystemRepository, bug: { fixRefs: readonly FixRef[] }, base: string): Promise<string[]> {
  const commits: string[] = [];
  for (const ref of bug.fixRefs) {
    if (ref.kind === 'branch') commits.push(...(await repo.branchCommits(ref.ref, base)));
    else commits.push(ref.commit);
  }
  return [...new Set(commits)];
}

/** The next patch version of what `baseCommit` is (its recorded version, else its newest tag), skipping tags taken. */
export async function nextReleaseVersion(repo: SystemRepository, baseVersion: string | null, baseCommit: string): Promise<{ version: string; baseVersion: string | null }> {
  const parsed = (baseVersion && parseVersion(baseVersion)) || null;
  const fromTag = parsed ? null : await repo.latestVersionTag(baseCommit);
  const base = parsed ?? (fromTag ? parseVersion(fromTag) : null) ?? { major: 0, minor: 0, patch: 0 };
  return { version: nextPatchVersion(base, await repo.tags()), baseVersion: baseVersion ?? fromTag };
}

export type ReleaseInput = {
  system: string;
  kind: ReleaseKind;
  targetEnv: 'uat' | 'prod';
  base: string;
  baseVersion: string | null;
  fixes: readonly FixToApply[];
  /** How each bug reads in the release notes. */
  noteOf(bugId: number): ReleaseNoteBug;
  /** The services in deploy order, for the release notes (multi-service systems). */
  serviceOrder?: readonly string[];
  runId: number | null;
};

/**
 * Builds the release (base plus each fix cherry-picked, in order), tags it with the next patch
 * version and records it. Fixes that conflict are left out and returned; `release` is null when
 * nothing applied (then nothing is tagged).
 */
export async function buildTaggedRelease(
  deps: { db: Db; releases: ReleaseStore; clock: Clock },
  repo: SystemRepository,
  input: ReleaseInput,
): Promise<{ release: ReleaseView | null; version: string; conflicts: BuildOutcome['conflicts'] }> {
  const built = await buildRelease(repo.path, { base: input.base, fixes: input.fixes });
  const { version, baseVersion } = await nextReleaseVersion(repo, input.baseVersion, input.base);
  if (built.applied.length === 0) return { release: null, version, conflicts: built.conflicts };
  const notedBugs = built.applied.map((a) => input.noteOf(a.bugId));
  const notes = releaseNotes({ system: input.system, version, kind: input.kind, baseVersion, bugs: notedBugs, serviceOrder: input.serviceOrder });
  await createTag(repo.path, version, built.commit, notes);
  const release = await deps.db.transaction().execute((trx) =>
    deps.releases.insert(trx, {
      system: input.system,
      version,
      tag: version,
      commit: built.commit,
      baseCommit: input.base,
      baseVersion,
      kind: input.kind,
      targetEnv: input.targetEnv,
      notes,
      runId: input.runId,
      bugs: built.applied.map((a) => ({ id: a.bugId, commits: a.commits })),
      services: notedBugs.flatMap((b) => b.services),
      at: deps.clock.now(),
    }),
  );
  return { release, version, conflicts: built.conflicts };
}

/**
 * Versions and release notes: pure.
 * Releases are tagged with semantic versions "vMAJOR.MINOR.PATCH"; a bug-fix release bumps the
 * patch of the version it is built on, skipping versions already tagged.
 */
export type SemVer = { major: number; minor: number; patch: number };

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export function parseVersion(value: string): SemVer | null {
  const m = SEMVER.exec(value.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : null;
}

export function formatVersion(v: SemVer): string {
  return `v${v.major}.${v.minor}.${v.patch}`;
}

export function compareVersions(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * The next patch version after `base` that no existing tag uses: v1.2.0 → v1.2.1, or v1.2.3 when
 * v1.2.1 and v1.2.2 were already tagged (say, by releases that were rolled back).
 */
export function nextPatchVersion(base: SemVer, existingTags: Iterable<string>): string {
  const taken = new Set<number>();
  for (const tag of existingTags) {
    const v = parseVersion(tag);
    if (v && v.major === base.major && v.minor === base.minor) taken.add(v.patch);
  }
  let patch = base.patch + 1;
  while (taken.has(patch)) patch += 1;
  return formatVersion({ ...base, patch });
}

/**
 * flow1, flow2, flow2b: the scheduled runs; hotfix: an emergency hotfix on PROD's commit;
 * hotfix_uat: its cherry-pick onto UAT; tag: a version tag Tonic did not build (what ran before
 * its first deploy), recorded when a rollback goes back to it.
 */
export const RELEASE_KINDS = ['flow1', 'flow2', 'flow2b', 'hotfix', 'hotfix_uat', 'tag'] as const;
export type ReleaseKind = (typeof RELEASE_KINDS)[number];

export const RELEASE_KIND_LABEL: Record<ReleaseKind, string> = {
  flow1: 'Flow 1 (UAT first)',
  flow2: 'Flow 2 (PROD first)',
  flow2b: 'Flow 2 (merge back to UAT)',
  tag: 'a tag deployed by a rollback',
  hotfix: 'Emergency hotfix (PROD)',
  hotfix_uat: 'Emergency hotfix (cherry-picked onto UAT)',
};

export type ReleaseNoteBug = { id: number; severity: string; title: string; services: readonly string[] };

/**
 * Release notes as SEED.md's "Status Tracking for Multi-Service" writes them: each fix under each
 * service it touches ("[backend] Fix: …"), the services in `serviceOrder` (the deploy order) and
 * then by name, fixes in bug order; fixes of no service last, untagged.
 */
export function releaseNotes(input: { system: string; version: string; kind: ReleaseKind; baseVersion: string | null; bugs: readonly ReleaseNoteBug[]; serviceOrder?: readonly string[] }): string {
  const lines = [`${input.system} ${input.version}: ${RELEASE_KIND_LABEL[input.kind]}${input.baseVersion ? `, on ${input.baseVersion}` : ''}`, ''];
  const order = input.serviceOrder ?? [];
  const named = [...new Set(input.bugs.flatMap((b) => b.services))];
  const services = [...order.filter((s) => named.includes(s)), ...named.filter((s) => !order.includes(s)).sort()];
  const line = (bug: ReleaseNoteBug) => `Fix #${bug.id} [${bug.severity}]: ${bug.title}`;
  for (const service of services) {
    for (const bug of input.bugs) if (bug.services.includes(service)) lines.push(`[${service}] ${line(bug)}`);
  }
  for (const bug of input.bugs) if (bug.services.length === 0) lines.push(line(bug));
  return `${lines.join('\n')}\n`;
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compareVersions, formatVersion, nextPatchVersion, parseVersion, releaseNotes, type SemVer } from './release-rules.ts';

describe('versions', () => {
  test('parseVersion reads vMAJOR.MINOR.PATCH, with or without the v, and nothing else', () => {
    assert.deepEqual(parseVersion('v1.2.3'), { major: 1, minor: 2, patch: 3 });
    assert.deepEqual(parseVersion('1.2.3'), { major: 1, minor: 2, patch: 3 });
    assert.deepEqual(parseVersion(' v10.0.12\n'), { major: 10, minor: 0, patch: 12 });
    for (const bad of ['v1.2', 'v1.2.3.4', 'v01.2.3', 'v1.2.3-rc.1', 'release-1.2.3', '', 'vx.y.z', 'v1..3']) {
      assert.equal(parseVersion(bad), null, bad);
    }
  });

  test('formatVersion and parseVersion round-trip', () => {
    fc.assert(
      fc.property(fc.record({ major: fc.nat(999), minor: fc.nat(999), patch: fc.nat(99_999) }), (v) => {
        assert.deepEqual(parseVersion(formatVersion(v)), { ...v });
      }),
    );
  });

  test('compareVersions orders numerically, not as text', () => {
    const sorted = ['v1.10.0', 'v1.2.10', 'v1.2.9', 'v0.99.99', 'v2.0.0'].map((s) => parseVersion(s)!).sort(compareVersions).map(formatVersion);
    assert.deepEqual(sorted, ['v0.99.99', 'v1.2.9', 'v1.2.10', 'v1.10.0', 'v2.0.0']);
  });
});

describe('nextPatchVersion: bump the patch of the base, skipping versions already tagged', () => {
  test('examples', () => {
    assert.equal(nextPatchVersion({ major: 1, minor: 2, patch: 0 }, []), 'v1.2.1');
    assert.equal(nextPatchVersion({ major: 1, minor: 2, patch: 0 }, ['v1.2.0', 'v1.2.1', 'v1.2.2']), 'v1.2.3', 'rolled-back releases keep their tags');
    assert.equal(nextPatchVersion({ major: 1, minor: 2, patch: 0 }, ['v1.2.2']), 'v1.2.1', 'a gap is used');
    assert.equal(nextPatchVersion({ major: 1, minor: 2, patch: 0 }, ['v1.3.1', 'v2.2.1', 'v1.2.1-rc', 'junk']), 'v1.2.1', 'other lines and non-versions do not count');
    assert.equal(nextPatchVersion({ major: 1, minor: 2, patch: 0 }, ['1.2.1']), 'v1.2.2', 'a tag without the v names the same version');
    assert.equal(nextPatchVersion({ major: 1, minor: 2, patch: 9 }, []), 'v1.2.10');
  });

  const version = fc.record({ major: fc.nat(5), minor: fc.nat(5), patch: fc.nat(30) });
  // Tags near the base (so that collisions are common), in both spellings, plus noise.
  const tags = (base: SemVer) =>
    fc.array(
      fc.oneof(
        fc.nat(40).map((patch) => formatVersion({ ...base, patch })),
        fc.nat(40).map((patch) => `${base.major}.${base.minor}.${patch}`),
        version.map(formatVersion),
        fc.string(),
      ),
      { maxLength: 40 },
    );

  test('property: strictly greater than the base, on the same major.minor, not already tagged, and the smallest such', () => {
    fc.assert(
      fc.property(
        version.chain((base) => fc.tuple(fc.constant(base), tags(base))),
        ([base, existing]) => {
          const next = nextPatchVersion(base, existing);
          const parsed = parseVersion(next);
          assert.ok(parsed, `${next} is a version`);
          assert.equal(next, formatVersion(parsed), 'written as vMAJOR.MINOR.PATCH');
          assert.ok(compareVersions(parsed, base) > 0, `${next} > ${formatVersion(base)}`);
          assert.equal(parsed.major, base.major);
          assert.equal(parsed.minor, base.minor);
          assert.ok(!existing.includes(next), `${next} is already a tag`);
          assert.ok(!existing.some((t) => { const v = parseVersion(t); return v !== null && compareVersions(v, parsed) === 0; }), `${next} is already tagged in another spelling`);
          for (let patch = base.patch + 1; patch < parsed.patch; patch++) {
            const skipped = formatVersion({ ...base, patch });
            assert.ok(existing.some((t) => parseVersion(t) && compareVersions(parseVersion(t)!, { ...base, patch }) === 0), `${skipped} was free`);
          }
        },
      ),
    );
  });
});

describe('releaseNotes', () => {
  test('a heading with the system, version, flow and base, then each fix under each of its services; fixes of no service last', () => {
    const notes = releaseNotes({
      system: 'shop',
      version: 'v1.0.1',
      kind: 'flow1',
      baseVersion: 'v1.0.0',
      bugs: [
        { id: 3, severity: 'medium', title: 'Checkout total wrong', services: ['web', 'api'] },
        { id: 5, severity: 'low', title: 'Typo on the receipt', services: [] },
        { id: 7, severity: 'low', title: 'Null pointer in task update handler', services: ['api'] },
      ],
    });
    assert.equal(
      notes,
      [
        'shop v1.0.1: Flow 1 (UAT first), on v1.0.0',
        '',
        '[api] Fix #3 [medium]: Checkout total wrong',
        '[api] Fix #7 [low]: Null pointer in task update handler',
        '[web] Fix #3 [medium]: Checkout total wrong',
        'Fix #5 [low]: Typo on the receipt',
        '',
      ].join('\n'),
    );
  });

  test("services in the deploy order given (SEED.md's example: [backend] before [frontend]), the rest by name", () => {
    const notes = releaseNotes({
      system: 'tasks',
      version: 'v2.3.1',
      kind: 'flow2',
      baseVersion: null,
      serviceOrder: ['backend', 'frontend'],
      bugs: [
        { id: 1, severity: 'medium', title: 'error boundary not catching API timeout', services: ['frontend'] },
        { id: 2, severity: 'medium', title: 'null pointer in task update handler', services: ['backend'] },
        { id: 3, severity: 'low', title: 'docs typo', services: ['docs'] },
      ],
    });
    assert.deepEqual(notes.split('\n').slice(2, 5), [
      '[backend] Fix #2 [medium]: null pointer in task update handler',
      '[frontend] Fix #1 [medium]: error boundary not catching API timeout',
      '[docs] Fix #3 [low]: docs typo',
    ]);
  });

  test('each kind is labelled; no base version, no "on"', () => {
    assert.match(releaseNotes({ system: 's', version: 'v0.0.1', kind: 'flow2', baseVersion: null, bugs: [] }), /^s v0\.0\.1: Flow 2 \(PROD first\)\n/);
    assert.match(releaseNotes({ system: 's', version: 'v1.1.1', kind: 'flow2b', baseVersion: 'v1.1.0', bugs: [] }), /^s v1\.1\.1: Flow 2 \(merge back to UAT\), on v1\.1\.0\n/);
  });
});

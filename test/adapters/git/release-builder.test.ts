/**
 * Building releases from git (DESIGN.md decision 2) in real repositories in temporary folders:
 * fixes cherry-picked with -x in bug order, a bug in whole or not at all, commits already in the
 * base skipped, the repository's own checkout never touched; tags; and publishing to a remote.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { git } from '../../../src/adapters/git/git-cli.ts';
import { buildRelease, createTag } from '../../../src/adapters/git/release-builder.ts';
import { isSafeRef, openSystemRepository } from '../../../src/adapters/git/system-repository.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';

const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
const withLine = (text: string, n: number, value: string) => {
  const lines = text.split('\n');
  lines[n - 1] = value;
  return lines.join('\n');
};

// Builds make their temporary worktree under os.tmpdir(): point it at a folder of our own so we
// can see that nothing is left behind.
const realTmp = tmpdir();
const buildTmp = mkdtempSync(join(realTmp, 'tonic-builder-test-'));
const savedTmpdir = process.env.TMPDIR;
const leftovers = () => readdirSync(buildTmp).filter((name) => name.startsWith('tonic-build-'));
before(() => {
  process.env.TMPDIR = buildTmp;
});
after(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(buildTmp, { recursive: true, force: true });
});

const repos: TestRepo[] = [];
const folders: string[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.remove();
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

async function newRepo(): Promise<TestRepo & { base: string }> {
  const repo = await createTestRepo();
  repos.push(repo);
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  return Object.assign(repo, { base });
}

/** Commits on a new branch from `from`, each changing app.txt as given; back on main after. */
async function branch(repo: TestRepo, name: string, from: string, edits: { message: string; line: number; text: string }[]): Promise<string[]> {
  await repo.git('checkout', '-q', '-b', name, from);
  const shas: string[] = [];
  for (const e of edits) {
    const current = readFileSync(join(repo.path, 'app.txt'), 'utf8');
    shas.push(await repo.commit(e.message, { 'app.txt': withLine(current, e.line, e.text) }));
  }
  await repo.git('checkout', '-q', 'main');
  return shas;
}

/** Everything a person sees of their own checkout. */
async function checkoutState(repo: TestRepo) {
  return {
    head: await repo.git('rev-parse', 'HEAD'),
    branch: await repo.git('symbolic-ref', '--short', 'HEAD'),
    status: await repo.git('status', '--porcelain'),
    diff: await repo.git('diff'),
    worktrees: await repo.git('worktree', 'list', '--porcelain'),
    refs: await repo.git('for-each-ref', '--format=%(refname) %(objectname)'),
    stashes: await repo.git('stash', 'list'),
  };
}

const messageOf = (repo: TestRepo, commit: string) => repo.git('show', '-s', '--format=%B', commit);
const cherryPickedFrom = async (repo: TestRepo, commit: string) => /\(cherry picked from commit ([0-9a-f]{40})\)/.exec(await messageOf(repo, commit))?.[1];
const releaseLog = async (repo: TestRepo, base: string, commit: string) => (await repo.git('rev-list', '--reverse', `${base}..${commit}`)).split('\n').filter(Boolean);

describe('buildRelease', () => {
  test('fixes are cherry-picked with -x in bug order on the base; each new commit names its original', async () => {
    const repo = await newRepo();
    const [a] = await branch(repo, 'fix/a', repo.base, [{ message: 'fix a', line: 2, text: 'line 2 fixed' }]);
    const [d1, d2] = await branch(repo, 'fix/d', repo.base, [
      { message: 'fix d part 1', line: 4, text: 'line 4 fixed' },
      { message: 'fix d part 2', line: 6, text: 'line 6 fixed' },
    ]);
    // Bug 9's fix was written on top of bug 3's: it applies only after it.
    const [c] = await branch(repo, 'fix/c', a!, [{ message: 'fix c, on top of a', line: 2, text: 'line 2 fixed twice' }]);

    const built = await buildRelease(repo.path, { base: repo.base, fixes: [{ bugId: 3, commits: [a!] }, { bugId: 5, commits: [d1!, d2!] }, { bugId: 9, commits: [c!] }] });

    assert.deepEqual(built.conflicts, []);
    assert.deepEqual(built.applied.map((x) => [x.bugId, x.commits.length]), [[3, 1], [5, 2], [9, 1]]);
    const log = await releaseLog(repo, repo.base, built.commit);
    assert.deepEqual(log, built.applied.flatMap((x) => x.commits), 'the applied commits are the release, in order');
    assert.deepEqual(await Promise.all(log.map((sha) => cherryPickedFrom(repo, sha))), [a, d1, d2, c]);
    assert.equal(await repo.git('rev-parse', `${log[0]}^`), repo.base, 'built on the base');
    assert.equal(await repo.git('show', `${built.commit}:app.txt`), withLine(withLine(withLine(APP, 2, 'line 2 fixed twice'), 4, 'line 4 fixed'), 6, 'line 6 fixed').trimEnd());
  });

  test('a multi-commit fix whose 2nd commit conflicts leaves none of its commits; the bugs before and after go in', async () => {
    const repo = await newRepo();
    const [a] = await branch(repo, 'fix/a', repo.base, [{ message: 'fix a', line: 2, text: 'line 2 fixed' }]);
    // Bug 2's branch changed line 1 first (not part of its fix): its 2nd fix commit needs that line.
    const [, b1, b2] = await branch(repo, 'fix/b', repo.base, [
      { message: 'unrelated rename on the branch', line: 1, text: 'line one' },
      { message: 'fix b part 1', line: 5, text: 'line 5 fixed' },
      { message: 'fix b part 2', line: 1, text: 'line ONE' },
    ]);
    const [c] = await branch(repo, 'fix/c', repo.base, [{ message: 'fix c', line: 9, text: 'line 9 fixed' }]);
    const before = await checkoutState(repo);

    const built = await buildRelease(repo.path, { base: repo.base, fixes: [{ bugId: 1, commits: [a!] }, { bugId: 2, commits: [b1!, b2!] }, { bugId: 3, commits: [c!] }] });

    assert.deepEqual(built.applied.map((x) => x.bugId), [1, 3]);
    assert.equal(built.conflicts.length, 1);
    assert.equal(built.conflicts[0]!.bugId, 2);
    assert.equal(built.conflicts[0]!.commit, b2, 'names the commit that conflicted');
    assert.deepEqual(built.conflicts[0]!.files, ['app.txt']);
    assert.ok(built.conflicts[0]!.message.length > 0);
    const log = await releaseLog(repo, repo.base, built.commit);
    assert.deepEqual(await Promise.all(log.map((sha) => cherryPickedFrom(repo, sha))), [a, c], 'no commit of bug 2, not even the one that applied');
    const app = await repo.git('show', `${built.commit}:app.txt`);
    assert.match(app, /line 2 fixed/);
    assert.match(app, /line 9 fixed/);
    assert.doesNotMatch(app, /line 5 fixed/);
    assert.doesNotMatch(app, /line (one|ONE)/);
    assert.deepEqual(await checkoutState(repo), before, 'the checkout is as it was after a conflict too');
    assert.equal(existsSync(join(repo.path, '.git', 'CHERRY_PICK_HEAD')), false);
    assert.deepEqual(leftovers(), [], 'no temporary worktree left');
  });

  test('a commit already in the base is skipped and the bug still counts as applied', async () => {
    const repo = await newRepo();
    // Bug 4's fix was merged into main before (so it is in the base); bug 6 has it plus a commit on top.
    const [merged] = await branch(repo, 'fix/merged', repo.base, [{ message: 'fix merged', line: 3, text: 'line 3 fixed' }]);
    const [onTop] = await branch(repo, 'fix/on-top', merged!, [{ message: 'fix on top', line: 6, text: 'line 6 fixed' }]);
    // Bug 8's fix was cherry-picked onto main by hand: a different commit with the same change.
    const [same] = await branch(repo, 'fix/same', repo.base, [{ message: 'fix same', line: 9, text: 'line 9 fixed' }]);
    await repo.git('merge', '-q', '--ff-only', merged!);
    await repo.git('-c', 'user.name=T', '-c', 'user.email=t@t.invalid', 'cherry-pick', same!);
    const base = await repo.git('rev-parse', 'HEAD');

    const built = await buildRelease(repo.path, { base, fixes: [{ bugId: 4, commits: [merged!] }, { bugId: 6, commits: [merged!, onTop!] }, { bugId: 8, commits: [same!] }] });

    assert.deepEqual(built.conflicts, []);
    assert.deepEqual(built.applied.map((x) => [x.bugId, x.commits.length]), [[4, 0], [6, 1], [8, 0]]);
    assert.equal(await cherryPickedFrom(repo, built.applied[1]!.commits[0]!), onTop);
    assert.match(await repo.git('show', `${built.commit}:app.txt`), /line 6 fixed/);
    assert.equal(await repo.git('rev-parse', `${built.commit}^`), base);
  });

  describe('many commits in few git processes', () => {
    /** A commit on top of `from` (detached, so no branch is made), writing the files given. */
    async function commitOn(repo: TestRepo, from: string, message: string, files: Record<string, string>): Promise<string> {
      await repo.git('checkout', '-q', '--detach', from);
      const sha = await repo.commit(message, files);
      await repo.git('checkout', '-q', 'main');
      return sha;
    }
    const originsOf = async (repo: TestRepo, base: string, commit: string) => Promise.all((await releaseLog(repo, base, commit)).map((sha) => cherryPickedFrom(repo, sha)));

    test('a conflict in the middle of a long sequence: the bugs before and after it go in, in order', async () => {
      const repo = await newRepo();
      // Bug 13's fix was written on 1.0.0; main has changed the same line since.
      const late = await commitOn(repo, repo.base, 'fix 13', { 'app.txt': withLine(APP, 5, 'line 5 theirs') });
      const base = await repo.commit('main moves on', { 'app.txt': withLine(APP, 5, 'line 5 ours') });
      const fixes: { bugId: number; commits: string[] }[] = [];
      for (let id = 1; id <= 25; id += 1) {
        fixes.push({ bugId: id, commits: [id === 13 ? late : await commitOn(repo, base, `fix ${id}`, { [`bugs/${id}.txt`]: `fixed ${id}\n` })] });
      }
      const before = await checkoutState(repo);

      for (const picksPerInvocation of [undefined, 4]) {
        const built = await buildRelease(repo.path, { base, fixes }, { picksPerInvocation });
        const expected = fixes.filter((f) => f.bugId !== 13);
        assert.deepEqual(built.applied.map((x) => x.bugId), expected.map((f) => f.bugId), `${picksPerInvocation}`);
        assert.ok(built.applied.every((x) => x.commits.length === 1));
        assert.deepEqual(built.conflicts.map(({ bugId, commit, files }) => ({ bugId, commit, files })), [{ bugId: 13, commit: late, files: ['app.txt'] }]);
        assert.match(built.conflicts[0]!.message, /^error: could not apply [0-9a-f]+\.\.\. fix 13$/);
        assert.deepEqual(await releaseLog(repo, base, built.commit), built.applied.flatMap((x) => x.commits));
        assert.deepEqual(await originsOf(repo, base, built.commit), expected.map((f) => f.commits[0]), 'each new commit belongs to its bug, in bug order');
        assert.equal(await repo.git('show', `${built.commit}:app.txt`), withLine(APP, 5, 'line 5 ours').trimEnd());
        assert.equal(await repo.git('show', `${built.commit}:bugs/25.txt`), 'fixed 25');
      }
      assert.deepEqual(await checkoutState(repo), before);
      assert.deepEqual(leftovers(), []);
    });

    test('two bugs in a row already in the base count as applied with no commits; git goes on past them with the same identity', async () => {
      const repo = await newRepo();
      const [a] = await branch(repo, 'fix/a', repo.base, [{ message: 'fix a', line: 2, text: 'line 2 fixed' }]);
      const [m1] = await branch(repo, 'fix/m1', repo.base, [{ message: 'fix m1', line: 4, text: 'line 4 fixed' }]);
      const [m2] = await branch(repo, 'fix/m2', m1!, [{ message: 'fix m2', line: 6, text: 'line 6 fixed' }]);
      const [c] = await branch(repo, 'fix/c', repo.base, [{ message: 'fix c', line: 9, text: 'line 9 fixed' }]);
      await repo.git('merge', '-q', '--ff-only', m2!);
      const base = await repo.git('rev-parse', 'HEAD');
      const fixes = [
        { bugId: 1, commits: [a!] },
        { bugId: 2, commits: [m1!] },
        { bugId: 3, commits: [m2!] },
        { bugId: 4, commits: [c!] },
        { bugId: 5, commits: [m1!, m2!] },
      ];

      const built = await buildRelease(repo.path, { base, fixes });

      assert.deepEqual(built.conflicts, []);
      assert.deepEqual(built.applied.map((x) => [x.bugId, x.commits.length]), [[1, 1], [2, 0], [3, 0], [4, 1], [5, 0]]);
      assert.deepEqual(await originsOf(repo, base, built.commit), [a, c]);
      const picked = built.applied[3]!.commits[0]!;
      assert.equal(await repo.git('show', '-s', '--format=%cn <%ce>', picked), 'Tonic Deploy <tonic-deploy@localhost>', 'the commit made after the skips has the Tonic identity');
      assert.equal(await repo.git('show', `${built.commit}:app.txt`), withLine(withLine(withLine(withLine(APP, 2, 'line 2 fixed'), 4, 'line 4 fixed'), 6, 'line 6 fixed'), 9, 'line 9 fixed').trimEnd());
    });

    test('a multi-commit bug whose 1st commit applies and 2nd conflicts, across two git invocations: none of it is kept', async () => {
      const repo = await newRepo();
      const [a] = await branch(repo, 'fix/a', repo.base, [{ message: 'fix a', line: 2, text: 'line 2 fixed' }]);
      const [, b1, b2] = await branch(repo, 'fix/b', repo.base, [
        { message: 'unrelated rename on the branch', line: 1, text: 'line one' },
        { message: 'fix b part 1', line: 5, text: 'line 5 fixed' },
        { message: 'fix b part 2', line: 1, text: 'line ONE' },
      ]);
      const [c] = await branch(repo, 'fix/c', repo.base, [{ message: 'fix c', line: 9, text: 'line 9 fixed' }]);
      // Bug 4 has bug 2's first commit too: it went away with bug 2, so it is picked again here.
      const fixes = [
        { bugId: 1, commits: [a!] },
        { bugId: 2, commits: [b1!, b2!] },
        { bugId: 3, commits: [c!] },
        { bugId: 4, commits: [b1!] },
      ];

      for (const picksPerInvocation of [undefined, 2, 1]) {
        // With 2 a list, bug 2's 1st commit is the last of the first list and its 2nd the first of the next.
        const built = await buildRelease(repo.path, { base: repo.base, fixes }, { picksPerInvocation });
        assert.deepEqual(built.applied.map((x) => [x.bugId, x.commits.length]), [[1, 1], [3, 1], [4, 1]], `${picksPerInvocation}`);
        assert.deepEqual(built.conflicts.map(({ bugId, commit, files }) => ({ bugId, commit, files })), [{ bugId: 2, commit: b2, files: ['app.txt'] }]);
        assert.match(built.conflicts[0]!.message, /^error: could not apply [0-9a-f]+\.\.\. fix b part 2$/);
        assert.deepEqual(await originsOf(repo, repo.base, built.commit), [a, c, b1]);
        assert.doesNotMatch(await repo.git('show', `${built.commit}:app.txt`), /line (one|ONE)/);
      }
      assert.deepEqual(leftovers(), []);
    });

    test('a commit git refuses (unknown, or a merge) leaves its bug out with git\'s message, as one pick at a time did', async () => {
      const repo = await newRepo();
      const [a] = await branch(repo, 'fix/a', repo.base, [{ message: 'fix a', line: 2, text: 'line 2 fixed' }]);
      const [x] = await branch(repo, 'fix/x', repo.base, [{ message: 'fix x', line: 4, text: 'line 4 fixed' }]);
      const [y] = await branch(repo, 'fix/y', repo.base, [{ message: 'fix y', line: 6, text: 'line 6 fixed' }]);
      await repo.git('checkout', '-q', 'fix/x');
      await repo.git('-c', 'user.name=T', '-c', 'user.email=t@t.invalid', 'merge', '-q', '--no-ff', '-m', 'merge y', y!);
      const merge = await repo.git('rev-parse', 'HEAD');
      await repo.git('checkout', '-q', 'main');
      const [c] = await branch(repo, 'fix/c', repo.base, [{ message: 'fix c', line: 9, text: 'line 9 fixed' }]);
      const unknown = 'e'.repeat(40);
      const fixes = [
        { bugId: 1, commits: [a!] },
        { bugId: 2, commits: [x!, unknown] },
        { bugId: 3, commits: [y!] },
        { bugId: 4, commits: [merge] },
        { bugId: 5, commits: [c!] },
      ];

      const built = await buildRelease(repo.path, { base: repo.base, fixes });

      assert.deepEqual(built.applied.map((b) => [b.bugId, b.commits.length]), [[1, 1], [3, 1], [5, 1]]);
      assert.deepEqual(await originsOf(repo, repo.base, built.commit), [a, y, c]);
      assert.deepEqual(built.conflicts, [
        { bugId: 2, commit: unknown, files: [], message: `fatal: bad object ${unknown}` },
        { bugId: 4, commit: merge, files: [], message: `error: commit ${merge} is a merge but no -m option was given.` },
      ]);
      assert.deepEqual(leftovers(), []);
    });
  });

  test('nothing to apply: the release is the base; the checkout, even a dirty one, is untouched and no worktree is left', async () => {
    const repo = await newRepo();
    const [a] = await branch(repo, 'fix/a', repo.base, [{ message: 'fix a', line: 2, text: 'line 2 fixed' }]);
    writeFileSync(join(repo.path, 'app.txt'), withLine(APP, 10, 'work in progress'));
    writeFileSync(join(repo.path, 'notes.txt'), 'untracked\n');
    const before = await checkoutState(repo);
    assert.notEqual(before.status, '', 'the test starts from a dirty checkout');

    const empty = await buildRelease(repo.path, { base: repo.base, fixes: [] });
    assert.equal(empty.commit, repo.base);
    const built = await buildRelease(repo.path, { base: repo.base, fixes: [{ bugId: 1, commits: [a!] }] });
    assert.notEqual(built.commit, repo.base);

    assert.deepEqual(await checkoutState(repo), before);
    assert.equal(readFileSync(join(repo.path, 'app.txt'), 'utf8'), withLine(APP, 10, 'work in progress'));
    assert.equal((await repo.git('worktree', 'list')).split('\n').length, 1);
    assert.deepEqual(leftovers(), []);
  });

  test('a base that does not exist is an error, and nothing is left behind', async () => {
    const repo = await newRepo();
    const before = await checkoutState(repo);
    await assert.rejects(buildRelease(repo.path, { base: 'f'.repeat(40), fixes: [] }), /f{40}/);
    assert.deepEqual(await checkoutState(repo), before);
    const left = leftovers();
    for (const name of left) rmSync(join(buildTmp, name), { recursive: true, force: true });
    assert.deepEqual(left, [], 'no temporary folder left');
  });

  test('createTag makes an annotated tag on the release commit with the notes, without moving anything else', async () => {
    const repo = await newRepo();
    const [a] = await branch(repo, 'fix/a', repo.base, [{ message: 'fix a', line: 2, text: 'line 2 fixed' }]);
    const built = await buildRelease(repo.path, { base: repo.base, fixes: [{ bugId: 1, commits: [a!] }] });
    const head = await repo.git('rev-parse', 'HEAD');
    await createTag(repo.path, 'v1.0.1', built.commit, 'shop v1.0.1: Flow 1 (UAT first), on v1.0.0\n\nFix #1 [medium]: a\n');
    assert.equal(await repo.git('cat-file', '-t', 'v1.0.1'), 'tag');
    assert.equal(await repo.git('rev-parse', 'v1.0.1^{commit}'), built.commit);
    assert.match(await repo.git('tag', '-l', '--format=%(contents)', 'v1.0.1'), /Fix #1 \[medium\]: a/);
    assert.match(await repo.git('tag', '-l', '--format=%(taggername)', 'v1.0.1'), /Tonic Deploy/);
    assert.equal(await repo.git('rev-parse', 'HEAD'), head);
    await assert.rejects(createTag(repo.path, 'v1.0.1', repo.base, 'again'), /already exists/, 'a tag is never moved');
    assert.equal(await repo.git('rev-parse', 'v1.0.1^{commit}'), built.commit);
  });
});

describe('the system repository', () => {
  test('isSafeRef accepts branch names and commit ids, and refuses options, ranges, spaces and shell syntax', () => {
    for (const ok of ['main', 'fix/checkout-total', 'release/1.2', 'a1b2c3d', 'c'.repeat(40), 'user_name/JIRA-12.fix']) assert.equal(isSafeRef(ok), true, ok);
    for (const bad of ['', '-x', '--upload-pack=touch /tmp/x', 'a..b', 'main~1', 'HEAD@{1}', 'a b', '$(id)', 'a;b', '`id`', 'a//b', 'end/', 'end.', 'x'.repeat(201), 'a\nb']) {
      assert.equal(isSafeRef(bad), false, JSON.stringify(bad));
    }
  });

  test('trailerFixes finds "Fixes #id" lines on the branch, oldest first, and nothing else', async () => {
    const repo = await newRepo();
    await repo.git('checkout', '-q', '-b', 'develop');
    const one = await repo.commit('fix totals\n\nFixes #12', { 'a.txt': '1' });
    const two = await repo.commit('fix two things\n\nfixes: #3, #12', { 'b.txt': '2' });
    await repo.commit('mentions it\n\nThis Fixes #99 in passing\nRefixes #98', { 'c.txt': '3' });
    const opened = await openSystemRepository({ system: 'shop', path: repo.path, url: null, push: false }, tmpdir());
    const found = await opened.trailerFixes('develop');
    assert.deepEqual([...found].sort((x, y) => x[0] - y[0]), [
      [3, [two]],
      [12, [one, two]],
    ]);
    await assert.rejects(opened.trailerFixes('--all'), /not a valid branch name/);
  });

  test('a missing repository path is refused with a message naming it', async () => {
    await assert.rejects(openSystemRepository({ system: 'shop', path: '/nonexistent/tonic/shop', url: null, push: false }, tmpdir()), /does not exist at \/nonexistent\/tonic\/shop/);
  });

  describe('publish, for a cloned remote', () => {
    async function remoteSetup(push = true) {
      const work = await newRepo();
      const origin = mkdtempSync(join(realTmp, 'tonic-origin-'));
      const home = mkdtempSync(join(realTmp, 'tonic-home-'));
      folders.push(origin, home);
      await git(realTmp, ['clone', '--quiet', '--bare', work.path, join(origin, 'shop.git')]);
      const url = join(origin, 'shop.git');
      const repo = await openSystemRepository({ system: 'shop', path: null, url, push }, home);
      const [fix] = await branch(work, 'fix/a', work.base, [{ message: 'fix a', line: 2, text: 'line 2 fixed' }]);
      await work.git('push', '-q', url, 'fix/a');
      await repo.refresh();
      const built = await buildRelease(repo.path, { base: work.base, fixes: [{ bugId: 1, commits: [fix!] }] });
      await createTag(repo.path, 'v1.0.1', built.commit, 'notes');
      return { work, url, repo, built };
    }

    test('a fast-forward: the line moves to the release and the tag is pushed', async () => {
      const { url, repo, built } = await remoteSetup();
      assert.equal(await repo.publish('v1.0.1', 'main', built.commit), null);
      assert.equal(await git(url, ['rev-parse', 'refs/heads/main']), built.commit);
      assert.equal(await git(url, ['rev-parse', 'v1.0.1^{commit}']), built.commit);
    });

    test('the line moved on the remote meanwhile: only the tag is pushed, and the answer says why', async () => {
      const { work, url, repo, built } = await remoteSetup();
      await work.git('checkout', '-q', 'main');
      const moved = await work.commit('someone else on main', { 'other.txt': 'x\n' });
      await work.git('push', '-q', url, 'main');
      await repo.refresh();
      assert.match((await repo.publish('v1.0.1', 'main', built.commit)) ?? '', /main has commits the release does not: pushed the tag only/);
      assert.equal(await git(url, ['rev-parse', 'refs/heads/main']), moved);
      assert.equal(await git(url, ['rev-parse', 'v1.0.1^{commit}']), built.commit);
    });

    test('push disabled: nothing is pushed', async () => {
      const { work, url, repo, built } = await remoteSetup(false);
      assert.equal(await repo.publish('v1.0.1', 'main', built.commit), null);
      assert.equal(await git(url, ['rev-parse', 'refs/heads/main']), work.base);
      assert.equal((await git(url, ['tag', '--list', 'v1.0.1'])).trim(), '');
    });
  });
});

/**
 * A system whose repository is a remote: cloned into TONIC_HOME/repos, fetched before use, and
 * release tags and lines pushed back after each deploy.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { git } from '../../../src/adapters/git/git-cli.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments } from '../../support/environments.ts';
import { createTestRepo } from '../../support/git-repo.ts';
import { createTestTonic, testSystem } from '../../support/test-tonic.ts';

const dialect = DIALECTS[0]!;

describe('a remote repository', () => {
  test('is cloned, fetched for new fix branches, and receives the release tag and the advanced lines', async () => {
    const work = await createTestRepo();
    const home = mkdtempSync(join(tmpdir(), 'tonic-home-'));
    const remote = join(home, 'origin.git');
    const envs = await startTestEnvironments();
    const base = await work.commit('app', { 'app.txt': 'a\n' });
    await work.git('branch', 'develop');
    await git(home, ['clone', '--quiet', '--bare', work.path, remote]);
    const t = await createTestTonic({
      dialect,
      home,
      now: '2026-11-26T04:00:00Z',
      systems: [testSystem({ repositoryPath: null, repositoryUrl: remote, push: true, environments: envs.config })],
    });
    try {
      for (const env of ['uat', 'prod'] as const) await t.tonic.environments.record(t.actors.admin, 'shop', env, { version: 'v1.0.0', commit: base });
      // A fix pushed to the remote after Tonic cloned it: found by the fetch before attaching.
      await t.tonic.scheduler.tick();
      await work.git('checkout', '-q', '-b', 'fix/a');
      await work.commit('fix a', { 'app.txt': 'A\n' });
      await work.git('push', '-q', remote, 'fix/a');
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', { title: 'a is lower-case', description: '', severity: 'low', foundInEnv: 'uat' });
      await t.tonic.bugs.attachFix(t.actors.developer, 'shop', bug.id, { branch: 'fix/a' });
      await t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' });

      t.clock.set('2026-11-26T12:00:00Z');
      const [t1] = await t.tonic.scheduler.tick();
      assert.equal(t1?.status, 'succeeded', JSON.stringify(t1?.report));
      const tagged = await git(remote, ['rev-parse', 'refs/tags/v1.0.1^{commit}']);
      assert.equal(await git(remote, ['rev-parse', 'refs/heads/develop']), tagged, 'UAT line advanced to the release');
      assert.equal(await git(remote, ['rev-parse', 'refs/heads/main']), base, 'PROD line untouched until T2');

      t.clock.set('2026-11-26T13:00:00Z');
      await t.tonic.bugs.approveProd(t.actors.manager, 'shop', bug.id);
      t.clock.set('2026-11-26T14:00:00Z');
      await t.tonic.scheduler.tick();
      assert.equal(await git(remote, ['rev-parse', 'refs/heads/main']), tagged, 'PROD line advanced at T2');
      assert.equal(await work.git('status', '--porcelain'), '');
    } finally {
      await t.close();
      await envs.close();
      work.remove();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../support/environments.ts';
import { createTestRepo, type TestRepo } from '../support/git-repo.ts';
import { createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';

for (const dialect of DIALECTS) {
  describe(`runs, releases and deployments over HTTP on ${dialect}`, () => {
    let t: TestTonic;
    let api: TestServer;
    let repo: TestRepo;
    let envs: TestEnvironments;
    let fix: string;
    const base = '/api/v1/systems/shop';

    before(async () => {
      repo = await createTestRepo();
      const main = await repo.commit('app', { 'app.txt': 'a\nb\nc\n' });
      await repo.git('checkout', '-q', '-b', 'fix/api', main);
      fix = await repo.commit('fix b', { 'app.txt': 'a\nB\nc\n' });
      await repo.git('checkout', '-q', 'main');
      envs = await startTestEnvironments();
      t = await createTestTonic({ dialect, systems: [testSystem({ repositoryPath: repo.path, environments: envs.config })] });
      await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', { version: 'v1.0.0', commit: main });
      await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: main });
      api = await startTestServer(t);
    });
    after(async () => {
      await api.close();
      await t.close();
      await envs.close();
      repo.remove();
    });

    test('attach a fix: bad refs are refused clearly and change nothing; a real commit or branch is recorded', async () => {
      const bug = (await api.request('developer', 'POST', `${base}/bugs`, { title: 'b is lower-case', description: '', severity: 'low', foundInEnv: 'uat' })).body;
      const bad = await api.request('developer', 'POST', `${base}/bugs/${bug.id}/fix`, { branch: 'fix; rm -rf /' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.detail, /not a valid branch name/);
      const missing = await api.request('developer', 'POST', `${base}/bugs/${bug.id}/fix`, { commit: 'deadbeefdeadbeef' });
      assert.equal(missing.status, 422);
      assert.equal(missing.body.code, 'unknown_commit');
      assert.equal((await api.request('developer', 'POST', `${base}/bugs/${bug.id}/fix`, { commit: fix, branch: 'fix/api' })).status, 400);
      assert.equal((await api.request('viewer', 'GET', `${base}/bugs/${bug.id}`)).body.version, 1, 'refusals wrote nothing');
      const attached = await api.request('developer', 'POST', `${base}/bugs/${bug.id}/fix`, { branch: 'fix/api' });
      assert.equal(attached.status, 200, JSON.stringify(attached.body));
      assert.deepEqual(attached.body.fixRefs.map((f: any) => [f.kind, f.ref, f.commit]), [['branch', 'fix/api', fix]]);
      assert.equal(attached.body.fixAttachedBy, 'developer');
    });

    test('plan, run T1 now, then read the run, the release and the deployment log', async () => {
      const bug = (await api.request('viewer', 'GET', `${base}/bugs?limit=1`)).body.items[0];
      await api.request('manager', 'POST', `${base}/bugs/${bug.id}/confirm`, {});
      const plan = await api.request('viewer', 'GET', `${base}/plan`);
      assert.equal(plan.status, 200, JSON.stringify(plan.body));
      assert.deepEqual(plan.body.t1.bugs.map((b: any) => [b.id, b.action]), [[bug.id, 'build and deploy to UAT (Flow 1)']]);
      assert.match(plan.body.t2.atLocal, /22:00/);
      const dry = await api.request('admin', 'POST', `${base}/runs/t1`, { dryRun: true });
      assert.deepEqual(dry.body.t1.bugs, plan.body.t1.bugs);
      assert.equal(envs.deploys().length, 0, 'a dry run deploys nothing');

      assert.equal((await api.request('manager', 'POST', `${base}/runs/t1`, {})).status, 403);
      const run = await api.request('admin', 'POST', `${base}/runs/t1`, {});
      assert.equal(run.status, 200, JSON.stringify(run.body));
      assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body.report));
      assert.equal(run.body.trigger, 'manual');
      assert.equal((await api.request('viewer', 'GET', `${base}/bugs/${bug.id}`)).body.status, 'deployed_uat');

      const runs = await api.request('viewer', 'GET', `${base}/runs?slot=t1`);
      assert.equal(runs.body.items[0].id, run.body.id);
      const releases = await api.request('viewer', 'GET', `${base}/releases`);
      const release = releases.body.items[0];
      assert.equal(release.version, 'v1.0.1');
      assert.match(release.notes, new RegExp(`Fix #${bug.id} \\[low\\]: b is lower-case`));
      assert.equal((await api.request('viewer', 'GET', `${base}/releases/${release.id}`)).body.bugs[0].id, bug.id);
      const deployments = await api.request('viewer', 'GET', `${base}/deployments?runId=${run.body.id}`);
      const deployment = await api.request('viewer', 'GET', `${base}/deployments/${deployments.body.items[0].id}`);
      assert.equal(deployment.body.status, 'succeeded');
      assert.ok(deployment.body.log.some((l: any) => l.line === 'deploying v1.0.1 to uat'));
      const environments = await api.request('viewer', 'GET', `${base}/environments`);
      assert.equal(environments.body.environments[0].releaseId, release.id);
      assert.equal((await api.request('viewer', 'GET', `${base}/runs/99999`)).status, 404);
    });

    test('drop-from-release is an admin action on an unapproved Flow 1 bug', async () => {
      const bug = (await api.request('viewer', 'GET', `${base}/bugs?status=deployed_uat`)).body.items[0];
      assert.equal((await api.request('manager', 'POST', `${base}/bugs/${bug.id}/drop-from-release`, {})).status, 403);
      const dropped = await api.request('admin', 'POST', `${base}/bugs/${bug.id}/drop-from-release`, { reason: 'not ready' });
      assert.equal(dropped.status, 200);
      assert.equal(dropped.body.status, 'confirmed');
      assert.equal(dropped.body.releaseId, null);
      const again = await api.request('admin', 'POST', `${base}/bugs/${bug.id}/drop-from-release`, {});
      assert.equal(again.status, 409);
    });
  });
}

/**
 * Simulated nights through the scheduler: real git repositories, real deploy commands (child
 * processes) and health checks over HTTP, a fake clock, on every dialect.
 * The system's zone is Asia/Hong_Kong (UTC+8): T1 20:00 is 12:00Z, T2 22:00 is 14:00Z.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { createTestTonic, testSystem, type TestTonic } from '../../support/test-tonic.ts';

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; base: string; ahead: string };

const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

/** main at v1.0.0 on PROD; UAT on the same commit, or (uatAhead) on develop's v1.1.0. */
async function setup(dialect: (typeof DIALECTS)[number], options: { uatAhead?: boolean; fixBranch?: string } = {}): Promise<World> {
  const repo = await createTestRepo();
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('checkout', '-q', '-b', 'develop');
  const ahead = await repo.commit('feature for 1.1.0', { 'feature.txt': 'new feature\n' });
  await repo.git('tag', '-a', 'v1.1.0', '-m', 'v1.1.0');
  await repo.git('checkout', '-q', 'main');
  const envs = await startTestEnvironments();
  let t: TestTonic;
  try {
    t = await createTestTonic({
      dialect,
      now: '2026-11-26T04:00:00Z',
      systems: [testSystem({ repositoryPath: repo.path, environments: envs.config, fixBranch: options.fixBranch ?? null })],
    });
  } catch (error) {
    await envs.close(); // nothing may outlive a failed set-up: an open server would hang the run
    repo.remove();
    throw error;
  }
  await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
  await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', options.uatAhead ? { version: 'v1.1.0', commit: ahead } : { version: 'v1.0.0', commit: base });
  await t.tonic.scheduler.tick(); // the scheduler starts counting slots now
  return { t, repo, envs, base, ahead };
}

/** A fix on its own branch off main: changes one line of app.txt. */
async function fixCommit(w: World, name: string, line: number, text: string): Promise<string> {
  await w.repo.git('checkout', '-q', '-b', name, w.base);
  const lines = APP.split('\n');
  lines[line - 1] = text;
  const sha = await w.repo.commit(`fix: ${name}`, { 'app.txt': lines.join('\n') });
  await w.repo.git('checkout', '-q', 'main');
  return sha;
}

async function reportConfirmed(w: World, title: string, fix?: string) {
  const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title, description: 'steps', severity: 'medium', foundInEnv: 'prod', module: 'checkout' });
  if (fix) await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { commit: fix });
  return w.t.tonic.bugs.confirm(w.t.actors.manager, 'shop', bug.id, { flow: 'auto' });
}

async function at(w: World, iso: string) {
  w.t.clock.set(iso);
  return w.t.tonic.scheduler.tick();
}

const status = async (w: World, id: number) => (await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', id)).status;
const outboxEvents = async (w: World) => (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 500 })).map((m) => m.event);

for (const dialect of DIALECTS) {
  describe(`T1 and T2 through the scheduler on ${dialect}`, () => {
    const worlds: World[] = [];
    const world = async (options?: Parameters<typeof setup>[1]) => {
      const w = await setup(dialect, options);
      worlds.push(w);
      return w;
    };
    afterEach(async () => {
      for (const w of worlds.splice(0)) {
        await w.t.close();
        await w.envs.close();
        w.repo.remove();
      }
    });
    after(() => undefined);

    test('Flow 1: T1 builds v1.0.1 and deploys it to UAT; approved before the cutoff, T2 puts the same release on PROD', async () => {
      const w = await world();
      const fix = await fixCommit(w, 'fix/checkout', 3, 'line 3 fixed');
      const bug = await reportConfirmed(w, 'Checkout total wrong', fix);
      assert.equal(bug.fixFlow, 'flow1');

      const [t1] = await at(w, '2026-11-26T12:00:05Z');
      assert.equal(t1?.slot, 't1');
      assert.equal(t1?.status, 'succeeded', JSON.stringify(t1?.report));
      assert.equal(await status(w, bug.id), 'deployed_uat');
      assert.equal(w.envs.running('uat')?.version, 'v1.0.1');
      assert.equal(w.envs.running('prod'), null, 'PROD untouched at T1');
      const tagged = await w.repo.git('show', '-s', '--format=%B', 'v1.0.1^{commit}');
      assert.match(tagged, /\(cherry picked from commit [0-9a-f]{40}\)/);
      assert.match(await w.repo.git('show', 'v1.0.1:app.txt'), /line 3 fixed/);
      const shown = await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id);
      assert.deepEqual((shown.analysis as { files: string[] }).files, ['app.txt']);
      assert.match(shown.aiFixDiff ?? '', /line 3 fixed/);
      assert.deepEqual(shown.history.map((h) => h.to).slice(-3), ['analyzing', 'planned', 'deployed_uat']);

      w.t.clock.set('2026-11-26T13:59:59Z'); // 21:59:59 HKT: tonight
      const approved = await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', bug.id);
      assert.equal(approved.runsAt, '2026-11-26T14:00:00.000Z');

      const [t2] = await at(w, '2026-11-26T14:00:03Z');
      assert.equal(t2?.slot, 't2');
      assert.equal(t2?.status, 'succeeded', JSON.stringify(t2?.report));
      assert.equal(await status(w, bug.id), 'deployed_prod');
      assert.deepEqual(w.envs.running('prod'), w.envs.running('uat'), 'UAT and PROD on the same release');
      const envs = await w.t.tonic.environments.describe(w.t.actors.viewer, 'shop');
      assert.equal(envs.flow.flow, 'flow1', 'aligned again: the next bug takes Flow 1');
      const events = await outboxEvents(w);
      assert.ok(events.includes('t1.flow1.deployed_uat') && events.includes('t2.flow1.deployed_prod'), events.join(', '));
      assert.deepEqual(w.envs.deploys(), ['uat v1.0.1', 'prod v1.0.1']);

      // Another tick in the same slot does nothing: each slot runs once.
      assert.deepEqual(await at(w, '2026-11-26T14:05:00Z'), []);
      assert.equal((await w.t.tonic.audit.verify(w.t.tonic.db)).ok, true);
    });

    test('approved at T2 exactly waits for tomorrow night', async () => {
      const w = await world();
      const bug = await reportConfirmed(w, 'Late approval', await fixCommit(w, 'fix/late', 2, 'line 2 fixed'));
      await at(w, '2026-11-26T12:00:00Z');
      assert.equal(await status(w, bug.id), 'deployed_uat');
      w.t.clock.set('2026-11-26T14:00:00Z');
      const approved = await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', bug.id);
      assert.equal(approved.runsAt, '2026-11-27T14:00:00.000Z');
      const [tonight] = await at(w, '2026-11-26T14:00:01Z');
      assert.equal(tonight?.slot, 't2');
      assert.equal(await status(w, bug.id), 'pending_prod', 'not tonight');
      assert.match(JSON.stringify(tonight?.report.bugs), /approved after this T2's cutoff/);
      await at(w, '2026-11-27T12:00:00Z'); // the next T1 has nothing to do
      await at(w, '2026-11-27T14:00:00Z');
      assert.equal(await status(w, bug.id), 'deployed_prod');
    });

    test('Flow 2: PROD first at T2, then after approval the fix is cherry-picked onto UAT at the next T2', async () => {
      const w = await world({ uatAhead: true });
      const bug = await reportConfirmed(w, 'Rounding error', await fixCommit(w, 'fix/rounding', 5, 'line 5 fixed'));
      assert.equal(bug.fixFlow, 'flow2');

      await at(w, '2026-11-26T12:00:00Z');
      const queued = await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id);
      assert.equal(queued.status, 'pending_prod');
      assert.equal(queued.runsAt, '2026-11-26T14:00:00.000Z');
      assert.equal(w.envs.running('uat'), null, 'Flow 2 skips UAT at T1');
      // Built on the PROD line: v1.0.0 + fix, without develop's feature.
      assert.equal((await w.repo.git('ls-tree', '--name-only', 'v1.0.1')).split('\n').includes('feature.txt'), false);

      await at(w, '2026-11-26T14:00:00Z');
      assert.equal(await status(w, bug.id), 'deployed_prod');
      assert.equal(w.envs.running('prod')?.version, 'v1.0.1');

      w.t.clock.set('2026-11-27T03:00:00Z');
      const approved = await w.t.tonic.bugs.approveUatMerge(w.t.actors.manager, 'shop', bug.id);
      assert.equal(approved.runsAt, '2026-11-27T14:00:00.000Z');
      await at(w, '2026-11-27T12:00:00Z');
      const [t2] = await at(w, '2026-11-27T14:00:00Z');
      assert.equal(t2?.status, 'succeeded', JSON.stringify(t2?.report));
      assert.equal(await status(w, bug.id), 'uat_merged');
      assert.equal(w.envs.running('uat')?.version, 'v1.1.1');
      const uatApp = await w.repo.git('show', 'v1.1.1:app.txt');
      assert.match(uatApp, /line 5 fixed/);
      assert.ok((await w.repo.git('ls-tree', '--name-only', 'v1.1.1')).split('\n').includes('feature.txt'), 'UAT keeps its own work');
      const events = await outboxEvents(w);
      for (const e of ['t1.flow2.queued_prod', 't2.flow2.deployed_prod', 't2.flow2.uat_merged']) assert.ok(events.includes(e), e);
    });

    test('a bug confirmed under Flow 1 is re-routed at T1 when UAT moved ahead meanwhile', async () => {
      const w = await world();
      const bug = await reportConfirmed(w, 'Re-route me', await fixCommit(w, 'fix/reroute', 4, 'line 4 fixed'));
      assert.equal(bug.fixFlow, 'flow1');
      await w.t.tonic.environments.record(w.t.actors.admin, 'shop', 'uat', { version: 'v1.1.0', commit: w.ahead });
      await at(w, '2026-11-26T12:00:00Z');
      const after = await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id);
      assert.equal(after.fixFlow, 'flow2');
      assert.equal(after.status, 'pending_prod');
      const reroute = after.history.find((h) => h.action === 'reroute');
      assert.match(reroute?.reason ?? '', /re-routed from flow1 to flow2: UAT .* is ahead of PROD/);
      assert.ok((await outboxEvents(w)).includes('bug.rerouted'));
    });

    test('a cherry-pick conflict leaves that bug planned with its files recorded; the others go on; the repository stays clean', async () => {
      const w = await world();
      const good = await reportConfirmed(w, 'Good fix', await fixCommit(w, 'fix/good', 7, 'line 7 fixed'));
      // A fix written against a line that PROD does not have.
      await w.repo.git('checkout', '-q', '-b', 'elsewhere', w.base);
      await w.repo.commit('diverging change', { 'app.txt': APP.replace('line 1', 'line one') });
      const bad = await w.repo.commit('fix on the diverged line', { 'app.txt': APP.replace('line 1', 'line ONE') });
      await w.repo.git('checkout', '-q', 'main');
      const conflicted = await reportConfirmed(w, 'Conflicting fix', bad);

      const [t1] = await at(w, '2026-11-26T12:00:00Z');
      assert.equal(await status(w, good.id), 'deployed_uat');
      const shown = await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', conflicted.id);
      assert.equal(shown.status, 'planned');
      assert.deepEqual(shown.conflict?.files, ['app.txt']);
      assert.match(JSON.stringify(t1?.report.bugs), /conflict/);
      assert.ok((await outboxEvents(w)).includes('bug.conflict'));
      assert.equal(await w.repo.git('status', '--porcelain'), '');
      assert.equal((await w.repo.git('worktree', 'list')).split('\n').length, 1, 'no build worktree left behind');
      assert.doesNotMatch(await w.repo.git('show', 'v1.0.1:app.txt'), /line ONE/);
    });

    test('one unapproved bug holds the release back and T2 says which; dropped, the next T1 rebuilds without it', async () => {
      const w = await world();
      const a = await reportConfirmed(w, 'Approved one', await fixCommit(w, 'fix/a', 2, 'line 2 fixed'));
      const b = await reportConfirmed(w, 'Unvalidated one', await fixCommit(w, 'fix/b', 8, 'line 8 fixed'));
      await at(w, '2026-11-26T12:00:00Z');
      assert.equal(w.envs.running('uat')?.version, 'v1.0.1');
      w.t.clock.set('2026-11-26T13:00:00Z');
      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', a.id);
      const [t2] = await at(w, '2026-11-26T14:00:00Z');
      assert.equal(await status(w, a.id), 'pending_prod', 'held back');
      assert.equal(w.envs.running('prod'), null);
      assert.match(JSON.stringify(t2?.report.bugs), new RegExp(`"id":${b.id},"outcome":"waiting","reason":"is not approved yet`));
      const held = (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 100 })).find((m) => m.event === 'release.held');
      assert.deepEqual((held?.payload.waiting as { id: number }[]).map((x) => x.id), [b.id]);

      await assert.rejects(w.t.tonic.bugs.dropFromRelease(w.t.actors.manager, 'shop', b.id, {}), /needs admin/);
      const dropped = await w.t.tonic.bugs.dropFromRelease(w.t.actors.admin, 'shop', b.id, { reason: 'needs more work' });
      assert.equal(dropped.status, 'confirmed');

      const [t1] = await at(w, '2026-11-27T12:00:00Z');
      assert.equal(t1?.status, 'succeeded', JSON.stringify(t1?.report));
      assert.equal(w.envs.running('uat')?.version, 'v1.0.2');
      assert.equal(await status(w, a.id), 'deployed_uat', 'the rebuilt release is validated again');
      assert.equal(await status(w, b.id), 'confirmed', 'left out of the rebuild');
      assert.match(await w.repo.git('show', 'v1.0.2:app.txt'), /line 2 fixed/);
      assert.doesNotMatch(await w.repo.git('show', 'v1.0.2:app.txt'), /line 8 fixed/);

      w.t.clock.set('2026-11-27T13:00:00Z');
      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', a.id);
      await at(w, '2026-11-27T14:00:00Z');
      assert.equal(await status(w, a.id), 'deployed_prod');
      assert.equal(w.envs.running('prod')?.version, 'v1.0.2');
    });

    test('a deploy command that fails: bugs stay, the run is failed with the log, and people are told', async () => {
      const w = await world();
      const bug = await reportConfirmed(w, 'Will not deploy', await fixCommit(w, 'fix/x', 6, 'line 6 fixed'));
      w.envs.failNext('uat');
      const [t1] = await at(w, '2026-11-26T12:00:00Z');
      assert.equal(t1?.status, 'failed');
      assert.equal(await status(w, bug.id), 'planned');
      const [deployment] = await w.t.tonic.deployments.list(w.t.actors.viewer, 'shop', { runId: t1!.id, limit: 5 });
      assert.equal(deployment?.status, 'failed');
      assert.match(deployment?.error ?? '', /exited with 1/);
      const withLog = await w.t.tonic.deployments.get(w.t.actors.viewer, 'shop', deployment!.id);
      assert.ok(withLog?.log.some((l) => l.stream === 'stderr' && l.line === 'simulated failure'));
      const events = await outboxEvents(w);
      assert.ok(events.includes('deploy.failed') && events.includes('run.failed'), events.join(', '));
      const envs = await w.t.tonic.environments.describe(w.t.actors.viewer, 'shop');
      assert.equal(envs.environments.find((e) => e.env === 'uat')?.version, 'v1.0.0', 'UAT is recorded where it was');
    });

    test('a bug without a fix is skipped with a reminder; a "Fixes #id" trailer on the fix branch attaches one', async () => {
      const w = await world({ fixBranch: 'develop' });
      const bug = await reportConfirmed(w, 'No fix yet');
      const [first] = await at(w, '2026-11-26T12:00:00Z');
      assert.match(JSON.stringify(first?.report.bugs), /no fix is attached/);
      assert.ok((await outboxEvents(w)).includes('bug.fix_missing'));

      await w.repo.git('checkout', '-q', 'develop');
      await w.repo.commit(`fix the thing\n\nFixes #${bug.id}`, { 'app.txt': APP.replace('line 9', 'line 9 fixed') });
      await w.repo.git('checkout', '-q', 'main');
      await at(w, '2026-11-27T12:00:00Z');
      const shown = await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id);
      assert.equal(shown.fixRefs[0]?.kind, 'trailer');
      assert.equal(shown.status, 'deployed_uat');
    });

    test('a slot missed beyond the grace period is recorded and announced, not run; one within it runs at start-up', async () => {
      const w = await world();
      await reportConfirmed(w, 'Waiting', await fixCommit(w, 'fix/m', 3, 'line 3 fixed'));
      // The server was down from before T1 until 12:45Z: 45 minutes late, grace is 30.
      const [missed] = await at(w, '2026-11-26T12:45:00Z');
      assert.equal(missed?.status, 'missed');
      assert.ok((await outboxEvents(w)).includes('run.missed'));
      // Back at 14:20Z: T2 is 20 minutes late, within grace: it runs, marked as a start-up run.
      const [late] = await at(w, '2026-11-26T14:20:00Z');
      assert.equal(late?.slot, 't2');
      assert.equal(late?.trigger, 'startup');
    });

    test('a run whose instance stopped renewing its lease becomes interrupted, and its slot is not run again', async () => {
      const w = await world();
      const slot = new Date('2026-11-26T12:00:00Z');
      w.t.clock.set('2026-11-26T12:00:01Z');
      const dead = await w.t.tonic.runStore.claim(w.t.tonic.db, {
        system: 'shop',
        slot: 't1',
        scheduledFor: slot,
        trigger: 'schedule',
        instance: 'killed-instance',
        leaseUntil: new Date('2026-11-26T12:01:00Z'),
        at: w.t.clock.now(),
      });
      assert.ok(dead);
      assert.deepEqual(await at(w, '2026-11-26T12:00:30Z'), [], 'lease still valid: nothing to do');
      assert.deepEqual(await at(w, '2026-11-26T12:05:00Z'), [], 'the slot is taken: not run again');
      const run = await w.t.tonic.runs.get(w.t.actors.viewer, 'shop', dead.id);
      assert.equal(run.status, 'interrupted');
      assert.match(run.error ?? '', /killed-instance stopped renewing its lease/);
      assert.ok((await outboxEvents(w)).includes('run.interrupted'));
      assert.deepEqual(w.envs.deploys(), []);
    });
  });
}

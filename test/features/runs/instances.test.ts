/**
 * (a) Several Tonic instances on one database (DESIGN.md decision 6): all tick at the same slot,
 *     exactly one runs it and the environment is deployed once.
 * (b) The approval cutoff across daylight-saving changes (decision 5), through the scheduler and
 *     the run records: a system in Europe/London, T1 20:00, T2 22:00, around 2026-03-29 (clocks go
 *     forward, a 23-hour day) and 2026-10-25 (clocks go back, a 25-hour day).
 * Both on every dialect.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { openDatabase, type DatabaseHandle, type Dialect } from '../../../src/adapters/db/database.ts';
import { composeTonic, type Tonic } from '../../../src/compose.ts';
import type { SystemConfig } from '../../../src/config/load-config.ts';
import { ADMIN_USERNAME, type Actor } from '../../../src/features/identity/identity-service.ts';
import { createFakeClock } from '../../../src/shared/clock.ts';
import { DIALECTS, openTestDatabase } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { ADMIN_TOKEN, createTestTonic, testSystem, type TestTonic } from '../../support/test-tonic.ts';

const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

/** `n` handles on one database: one SQLite file opened n times, or one PostgreSQL database through n pools. */
async function openShared(dialect: Dialect, n: number): Promise<{ handles: DatabaseHandle[]; close(): Promise<void> }> {
  const first = await openTestDatabase(dialect);
  const handles: DatabaseHandle[] = [first];
  for (let i = 1; i < n; i++) handles.push(await openDatabase({ url: first.url, poolSize: 4 }));
  return {
    handles,
    close: async () => {
      for (const h of handles.slice(1)) await h.close();
      await first.close();
    },
  };
}

/** main at v1.0.0, on both UAT and PROD, and a fix on its own branch. */
async function repoWithFix(name = 'fix/x', line = 3): Promise<{ repo: TestRepo; base: string; fix: string }> {
  const repo = await createTestRepo();
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('checkout', '-q', '-b', name, base);
  const fix = await repo.commit(`fix: line ${line}`, { 'app.txt': APP.replace(`line ${line}\n`, `line ${line} fixed\n`) });
  await repo.git('checkout', '-q', 'main');
  return { repo, base, fix };
}

for (const dialect of DIALECTS) {
  describe(`three instances on one ${dialect} database`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    test('all three tick at T1 and at T2 at the same instant: one run per slot, each environment deployed once', async () => {
      const { repo, base, fix } = await repoWithFix();
      cleanups.push(() => repo.remove());
      const envs = await startTestEnvironments();
      cleanups.push(() => envs.close());
      const shared = await openShared(dialect, 3);
      cleanups.push(() => shared.close());
      const system = testSystem({ repositoryPath: repo.path, environments: envs.config });
      const instances = shared.handles.map((database, i) => {
        const clock = createFakeClock('2026-11-26T04:00:00Z');
        const tonic = composeTonic({ database, config: { file: '(test)', systems: [system] }, clock, home: repo.path, instance: `instance-${'abc'[i]}` });
        return { tonic, clock };
      });
      const [a, b, c] = instances.map((x) => x.tonic) as [Tonic, Tonic, Tonic];
      await a.identity.bootstrap(ADMIN_TOKEN);
      const admin: Actor = { username: ADMIN_USERNAME, role: 'admin' };
      for (const role of ['manager', 'developer', 'viewer'] as const) await a.identity.createUser(admin, { username: role, role });
      const as = (role: 'manager' | 'developer' | 'viewer'): Actor => ({ username: role, role });

      /** Every instance's clock to `iso`, then all tick at once; the runs each one claimed. */
      const tickAll = async (iso: string) => {
        for (const x of instances) x.clock.set(iso);
        const claimed = await Promise.all(instances.map((x) => x.tonic.scheduler.tick()));
        return claimed.flat();
      };

      await a.environments.record(admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
      await b.environments.record(admin, 'shop', 'uat', { version: 'v1.0.0', commit: base });
      assert.deepEqual(await tickAll('2026-11-26T04:00:00Z'), []);
      const reported = await b.bugs.report(as('developer'), 'shop', { title: 'Checkout total wrong', description: 'steps', severity: 'medium', foundInEnv: 'prod', module: 'checkout' });
      await c.bugs.attachFix(as('developer'), 'shop', reported.id, { commit: fix });
      await a.bugs.confirm(as('manager'), 'shop', reported.id, { flow: 'auto' });

      const t1 = await tickAll('2026-11-26T12:00:05Z');
      assert.equal(t1.length, 1, `one instance ran T1: ${JSON.stringify(t1.map((r) => [r.slot, r.claimedBy]))}`);
      assert.equal(t1[0]!.slot, 't1');
      assert.equal(t1[0]!.status, 'succeeded', JSON.stringify(t1[0]!.report));
      assert.deepEqual(envs.deploys(), ['uat v1.0.1']);

      instances.forEach((x) => x.clock.set('2026-11-26T13:00:00Z'));
      await c.bugs.approveProd(as('manager'), 'shop', reported.id);

      const t2 = await tickAll('2026-11-26T14:00:05Z');
      assert.equal(t2.length, 1, `one instance ran T2: ${JSON.stringify(t2.map((r) => [r.slot, r.claimedBy]))}`);
      assert.equal(t2[0]!.slot, 't2');
      assert.equal(t2[0]!.status, 'succeeded', JSON.stringify(t2[0]!.report));
      assert.deepEqual(envs.deploys(), ['uat v1.0.1', 'prod v1.0.1'], 'each environment deployed once');
      assert.equal((await a.bugs.get(as('viewer'), 'shop', reported.id)).status, 'deployed_prod');

      // Again, later in the same slot: nothing more.
      assert.deepEqual(await tickAll('2026-11-26T14:05:00Z'), []);

      // The records, as any instance reads them.
      const runs = await b.runs.list(as('viewer'), 'shop', { limit: 50 });
      assert.deepEqual(runs.map((r) => [r.slot, r.scheduledFor, r.status]).sort(), [
        ['t1', '2026-11-26T12:00:00.000Z', 'succeeded'],
        ['t2', '2026-11-26T14:00:00.000Z', 'succeeded'],
      ]);
      for (const r of runs) assert.match(r.claimedBy, /^instance-[abc]$/);
      const deployments = await c.deployments.list(as('viewer'), 'shop', { limit: 50 });
      assert.deepEqual(deployments.map((d) => [d.env, d.status]).sort(), [
        ['prod', 'succeeded'],
        ['uat', 'succeeded'],
      ]);
      assert.deepEqual((await repo.git('tag', '--list', 'v1.0.*')).split('\n'), ['v1.0.0', 'v1.0.1']);
      assert.equal((await a.audit.verify(a.db)).ok, true, 'one unbroken audit chain');
      const events = (await a.outbox.list(a.db, { system: 'shop', limit: 200 })).map((m) => m.event);
      assert.equal(events.filter((e) => e === 't1.flow1.deployed_uat').length, 1);
      assert.equal(events.filter((e) => e === 't2.flow1.deployed_prod').length, 1);
    });
  });

  describe(`approvals across daylight-saving changes through the scheduler on ${dialect} (Europe/London, T1 20:00, T2 22:00)`, () => {
    type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; bugId: number | null; fix: string };
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    async function londonWorld(now: string): Promise<World> {
      const { repo, base, fix } = await repoWithFix();
      cleanups.push(() => repo.remove());
      const envs = await startTestEnvironments();
      cleanups.push(() => envs.close());
      const system: SystemConfig = testSystem({ timeZone: 'Europe/London', t1: '20:00', t2: '22:00', repositoryPath: repo.path, environments: envs.config });
      const t = await createTestTonic({ dialect, now, systems: [system] });
      cleanups.push(() => t.close());
      await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
      await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', { version: 'v1.0.0', commit: base });
      await t.tonic.scheduler.tick();
      return { t, repo, envs, bugId: null, fix };
    }

    async function confirmBug(w: World) {
      const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title: 'Basket total', description: 'steps', severity: 'medium', foundInEnv: 'prod', module: 'checkout' });
      await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { commit: w.fix });
      await w.t.tonic.bugs.confirm(w.t.actors.manager, 'shop', bug.id, { flow: 'auto' });
      w.bugId = bug.id;
    }

    const at = (w: World, iso: string) => {
      w.t.clock.set(iso);
      return w.t.tonic.scheduler.tick();
    };
    const approveAt = (w: World, iso: string) => {
      w.t.clock.set(iso);
      return w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', w.bugId!);
    };
    const status = async (w: World) => (await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', w.bugId!)).status;
    const slots = async (w: World, slot: 't1' | 't2') => (await w.t.tonic.runs.list(w.t.actors.viewer, 'shop', { slot, limit: 50 })).map((r) => r.scheduledFor).reverse();
    /** The run that put the release on PROD, from the deployment records. */
    const prodRun = async (w: World) => {
      const deployments = await w.t.tonic.deployments.list(w.t.actors.viewer, 'shop', { limit: 50 });
      const prod = deployments.filter((d) => d.env === 'prod' && d.status === 'succeeded');
      assert.equal(prod.length, 1, 'PROD deployed once');
      return w.t.tonic.runs.get(w.t.actors.viewer, 'shop', prod[0]!.runId!);
    };

    test('spring forward, on the 23-hour day itself (Sun 29 March, BST): approved at 21:59:59 local runs that night at 22:00 BST (21:00Z)', async () => {
      const w = await londonWorld('2026-03-28T06:00:00Z');
      // Saturday (GMT): the scheduler passes the slots before the change with nothing to do.
      await at(w, '2026-03-28T20:00:05Z');
      await at(w, '2026-03-28T22:00:05Z');
      w.t.clock.set('2026-03-29T06:00:00Z');
      await confirmBug(w);
      assert.deepEqual(await at(w, '2026-03-29T18:00:30Z'), [], '20:00 BST is 19:00Z, not 18:00Z or 20:00Z');
      const [t1] = await at(w, '2026-03-29T19:00:05Z');
      assert.equal(t1?.scheduledFor, '2026-03-29T19:00:00.000Z');
      assert.equal(await status(w), 'deployed_uat');

      const approved = await approveAt(w, '2026-03-29T20:59:59Z'); // 21:59:59 BST
      assert.equal(approved.runsAt, '2026-03-29T21:00:00.000Z');
      assert.match(approved.runsAtLocal ?? '', /^2026-03-29 22:00\b/);

      const [t2] = await at(w, '2026-03-29T21:00:01Z');
      assert.equal(t2?.slot, 't2');
      assert.equal(t2?.status, 'succeeded', JSON.stringify(t2?.report));
      assert.equal(await status(w), 'deployed_prod');
      assert.equal((await prodRun(w)).scheduledFor, '2026-03-29T21:00:00.000Z');
      assert.deepEqual(await slots(w, 't1'), ['2026-03-28T20:00:00.000Z', '2026-03-29T19:00:00.000Z']);
      assert.deepEqual(await slots(w, 't2'), ['2026-03-28T22:00:00.000Z', '2026-03-29T21:00:00.000Z']);
    });

    test('spring forward, the evening before (Sat 28 March, GMT): approved at 22:00:00 exactly runs the next night, 23 hours later', async () => {
      const w = await londonWorld('2026-03-28T06:00:00Z');
      await confirmBug(w);
      await at(w, '2026-03-28T20:00:05Z');
      assert.equal(await status(w), 'deployed_uat');

      const approved = await approveAt(w, '2026-03-28T22:00:00Z');
      assert.equal(approved.runsAt, '2026-03-29T21:00:00.000Z', '22:00 BST on Sunday');

      const [tonight] = await at(w, '2026-03-28T22:00:01Z');
      assert.equal(tonight?.scheduledFor, '2026-03-28T22:00:00.000Z');
      assert.equal(await status(w), 'pending_prod', 'not tonight');
      assert.match(JSON.stringify(tonight?.report.bugs), /approved after this T2's cutoff/);

      await at(w, '2026-03-29T19:00:05Z'); // Sunday's T1, 20:00 BST: nothing to do
      assert.equal(await status(w), 'pending_prod');
      const [t2] = await at(w, '2026-03-29T21:00:01Z');
      assert.equal(t2?.scheduledFor, '2026-03-29T21:00:00.000Z');
      assert.equal(await status(w), 'deployed_prod');
      assert.equal((await prodRun(w)).scheduledFor, '2026-03-29T21:00:00.000Z');
      assert.deepEqual(await at(w, '2026-03-29T22:00:05Z'), [], 'no second T2 at 22:00Z (23:00 BST)');
    });

    test('fall back, on the 25-hour day itself (Sun 25 October, GMT): approved at 21:59:59 local runs that night at 22:00Z', async () => {
      const w = await londonWorld('2026-10-24T06:00:00Z');
      // Saturday (BST): 20:00 and 22:00 local are 19:00Z and 21:00Z.
      await at(w, '2026-10-24T19:00:05Z');
      await at(w, '2026-10-24T21:00:05Z');
      w.t.clock.set('2026-10-25T06:00:00Z');
      await confirmBug(w);
      assert.deepEqual(await at(w, '2026-10-25T19:00:30Z'), [], '20:00 GMT is 20:00Z, not 19:00Z');
      const [t1] = await at(w, '2026-10-25T20:00:05Z');
      assert.equal(t1?.scheduledFor, '2026-10-25T20:00:00.000Z');
      assert.equal(await status(w), 'deployed_uat');

      const approved = await approveAt(w, '2026-10-25T21:59:59Z');
      assert.equal(approved.runsAt, '2026-10-25T22:00:00.000Z');
      assert.match(approved.runsAtLocal ?? '', /^2026-10-25 22:00\b/);

      assert.deepEqual(await at(w, '2026-10-25T21:00:30Z'), [], 'no T2 at yesterday\'s offset');
      const [t2] = await at(w, '2026-10-25T22:00:01Z');
      assert.equal(t2?.slot, 't2');
      assert.equal(t2?.status, 'succeeded', JSON.stringify(t2?.report));
      assert.equal(await status(w), 'deployed_prod');
      assert.equal((await prodRun(w)).scheduledFor, '2026-10-25T22:00:00.000Z');
      assert.deepEqual(await slots(w, 't2'), ['2026-10-24T21:00:00.000Z', '2026-10-25T22:00:00.000Z']);
    });

    test('fall back, the evening before (Sat 24 October, BST): approved at 22:00:00 exactly runs the next night, 25 hours later', async () => {
      const w = await londonWorld('2026-10-24T06:00:00Z');
      await confirmBug(w);
      await at(w, '2026-10-24T19:00:05Z');
      assert.equal(await status(w), 'deployed_uat');

      const approved = await approveAt(w, '2026-10-24T21:00:00Z'); // 22:00:00 BST
      assert.equal(approved.runsAt, '2026-10-25T22:00:00.000Z', '22:00 GMT on Sunday');

      const [tonight] = await at(w, '2026-10-24T21:00:01Z');
      assert.equal(tonight?.scheduledFor, '2026-10-24T21:00:00.000Z');
      assert.equal(await status(w), 'pending_prod', 'not tonight');

      await at(w, '2026-10-25T20:00:05Z'); // Sunday's T1, 20:00 GMT
      assert.deepEqual(await at(w, '2026-10-25T21:00:30Z'), [], '24 hours later is only 21:00 GMT');
      assert.equal(await status(w), 'pending_prod');
      const [t2] = await at(w, '2026-10-25T22:00:01Z');
      assert.equal(t2?.scheduledFor, '2026-10-25T22:00:00.000Z');
      assert.equal(await status(w), 'deployed_prod');
      assert.equal((await prodRun(w)).scheduledFor, '2026-10-25T22:00:00.000Z');
      assert.deepEqual(await slots(w, 't1'), ['2026-10-24T19:00:00.000Z', '2026-10-25T20:00:00.000Z']);
    });
  });
}

/**
 * Simulated days under freezes, through the scheduler: real git repositories, real deploy commands
 * (child processes) and health checks over HTTP, a fake clock, on every dialect. The scheduler
 * still fires every slot and checks the freezes first (SEED.md). The system's zone is
 * Asia/Hong_Kong (UTC+8): T1 20:00 is 12:00Z, T2 22:00 is 14:00Z.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { NO_FREEZE_CONFIG, type FreezeConfig, type FreezeFlags } from '../../../src/features/freezes/freeze-rules.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../../support/test-tonic.ts';

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; base: string; server: TestServer | null };

const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

type WorldOptions = { now?: string; freeze?: Partial<FreezeConfig>; freezeEnvironment?: FreezeFlags; http?: boolean };

/** main at v1.0.0 on UAT and PROD (Flow 1), system modules checkout and financial. */
async function setup(dialect: (typeof DIALECTS)[number], options: WorldOptions): Promise<World> {
  const repo = await createTestRepo();
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  const envs = await startTestEnvironments();
  let t: TestTonic;
  try {
    t = await createTestTonic({
      dialect,
      now: options.now ?? '2026-11-26T04:00:00Z',
      freezeEnvironment: options.freezeEnvironment,
      systems: [testSystem({ repositoryPath: repo.path, environments: envs.config, freeze: { ...NO_FREEZE_CONFIG, ...options.freeze } })],
    });
  } catch (error) {
    await envs.close();
    repo.remove();
    throw error;
  }
  await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
  await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', { version: 'v1.0.0', commit: base });
  await t.tonic.scheduler.tick(); // the scheduler starts counting slots now
  const server = options.http ? await startTestServer(t) : null;
  return { t, repo, envs, base, server };
}

async function fixCommit(w: World, name: string, line: number): Promise<string> {
  await w.repo.git('checkout', '-q', '-b', name, w.base);
  const lines = APP.split('\n');
  lines[line - 1] = `line ${line} fixed`;
  const sha = await w.repo.commit(`fix: ${name}`, { 'app.txt': lines.join('\n') });
  await w.repo.git('checkout', '-q', 'main');
  return sha;
}

async function confirmedBug(w: World, title: string, module: string, line: number) {
  const fix = await fixCommit(w, `fix/${title.toLowerCase().replaceAll(' ', '-')}`, line);
  const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title, description: 'steps', severity: 'medium', foundInEnv: 'prod', module });
  await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { commit: fix });
  return w.t.tonic.bugs.confirm(w.t.actors.manager, 'shop', bug.id, { flow: 'auto' });
}

async function at(w: World, iso: string) {
  w.t.clock.set(iso);
  return w.t.tonic.scheduler.tick();
}

const status = async (w: World, id: number) => (await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', id)).status;
const messages = async (w: World) => (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 500 })).reverse();

for (const dialect of DIALECTS) {
  describe(`runs under freezes on ${dialect}`, () => {
    const worlds: World[] = [];
    const world = async (options: WorldOptions = {}) => {
      const w = await setup(dialect, options);
      worlds.push(w);
      return w;
    };
    afterEach(async () => {
      for (const w of worlds.splice(0)) {
        await w.server?.close();
        await w.t.close();
        await w.envs.close();
        w.repo.remove();
      }
    });

    test('DEPLOY_FREEZE_UNTIL: T1 and T2 still fire but are skipped, nothing is deployed, people are told; from 00:00 of that date T1 runs', async () => {
      const w = await world({ freezeEnvironment: { all: null, modules: [], until: '2026-11-27' } });
      const bug = await confirmedBug(w, 'Checkout total', 'checkout', 3);

      const [t1] = await at(w, '2026-11-26T12:00:00Z');
      assert.equal(t1?.slot, 't1', 'the scheduler fired');
      assert.equal(t1?.status, 'skipped');
      assert.equal(t1?.report.freeze?.full, true);
      assert.match(t1?.report.freeze?.detail ?? '', /^full freeze: environment: DEPLOY_FREEZE_UNTIL=2026-11-27, until 2026-11-27 00:00 GMT\+8$/);
      assert.deepEqual(t1?.report.bugs, [], 'no bug was touched');
      assert.equal(await status(w, bug.id), 'confirmed');
      const [t2] = await at(w, '2026-11-26T14:00:00Z');
      assert.deepEqual([t2?.slot, t2?.status], ['t2', 'skipped']);
      const manual = await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1');
      assert.equal(manual.status, 'skipped', '"run T1 now" is a T1 too');
      assert.deepEqual(w.envs.deploys(), [], 'nothing deployed');
      assert.deepEqual(await w.t.tonic.releases.list(w.t.actors.viewer, 'shop', { limit: 10 }), [], 'nothing built');

      const skipped = (await messages(w)).filter((m) => m.event === 'run.skipped');
      assert.equal(skipped.length, 3);
      assert.deepEqual(skipped[0]!.payload, {
        runId: t1!.id,
        slot: 't1',
        scheduledFor: '2026-11-26T12:00:00.000Z',
        reason: 'freeze',
        detail: t1!.report.freeze!.detail,
        freezes: [{ source: 'env', label: 'environment: DEPLOY_FREEZE_UNTIL=2026-11-27', scope: 'system', modules: [], until: '2026-11-26T16:00:00.000Z' }],
      });

      const [next] = await at(w, '2026-11-27T12:00:00Z');
      assert.equal(next?.status, 'succeeded', JSON.stringify(next?.report));
      assert.equal(next?.report.freeze, undefined);
      assert.equal(await status(w, bug.id), 'deployed_uat');
      assert.deepEqual(w.envs.deploys(), ['uat v1.0.1']);
    });

    test('month-end close freezes the financial module: the checkout fix is built and deployed alone; the financial bug stays put until the month is over', async () => {
      const w = await world({ now: '2026-11-27T04:00:00Z', freeze: { monthEndClose: { businessDays: 2, modules: ['financial'] } } });
      const checkout = await confirmedBug(w, 'Checkout total', 'checkout', 3);
      const ledger = await confirmedBug(w, 'Ledger rounding', 'financial', 8);
      const before = (await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', ledger.id)).history.length;

      const [t1] = await at(w, '2026-11-27T12:00:00Z'); // Friday 27 November 20:00: the last two business days are the 27th and the 30th
      assert.equal(t1?.status, 'succeeded', JSON.stringify(t1?.report));
      assert.deepEqual(t1?.report.freeze?.modules, ['financial']);
      assert.equal(t1?.report.freeze?.full, false);
      assert.equal(await status(w, checkout.id), 'deployed_uat');
      const left = await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', ledger.id);
      assert.equal(left.status, 'confirmed');
      assert.equal(left.history.length, before, 'not moved: no history written');
      const outcome = t1?.report.bugs.find((b) => b.id === ledger.id);
      assert.equal(outcome?.outcome, 'frozen');
      assert.match(outcome?.reason ?? '', /^module financial is frozen: month-end close of November 2026 \(last 2 business days from 2026-11-27\), until 2026-12-01 00:00 GMT\+8$/);
      const uatApp = await w.repo.git('show', 'v1.0.1:app.txt');
      assert.match(uatApp, /line 3 fixed/);
      assert.doesNotMatch(uatApp, /line 8 fixed/, 'the frozen fix is not in the release');
      const frozen = (await messages(w)).find((m) => m.event === 'run.modules_frozen');
      assert.deepEqual(frozen?.payload.bugs, [{ id: ledger.id, title: 'Ledger rounding', severity: 'medium', module: 'financial' }]);
      assert.deepEqual(frozen?.payload.modules, ['financial']);
      assert.equal(frozen?.payload.runId, t1!.id);

      w.t.clock.set('2026-11-27T13:00:00Z');
      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', checkout.id);
      await at(w, '2026-11-27T14:00:00Z');
      assert.equal(await status(w, checkout.id), 'deployed_prod', 'the other modules deploy as usual');

      // The server "was down" over the weekend: those slots are recorded as missed; Monday's T1 runs.
      const monday = (await at(w, '2026-11-30T12:00:00Z')).find((r) => r.status !== 'missed');
      assert.equal(monday?.report.bugs.find((b) => b.id === ledger.id)?.outcome, 'frozen', 'the 30th is the last business day: still frozen');
      const december = (await at(w, '2026-12-01T12:00:00Z')).find((r) => r.status !== 'missed');
      assert.equal(december?.status, 'succeeded', JSON.stringify(december?.report));
      assert.equal(await status(w, ledger.id), 'deployed_uat');
      assert.match(await w.repo.git('show', 'v1.0.2:app.txt'), /line 8 fixed/);
      assert.deepEqual(w.envs.deploys(), ['uat v1.0.1', 'prod v1.0.1', 'uat v1.0.2']);
    });

    test('a module freeze at T2 holds a UAT release that carries a frozen bug (PROD gets exactly what UAT ran); it goes whole once the freeze ends', async () => {
      const w = await world();
      const checkout = await confirmedBug(w, 'Checkout total', 'checkout', 3);
      const ledger = await confirmedBug(w, 'Ledger rounding', 'financial', 8);
      await at(w, '2026-11-26T12:00:00Z');
      assert.deepEqual([await status(w, checkout.id), await status(w, ledger.id)], ['deployed_uat', 'deployed_uat']);
      await at(w, '2026-11-26T14:00:00Z'); // not approved yet: held
      await w.t.tonic.freezes.declare(w.t.actors.admin, 'shop', { start: '2026-11-27', end: '2026-11-28', modules: ['financial'], reason: 'auditors on site' });
      w.t.clock.set('2026-11-27T01:00:00Z');
      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', checkout.id);
      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', ledger.id);

      await at(w, '2026-11-27T12:00:00Z');
      const [t2] = await at(w, '2026-11-27T14:00:00Z');
      assert.equal(t2?.slot, 't2');
      assert.deepEqual([await status(w, checkout.id), await status(w, ledger.id)], ['pending_prod', 'pending_prod']);
      assert.equal(w.envs.running('prod'), null, 'PROD untouched');
      const outcomes = Object.fromEntries((t2?.report.bugs ?? []).map((b) => [b.id, b]));
      assert.equal(outcomes[ledger.id]?.outcome, 'frozen');
      assert.match(outcomes[ledger.id]?.reason ?? '', /^module financial is frozen: auditors on site \(declared by admin, #\d+\), until 2026-11-28 00:00 GMT\+8$/);
      assert.equal(outcomes[checkout.id]?.outcome, 'held');
      assert.match(outcomes[checkout.id]?.reason ?? '', new RegExp(`^v1\\.0\\.1 also carries #${ledger.id} \\(financial\\) of a frozen module`));
      assert.ok((await messages(w)).some((m) => m.event === 'run.modules_frozen' && m.payload.runId === t2!.id));

      await at(w, '2026-11-28T12:00:00Z');
      const [after] = await at(w, '2026-11-28T14:00:00Z');
      assert.equal(after?.status, 'succeeded', JSON.stringify(after?.report));
      assert.deepEqual([await status(w, checkout.id), await status(w, ledger.id)], ['deployed_prod', 'deployed_prod']);
      assert.equal(w.envs.running('prod')?.version, 'v1.0.1');
    });

    test('a freeze declared over the API skips T1, shows on the run, and once lifted the next run deploys; bad input is refused with its reason', async () => {
      const w = await world({ http: true });
      const api = w.server!;
      const bug = await confirmedBug(w, 'Checkout total', 'checkout', 3);
      const declared = await api.request('admin', 'POST', '/api/v1/systems/shop/freezes', { end: '2026-11-30', reason: 'Black Friday' });
      assert.equal(declared.status, 201, JSON.stringify(declared.body));
      assert.equal(declared.headers.get('location'), `/api/v1/systems/shop/freezes/${declared.body.id}`);
      assert.deepEqual([declared.body.state, declared.body.scope, declared.body.endLocal], ['active', 'system', '2026-11-30 00:00 GMT+8']);

      const listed = await api.request('viewer', 'GET', '/api/v1/systems/shop/freezes');
      assert.equal(listed.body.now.full, true);
      assert.deepEqual(listed.body.items.map((f: any) => f.id), [declared.body.id]);
      const calendar = await api.request('viewer', 'GET', '/api/v1/systems/shop/freezes/calendar?days=10');
      assert.deepEqual(calendar.body.windows.map((x: any) => [x.source, x.endLocal]), [['declared', '2026-11-30 00:00 GMT+8']]);

      const [t1] = await at(w, '2026-11-26T12:00:00Z');
      const shown = await api.request('viewer', 'GET', `/api/v1/systems/shop/runs/${t1!.id}`);
      assert.equal(shown.body.status, 'skipped');
      assert.equal(shown.body.report.freeze.sources[0].source, 'declared');
      assert.match(shown.body.report.freeze.detail, /^full freeze: Black Friday \(declared by admin, #\d+\), until 2026-11-30 00:00 GMT\+8$/);
      assert.equal(await status(w, bug.id), 'confirmed');

      w.t.clock.set('2026-11-26T12:30:00Z');
      const lifted = await api.request('admin', 'DELETE', `/api/v1/systems/shop/freezes/${declared.body.id}?reason=sale%20moved`);
      assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
      assert.deepEqual([lifted.body.state, lifted.body.liftedBy, lifted.body.liftReason], ['lifted', 'admin', 'sale moved']);
      const again = await api.request('admin', 'DELETE', `/api/v1/systems/shop/freezes/${declared.body.id}`);
      assert.deepEqual([again.status, again.body.code], [409, 'invalid_transition']);

      const now = await api.request('admin', 'POST', '/api/v1/systems/shop/runs/t1', {});
      assert.equal(now.body.status, 'succeeded', JSON.stringify(now.body));
      assert.equal(await status(w, bug.id), 'deployed_uat');
      assert.deepEqual(w.envs.deploys(), ['uat v1.0.1']);
      const events = (await messages(w)).map((m) => m.event).filter((e) => e.startsWith('freeze.') || e === 'run.skipped');
      assert.deepEqual(events, ['freeze.declared', 'run.skipped', 'freeze.lifted']);

      const refused = async (role: 'admin' | 'manager', body: unknown) => (await api.request(role, 'POST', '/api/v1/systems/shop/freezes', body)).body;
      const endBeforeStart = await refused('admin', { start: '2026-12-05', end: '2026-12-01', reason: 'x' });
      assert.deepEqual([endBeforeStart.status, endBeforeStart.code], [400, 'validation_failed']);
      assert.match(endBeforeStart.detail, /^end 2026-12-01 00:00 GMT\+8 is not after start 2026-12-05 00:00 GMT\+8/);
      assert.match((await refused('admin', { end: '2026-12-01', modules: ['ledger'], reason: 'x' })).detail, /^module "ledger" is not a module of shop; known modules: checkout, financial$/);
      assert.match((await refused('admin', { end: '31/12/2026', reason: 'x' })).detail, /^end "31\/12\/2026" is not a date or time/);
      assert.deepEqual((await refused('admin', { end: '2026-12-01' })).errors, [{ path: 'body.reason', message: 'is required' }]);
      assert.equal((await refused('manager', { end: '2026-12-01', reason: 'x' })).status, 403);
      assert.equal((await api.request('admin', 'DELETE', '/api/v1/systems/shop/freezes/999')).status, 404);
      assert.equal((await api.request('viewer', 'GET', '/api/v1/systems/shop/freezes/calendar?days=0')).status, 400);
      assert.equal((await api.request('admin', 'GET', '/api/v1/systems/shop/freezes?all=true')).body.items.length, 1, 'nothing refused was written');
    });
  });
}

/**
 * Smoke tests, rollback and the deploy lock, for real: a git repository, UAT and PROD as HTTP
 * servers deployed by a child process, a version that is deployed "bad" (its /api/orders answers
 * 500), the real HTTP API, on every dialect.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { parseConfig, type SystemConfig } from '../../../src/config/load-config.ts';
import type { Monitor } from '../../../src/features/rollbacks/post-deploy.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { eventually } from '../../support/processes.ts';
import { createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../../support/test-tonic.ts';

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; base: string; fix: string; marker: string; server?: TestServer };

const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

/** The smoke and rollback sections as a user writes them, through the real config loader. */
function configured(envs: TestEnvironments, marker: string, onFailure: 'rollback' | 'alert'): Pick<SystemConfig, 'smoke' | 'rollback'> {
  const system = {
    name: 'shop',
    timeZone: 'Asia/Hong_Kong',
    schedule: { t1: '20:00', t2: '22:00' },
    environments: { uat: { url: envs.config.uat.url, line: 'develop' }, prod: { url: envs.config.prod.url, line: 'main' } },
    smoke: {
      onFailure,
      steps: [
        { name: 'login', request: { method: 'POST', path: '/api/login', json: { user: 'admin', password: 'secret' } }, capture: { token: '$.token' }, expect: { status: 200, json: [{ path: '$.ok', equals: true }] } },
        {
          name: 'orders',
          request: { path: '/api/orders', headers: { Authorization: 'Bearer {{token}}' } },
          expect: { status: 200, json: [{ path: '$.orders', contains: { id: 1 } }], text: 'total', maxLatencyMs: 10000 },
        },
        { name: 'logs', command: [process.execPath, '-e', 'console.log("no new errors in {env}")'], expect: { exitCode: 0, text: 'no new errors' } },
      ],
    },
    rollback: {
      dbaContact: 'dba@shop.example',
      downMigration: {
        command: [process.execPath, '-e', 'require("fs").appendFileSync(process.argv[1], process.argv.slice(2).join(" ") + "\\n")', marker, '{from}', '{to}', '{env}'],
        migrationPaths: ['db/migrations/**'],
      },
    },
  };
  const parsed = parseConfig(JSON.stringify({ systems: [system] }), 'test.yaml').systems[0]!;
  return { smoke: parsed.smoke, rollback: parsed.rollback };
}

/**
 * A monitor in the shape of the monitoring feature's, measuring the environment for real: the share
 * of failed GET /api/orders (with a session) over a few requests, rollback above 50 %.
 */
function ordersMonitor(envs: TestEnvironments, watched: string[]): Monitor {
  const errorRate = async (env: 'uat' | 'prod') => {
    const base = envs.config[env].url;
    const login = await fetch(`${base}/api/login`, { method: 'POST', body: JSON.stringify({ user: 'admin', password: 'secret' }) });
    const { token } = (await login.json()) as { token: string };
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    let failed = 0;
    for (let i = 0; i < 4; i++) if ((await fetch(`${base}/api/orders`, { headers: { cookie, authorization: `Bearer ${token}` } })).status >= 500) failed++;
    return failed / 4;
  };
  return {
    baseline: async ({ env }) => errorRate(env),
    async watch({ env, release, windowMs }) {
      watched.push(`${env} ${release} ${windowMs ?? 'default window'}`);
      const rate = await errorRate(env);
      const breaches = rate > 0.5 ? [{ metric: 'orders_5xx_rate', value: rate, threshold: 0.5, action: 'rollback', at: new Date(0).toISOString() }] : [];
      return { outcome: breaches.length ? 'rollback' : 'clean', breaches, samples: 4 };
    },
  };
}

async function setup(dialect: (typeof DIALECTS)[number], onFailure: 'rollback' | 'alert' = 'rollback', monitor?: (envs: TestEnvironments) => Monitor): Promise<World> {
  const repo = await createTestRepo();
  await repo.commit('app 0.9.0', { 'app.txt': 'old\n', 'db/migrations/001-init.sql': 'create table orders (id int);\n' });
  await repo.git('tag', '-a', 'v0.9.0', '-m', 'v0.9.0');
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('branch', 'develop');
  // The fix changes the application and adds a migration: rolling it back needs the down migration.
  await repo.git('checkout', '-q', '-b', 'fix/orders', base);
  const fix = await repo.commit('fix: orders total', { 'app.txt': APP.replace('line 3', 'line 3 fixed'), 'db/migrations/002-order-totals.sql': 'alter table orders add total int;\n' });
  await repo.git('checkout', '-q', 'main');
  const envs = await startTestEnvironments();
  const marker = join(envs.dir, 'down-migrations.log');
  let t: TestTonic;
  try {
    t = await createTestTonic({
      dialect,
      now: '2026-11-26T04:00:00Z',
      systems: [testSystem({ repositoryPath: repo.path, environments: envs.config, ...configured(envs, marker, onFailure) })],
      monitor: monitor?.(envs),
    });
  } catch (error) {
    await envs.close();
    repo.remove();
    throw error;
  }
  await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
  await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', { version: 'v1.0.0', commit: base });
  await t.tonic.scheduler.tick();
  return { t, repo, envs, base, fix, marker };
}

async function reportConfirmed(w: World, title: string) {
  const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title, description: 'steps', severity: 'medium', foundInEnv: 'prod', module: 'checkout' });
  await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { commit: w.fix });
  return w.t.tonic.bugs.confirm(w.t.actors.manager, 'shop', bug.id, { flow: 'auto' });
}

const bugOf = (w: World, id: number) => w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', id);
const messages = async (w: World, event: string) => (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 500 })).filter((m) => m.event === event).map((m) => m.payload);
const recorded = async (w: World, env: 'uat' | 'prod') => (await w.t.tonic.environments.describe(w.t.actors.viewer, 'shop')).environments.find((e) => e.env === env)!;
/** What the environment's server itself says it runs. */
const served = async (w: World, env: 'uat' | 'prod') => ((await (await fetch(`${w.envs.config[env].url}/health`)).json()) as { version: string }).version;
const downMigrations = (w: World) => {
  try {
    return readFileSync(w.marker, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

for (const dialect of DIALECTS) {
  describe(`smoke tests, rollback and the deploy lock on ${dialect}`, () => {
    const worlds: World[] = [];
    const world = async (onFailure?: 'rollback' | 'alert', monitor?: (envs: TestEnvironments) => Monitor) => {
      const w = await setup(dialect, onFailure, monitor);
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

    test('a bad version fails smoke on UAT and is rolled back at once: UAT runs v1.0.0 again, the bug is back where it was', async () => {
      const w = await world();
      const bug = await reportConfirmed(w, 'Orders total wrong');
      w.envs.markBad('v1.0.1');

      const run = await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1');
      assert.equal(run.status, 'failed', 'a deploy that had to be rolled back fails the run');
      assert.deepEqual(w.envs.deploys(), ['uat v1.0.1', 'uat v1.0.0']);
      assert.equal(await served(w, 'uat'), 'v1.0.0', 'the environment itself answers with the previous version');
      assert.equal((await recorded(w, 'uat')).version, 'v1.0.0');
      assert.equal(w.envs.running('prod'), null, 'PROD untouched');

      const after = await bugOf(w, bug.id);
      assert.equal(after.status, 'planned', 'the status it had right before the UAT deploy');
      assert.equal(after.releaseId, null, 'out of the rolled-back release: the next T1 builds it again');
      const last = after.history.at(-1)!;
      assert.deepEqual([last.action, last.from, last.to, last.actor], ['rollback', 'deployed_uat', 'planned', 'tonic']);
      assert.match(last.reason ?? '', /smoke step "orders" failed after v1\.0\.1 went to uat: expected status 200, got status 500/);

      // The failing deployment keeps its smoke results, step by step.
      const deployments = await w.t.tonic.deployments.list(w.t.actors.viewer, 'shop', { limit: 10 });
      const bad = deployments.find((d) => d.id === deployments.at(-1)!.id)!;
      assert.equal(bad.smoke?.ok, false);
      assert.deepEqual(
        bad.smoke?.steps.map((s) => [s.name, s.result]),
        [
          ['login', 'pass'],
          ['orders', 'fail'],
          ['logs', 'skipped'],
        ],
      );
      const orders = bad.smoke!.steps[1]!;
      assert.deepEqual([orders.expected, orders.actual], ['status 200', 'status 500']);
      assert.ok(orders.ms !== null && orders.ms >= 0);
      assert.match(orders.request, /authorization: \*\*\*/i, 'the captured token is sent, and not written into the results');

      const [rollback] = await w.t.tonic.rollbacks.list(w.t.actors.viewer, 'shop', { limit: 10 });
      assert.equal(rollback?.trigger, 'smoke');
      assert.equal(rollback?.status, 'stable', rollback?.detail ?? JSON.stringify(rollback?.validation));
      assert.equal(rollback?.impact, 'regression');
      assert.deepEqual([rollback?.deployed.version, rollback?.target.version], ['v1.0.1', 'v1.0.0']);
      assert.deepEqual(rollback?.bugs, [{ id: bug.id, from: 'deployed_uat', to: 'planned', result: 'reverted', reason: null }]);
      assert.equal(rollback?.smoke?.ok, true, 'smoke after the rollback passes on v1.0.0');
      assert.equal(rollback?.migration?.needed, true);
      assert.deepEqual(rollback?.migration?.files, ['db/migrations/002-order-totals.sql']);
      assert.deepEqual(downMigrations(w), ['v1.0.1 v1.0.0 uat'], 'the down migration ran once, before the previous release');
      assert.deepEqual(rollback?.scope, ['application', 'database']);

      const [failed] = await messages(w, 'smoke.failed');
      assert.deepEqual([failed?.env, failed?.release, failed?.step, failed?.expected, failed?.actual], ['uat', 'v1.0.1', 'orders', 'status 200', 'status 500']);
      const [executed] = await messages(w, 'rollback.executed');
      assert.equal(executed?.rollbackId, rollback?.id);
      assert.deepEqual([executed?.env, executed?.toVersion, executed?.fromVersion, executed?.by, executed?.impact], ['uat', 'v1.0.0', 'v1.0.1', 'tonic', 'regression']);
      assert.equal(executed?.toCommit, w.base);
      assert.match(String(executed?.nextStep), /root cause and fix plan/);
      assert.equal((await messages(w, 'run.failed')).length, 1);
      assert.match(JSON.stringify(run.report.bugs), /rolled back to planned/);
      assert.equal((await w.t.tonic.lock.current('shop')).inProgress, false, 'the lock is released after the run');
      assert.equal((await w.t.tonic.audit.verify(w.t.tonic.db)).ok, true);
    });

    test('a bad release on PROD is rolled back after T2: PROD runs v1.0.0, the approval is undone (the bug is deployed_uat again)', async () => {
      const w = await world();
      const bug = await reportConfirmed(w, 'Orders total wrong');
      assert.equal((await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1')).status, 'succeeded');
      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', bug.id);
      w.envs.markBad('v1.0.1'); // PROD gets the same release, and there it breaks

      const t2 = await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't2');
      assert.equal(t2.status, 'failed');
      assert.equal(await served(w, 'prod'), 'v1.0.0');
      assert.equal(await served(w, 'uat'), 'v1.0.1', 'UAT keeps the release');
      const after = await bugOf(w, bug.id);
      assert.equal(after.status, 'deployed_uat', 'not pending_prod: the next T2 would deploy the same release again without anyone deciding');
      assert.deepEqual(
        after.history.slice(-3).map((h) => `${h.action}:${h.from}→${h.to}`),
        ['approve_prod:deployed_uat→pending_prod', 'deploy_prod:pending_prod→deployed_prod', 'rollback:deployed_prod→deployed_uat'],
      );
      assert.deepEqual(w.envs.deploys(), ['uat v1.0.1', 'prod v1.0.1', 'prod v1.0.0']);
    });

    test('smoke.onFailure alert: the failure is stored and announced, nothing is rolled back', async () => {
      const w = await world('alert');
      const bug = await reportConfirmed(w, 'Orders total wrong');
      w.envs.markBad('v1.0.1');
      const run = await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1');
      assert.equal(run.status, 'succeeded');
      assert.match(run.report.steps.map((s) => s.message).join('\n'), /smoke\.onFailure is alert: not rolled back/);
      assert.equal(await served(w, 'uat'), 'v1.0.1');
      assert.equal((await bugOf(w, bug.id)).status, 'deployed_uat');
      assert.equal((await messages(w, 'smoke.failed')).length, 1);
      assert.deepEqual(await w.t.tonic.rollbacks.list(w.t.actors.viewer, 'shop', { limit: 10 }), []);
    });

    test('with monitoring wired: a breach the watch window sees rolls back (smoke only alerting), and the rollback is watched for a shorter window', async () => {
      const watched: string[] = [];
      const w = await world('alert', (envs) => ordersMonitor(envs, watched));
      const bug = await reportConfirmed(w, 'Orders total wrong');
      w.envs.markBad('v1.0.1');
      const run = await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1');
      assert.equal(run.status, 'failed');
      assert.equal(await served(w, 'uat'), 'v1.0.0');
      assert.equal((await bugOf(w, bug.id)).status, 'planned');
      const [rollback] = await w.t.tonic.rollbacks.list(w.t.actors.viewer, 'shop', { limit: 10 });
      assert.equal(rollback?.trigger, 'monitoring');
      assert.match(rollback?.reason ?? '', /monitoring after v1\.0\.1 went to uat: orders_5xx_rate at 1 breached 0\.5/);
      assert.equal(rollback?.status, 'stable');
      assert.equal(rollback?.validation?.monitoring?.outcome, 'clean');
      assert.deepEqual(watched, ['uat v1.0.1 default window', 'uat v1.0.0 300000'], 'the deploy with the default window, the rollback with rollback.validationMinutes');
      assert.equal((await messages(w, 'smoke.failed')).length, 1, 'smoke failed first, and only alerted');
    });

    test('manual rollback over the API: refusals, then each impact class, the checklist and history.md', async () => {
      const w = await world();
      const bug = await reportConfirmed(w, 'Orders total wrong');
      await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1');
      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', bug.id);
      assert.equal((await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't2')).status, 'succeeded');
      assert.equal(await served(w, 'prod'), 'v1.0.1');
      w.server = await startTestServer(w.t);
      const api = w.server.request;
      const path = '/api/v1/systems/shop/rollbacks';

      // Refused, with nothing changed.
      const notAdmin = await api('manager', 'POST', path, { env: 'prod', impact: 'regression', reason: 'orders fail' });
      assert.equal(notAdmin.status, 403);
      const unknown = await api('admin', 'POST', path, { env: 'prod', to: 'v9.9.9', impact: 'regression', reason: 'orders fail' });
      assert.equal(unknown.status, 404);
      assert.match(unknown.body.detail, /^tag "v9\.9\.9" does not exist in the repository of shop; tags there include v1\.0\.1, v1\.0\.0, v0\.9\.0$/);
      const same = await api('admin', 'POST', path, { env: 'prod', to: 'v1.0.1', impact: 'regression', reason: 'orders fail' });
      assert.equal(same.status, 409);
      assert.match(same.body.detail, /prod already runs v1\.0\.1 .*: rolling back to it changes nothing; name another tag/);
      const noImpact = await api('admin', 'POST', path, { env: 'prod', impact: 'minor', reason: 'x' });
      assert.equal(noImpact.status, 400);
      assert.equal(await served(w, 'prod'), 'v1.0.1');

      // ux: a follow-up, no rollback.
      const ux = await api('admin', 'POST', path, { env: 'prod', impact: 'ux', reason: 'button misaligned on checkout' });
      assert.equal(ux.status, 201, JSON.stringify(ux.body));
      assert.equal(ux.body.status, 'followup');
      assert.equal(await served(w, 'prod'), 'v1.0.1');
      assert.equal((await bugOf(w, bug.id)).status, 'deployed_prod');
      assert.deepEqual((await messages(w, 'rollback.followup')).map((m) => [m.rollbackId, m.env, m.reason, m.by]), [[ux.body.id, 'prod', 'button misaligned on checkout', 'admin']]);

      // regression: PROD goes back to v1.0.0 now, with the down migration.
      const regression = await api('admin', 'POST', path, { env: 'prod', impact: 'regression', reason: 'checkout totals doubled' });
      assert.equal(regression.status, 201, JSON.stringify(regression.body));
      assert.equal(regression.body.status, 'stable');
      assert.equal(await served(w, 'prod'), 'v1.0.0');
      assert.equal((await recorded(w, 'prod')).version, 'v1.0.0');
      assert.equal((await bugOf(w, bug.id)).status, 'deployed_uat');
      assert.deepEqual(downMigrations(w), ['v1.0.1 v1.0.0 prod']);
      assert.equal((await messages(w, 'rollback.escalated')).length, 0, 'a regression does not escalate when validation passes');

      // data-corruption on UAT: rolls back, escalates and names the DBA contact.
      const corruption = await api('admin', 'POST', path, { env: 'uat', impact: 'data-corruption', reason: 'order totals written as null' });
      assert.equal(corruption.status, 201, JSON.stringify(corruption.body));
      assert.equal(await served(w, 'uat'), 'v1.0.0');
      assert.equal((await bugOf(w, bug.id)).status, 'planned');
      const [escalated] = await messages(w, 'rollback.escalated');
      assert.deepEqual([escalated?.rollbackId, escalated?.env, escalated?.dbaContact], [corruption.body.id, 'uat', 'dba@shop.example']);
      assert.match(String(escalated?.detail), /data corruption risk after v1\.0\.1: rolled back to v1\.0\.0; DBA contact dba@shop\.example engaged/);

      // The checklist, and what is still to do: root cause and fix plan, documented later.
      const before = await api('viewer', 'GET', `${path}/${regression.body.id}`);
      assert.deepEqual(
        before.body.checklist.map((c: { done: boolean }) => c.done),
        [true, true, true, true, false, true, false],
      );
      const documented = await api('admin', 'PATCH', `${path}/${regression.body.id}`, { rootCause: 'totals summed twice in the new query', fixPlan: 'fix the query, add a test, ship in the next T1' });
      assert.equal(documented.status, 200, JSON.stringify(documented.body));
      assert.ok(documented.body.checklist.every((c: { done: boolean }) => c.done), JSON.stringify(documented.body.checklist));
      assert.equal((await api('admin', 'PATCH', `${path}/${regression.body.id}`, {})).status, 400, 'an empty update is refused');

      const list = await api('viewer', 'GET', path);
      assert.deepEqual(
        list.body.items.map((r: { id: number; status: string; impact: string }) => [r.status, r.impact]),
        [
          ['stable', 'data-corruption'],
          ['stable', 'regression'],
          ['followup', 'ux'],
        ],
      );
      const history = await api('viewer', 'GET', '/api/v1/systems/shop/history.md');
      assert.equal(history.status, 200);
      assert.match(history.headers.get('content-type') ?? '', /^text\/markdown/);
      const md = history.body as string;
      assert.match(md, /^# Rollback history: shop\n/);
      assert.match(md, new RegExp(`## Rollback ${regression.body.id}: prod, v1\\.0\\.1 → v1\\.0\\.0 \\(stable\\)`));
      assert.match(md, /- \*\*What broke\*\*: checkout totals doubled/);
      assert.match(md, /- \*\*Root cause\*\*: totals summed twice in the new query/);
      assert.match(md, /- \[x\] Fix plan for the reverted change recorded: fix the query/);
      assert.match(md, /- \*\*Down migration\*\*: ran .* for 1 changed migration file\(s\): db\/migrations\/002-order-totals\.sql/);
      assert.match(md, new RegExp(`## Rollback ${ux.body.id}: prod, follow-up, not rolled back \\(followup\\)`));
      assert.match(md, /- \[ \] Root cause of regression documented: not documented yet/);
    });

    test('one deploy at a time: a rollback or a run while another deploy holds the lock is refused with who and what', async () => {
      const w = await world();
      w.server = await startTestServer(w.t);
      const api = w.server.request;
      let finish!: () => void;
      const holding = w.t.tonic.lock.withLock({ system: 'shop', holder: 'alice', purpose: 'hotfix 7' }, () => new Promise<void>((ok) => (finish = ok)));
      await eventually('alice holds the lock', async () => (await w.t.tonic.lock.current('shop')).inProgress);
      try {
        const state = await api('viewer', 'GET', '/api/v1/systems/shop/deploy-lock');
        assert.deepEqual([state.body.inProgress, state.body.holder, state.body.purpose], [true, 'alice', 'hotfix 7']);
        const rollback = await api('admin', 'POST', '/api/v1/systems/shop/rollbacks', { env: 'prod', to: 'v0.9.0', impact: 'regression', reason: 'orders fail' });
        assert.equal(rollback.status, 409);
        assert.equal(rollback.body.code, 'deploy_in_progress');
        assert.match(rollback.body.detail, /^alice is deploying hotfix 7 since 2026-11-26 12:00.*; try again when it finishes$/);
        const run = await api('admin', 'POST', '/api/v1/systems/shop/runs/t1', {});
        assert.equal(run.status, 409);
        assert.match(run.body.detail, /^alice is deploying hotfix 7/);
        await assert.rejects(
          w.t.tonic.lock.withLock({ system: 'shop', holder: 'bob', purpose: 'rollback 9', waitMs: 300 }, async () => 'never'),
          /alice is deploying hotfix 7/,
          'waiting gives up after waitMs',
        );
        assert.deepEqual(w.envs.deploys(), [], 'nothing deployed meanwhile');
        assert.deepEqual(await w.t.tonic.rollbacks.list(w.t.actors.viewer, 'shop', { limit: 10 }), [], 'a refused rollback leaves no record');
      } finally {
        finish();
        await holding;
      }
      assert.equal((await api('viewer', 'GET', '/api/v1/systems/shop/deploy-lock')).body.inProgress, false);
      // Free again: a rollback to a tag Tonic never deployed, of an environment recorded by hand.
      const rollback = await api('admin', 'POST', '/api/v1/systems/shop/rollbacks', { env: 'prod', to: 'v0.9.0', impact: 'regression', reason: 'orders fail' });
      assert.equal(rollback.status, 201, JSON.stringify(rollback.body));
      assert.deepEqual([rollback.body.deployed.version, rollback.body.target.version, rollback.body.bugs], ['v1.0.0', 'v0.9.0', []]);
      assert.equal(await served(w, 'prod'), 'v0.9.0');
      const releases = await w.t.tonic.releases.list(w.t.actors.viewer, 'shop', { limit: 10 });
      assert.deepEqual(releases.map((r) => [r.tag, r.kind]), [['v0.9.0', 'tag']]);
    });

    test('a lock whose holder died is released by the scheduler sweep, audited and announced', async () => {
      const w = await world();
      // What a server killed in the middle of a rollback leaves behind: the lock row no one renews,
      // and a deployment still "running".
      await w.t.tonic.db
        .insertInto('deploy_locks')
        .values({ system: 'shop', holder: 'alice', purpose: 'rollback 41 (prod: v1.0.1 → v1.0.0)', run_id: null, token: 'dead', instance: 'host-a:123', acquired_at: '2026-11-26T03:59:00.000Z', lease_until: '2026-11-26T04:00:30.000Z' })
        .execute();
      const release = await w.t.tonic.db
        .insertInto('releases')
        .values({ system: 'shop', version: 'v1.0.0', tag: 'v1.0.0', commit_sha: w.base, base_commit: w.base, base_version: null, kind: 'tag', target_env: 'prod', notes: '', run_id: null, created_at: '2026-11-26T03:59:00.000Z' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const stuck = await w.t.tonic.db
        .insertInto('deployments')
        .values({ system: 'shop', env: 'prod', run_id: null, release_id: release.id, previous_release_id: null, status: 'running', started_at: '2026-11-26T03:59:01.000Z', finished_at: null, error: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await assert.rejects(
        w.t.tonic.rollbacks.request(w.t.actors.admin, 'shop', { env: 'prod', to: 'v0.9.0', impact: 'regression', reason: 'orders fail' }),
        /alice is deploying rollback 41 \(prod: v1\.0\.1 → v1\.0\.0\) since 2026-11-26 11:59/,
      );
      await w.t.tonic.scheduler.tick(); // lease not over yet: kept
      assert.equal((await w.t.tonic.lock.current('shop')).inProgress, true);

      w.t.clock.set('2026-11-26T04:01:00Z');
      const lapsed = await w.t.tonic.lock.current('shop');
      assert.equal(lapsed.inProgress && lapsed.leaseExpired, true, 'shown as lapsed until the sweep releases it');
      await w.t.tonic.scheduler.tick();
      assert.equal((await w.t.tonic.lock.current('shop')).inProgress, false);
      const [event] = await w.t.tonic.audit.list(w.t.tonic.db, { stream: 'shop', subject: 'deploy-lock:shop', limit: 5 });
      assert.equal(event?.action, 'deploy_lock.expired');
      assert.equal(event?.actor, 'tonic');
      const [message] = await messages(w, 'deploy.lock_expired');
      assert.deepEqual([message?.holder, message?.purpose, message?.runId, message?.deployments], ['alice', 'rollback 41 (prod: v1.0.1 → v1.0.0)', null, [stuck.id]]);
      const left = await w.t.tonic.deployments.get(w.t.actors.viewer, 'shop', stuck.id);
      assert.equal(left.status, 'unknown', 'the deploy it was doing is marked unknown, not left running');
      assert.match(left.error ?? '', /whether this deploy finished is unknown/);
      assert.match(String(message?.reason), /stopped renewing the deploy lock .* check what the environment runs/);

      const done = await w.t.tonic.rollbacks.request(w.t.actors.admin, 'shop', { env: 'prod', to: 'v0.9.0', impact: 'regression', reason: 'orders fail' });
      assert.equal(done.status, 'stable');
    });
  });
}

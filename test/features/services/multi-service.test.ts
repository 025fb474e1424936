/**
 * Multi-service releases for real (DESIGN.md decision 11, SEED.md "Multi-Service Deploy"): a git
 * repository laid out as db/, api/, web/; each service its own HTTP server per environment, deployed
 * by a real child process through the command driver; the configuration through the real loader;
 * the real HTTP API; on every dialect. Order is read from the environments' own deploy log (each
 * deploy and down migration appends a line as it runs) and from the timestamps on the deployment.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { formatRunDetail } from '../../../src/cli/run-format.ts';
import { parseConfig } from '../../../src/config/load-config.ts';
import { renderMessage } from '../../../src/features/notifications/templates/render.ts';
import type { DeploymentServices } from '../../../src/features/services/service-rules.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { eventually } from '../../support/processes.ts';
import { createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../../support/test-tonic.ts';

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; base: string; api: TestServer };

const SMOKE = [
  { name: 'login', request: { method: 'POST', path: '/api/login', json: { user: 'admin', password: 'secret' } }, capture: { token: '$.token' }, expect: { status: 200 } },
  { name: 'orders', request: { path: '/api/orders', headers: { Authorization: 'Bearer {{token}}' } }, expect: { status: 200, json: [{ path: '$.orders', exists: true }] } },
];

/** The system as a user writes it: db (migrations) ← api ← web, each with its own driver, health check; web with smoke steps. */
function configured(envs: TestEnvironments, repo: TestRepo, o: { webHealthSeconds?: number }) {
  const log = join(envs.dir, 'deploys.log');
  const downMigration = [process.execPath, '-e', 'require("fs").appendFileSync(process.argv[1], "down-migration " + process.argv.slice(2).join(" ") + "\\n")', log, '{env}', '{from}', '{to}'];
  const system = {
    name: 'shop',
    timeZone: 'Asia/Hong_Kong',
    schedule: { t1: '20:00', t2: '22:00' },
    repository: { path: repo.path },
    environments: { uat: { url: envs.config.uat.url, line: 'develop' }, prod: { url: envs.config.prod.url, line: 'main' } },
    services: [
      { name: 'web', paths: ['web/**'], dependsOn: ['api'], environments: envs.service('web', { healthTimeoutSeconds: o.webHealthSeconds ?? 3 }), smoke: { steps: SMOKE } },
      { name: 'api', paths: ['api/**'], dependsOn: ['db'], environments: envs.service('api') },
      { name: 'db', paths: ['db/migrations/**'], migrations: true, downMigration: { command: downMigration }, environments: envs.service('db') },
    ],
  };
  return parseConfig(JSON.stringify({ systems: [system] }), 'tonic.config.yaml', {}).systems[0]!;
}

async function setup(dialect: (typeof DIALECTS)[number], o: { webHealthSeconds?: number } = {}): Promise<World> {
  const repo = await createTestRepo();
  await repo.commit('shop 0.9.0', { 'api/server.js': 'export const orders = null;\n' });
  await repo.git('tag', '-a', 'v0.9.0', '-m', 'v0.9.0');
  const base = await repo.commit('shop 1.0.0', {
    'db/migrations/001-init.sql': 'create table orders (id int);\n',
    'api/server.js': 'export const orders = [];\n',
    'web/app.js': 'export const app = "shop";\n',
    'README.md': '# shop\n',
  });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('branch', 'develop');
  const branch = async (name: string, files: Record<string, string>) => {
    await repo.git('checkout', '-q', '-b', name, base);
    await repo.commit(`fix on ${name}`, files);
    await repo.git('checkout', '-q', 'main');
  };
  await branch('fix/both', { 'api/orders.js': 'export const total = (o) => o.sum;\n', 'web/cart.js': 'export const cart = [];\n' });
  await branch('fix/web', { 'web/header.js': 'export const header = "Shop";\n' });
  await branch('fix/all', { 'db/migrations/002-totals.sql': 'alter table orders add total int;\n', 'api/orders.js': 'export const total = 1;\n', 'web/cart.js': 'export const cart = [1];\n' });
  await branch('fix/docs', { 'README.md': '# shop\n\nNow with docs.\n' });
  const envs = await startTestEnvironments({ services: ['db', 'api', 'web'] });
  let t: TestTonic;
  try {
    const parsed = configured(envs, repo, o);
    t = await createTestTonic({ dialect, systems: [testSystem({ ...parsed, environments: parsed.environments })] });
  } catch (error) {
    await envs.close();
    repo.remove();
    throw error;
  }
  for (const env of ['prod', 'uat'] as const) await t.tonic.environments.record(t.actors.admin, 'shop', env, { version: 'v1.0.0', commit: base });
  return { t, repo, envs, base, api: await startTestServer(t) };
}

async function reportWithFix(w: World, title: string, branch: string, services?: string[]) {
  const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title, description: 'steps', severity: 'medium', foundInEnv: 'prod', ...(services ? { services } : {}) });
  const fixed = await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { branch });
  await w.t.tonic.bugs.confirm(w.t.actors.manager, 'shop', bug.id, { flow: 'auto' });
  return fixed;
}

const runT1 = (w: World) => w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1');
const recorded = async (w: World, env: 'uat' | 'prod') => (await w.t.tonic.environments.describe(w.t.actors.viewer, 'shop')).environments.find((e) => e.env === env)!;
const messages = async (w: World, event: string) => (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 500 })).filter((m) => m.event === event).map((m) => m.payload);
const deploymentsOf = async (w: World, runId: number) => w.t.tonic.deployments.list(w.t.actors.viewer, 'shop', { runId, limit: 10 });
const statuses = (services: DeploymentServices | null) => services?.steps.map((s) => [s.service, s.status]);
/** What each service's own server says it runs. */
const served = async (w: World, env: 'uat' | 'prod', service: string) => ((await (await fetch(`${w.envs.service(service)[env].url}/health`)).json()) as { version?: string }).version ?? null;

for (const dialect of DIALECTS) {
  describe(`multi-service releases on ${dialect}`, () => {
    const worlds: World[] = [];
    const world = async (o?: { webHealthSeconds?: number }) => {
      const w = await setup(dialect, o);
      worlds.push(w);
      return w;
    };
    afterEach(async () => {
      for (const w of worlds.splice(0)) {
        await w.api.close();
        await w.t.close();
        await w.envs.close();
        w.repo.remove();
      }
    });

    test('a fix touching api and web: the plan is shown first, then api deploys, is health-checked, then web; PROD the same at T2; release notes by service', async () => {
      const w = await world();
      const bug = await reportWithFix(w, 'Checkout total wrong', 'fix/both');
      assert.deepEqual(bug.services, ['api', 'web'], "derived from the files the fix's commits touch");

      // Shown before anything is deployed: what the next T1 would do, service by service.
      const planned = await w.api.request('viewer', 'GET', '/api/v1/systems/shop/plan');
      assert.equal(planned.status, 200);
      assert.deepEqual(
        planned.body.deploys.map((d: Record<string, unknown>) => [d.slot, d.env, d.release, d.bugs, d.order, d.rollbackOrder]),
        [['t1', 'uat', null, [bug.id], ['api', 'web'], ['web', 'api']]],
      );
      assert.equal(w.envs.deploys().length, 0, 'the plan deploys nothing');

      const changes: string[] = [];
      await w.t.tonic.live.ready();
      const stop = w.t.tonic.live.subscribe((c) => changes.push(...c.actions.map((a) => `${c.subjects.join(',')} ${a}`)));
      const run = await runT1(w);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.report.steps));
      assert.deepEqual(w.envs.deploys(), ['uat api v1.0.1', 'uat web v1.0.1'], 'backend first, then frontend; db untouched');
      assert.equal(await served(w, 'uat', 'api'), 'v1.0.1');
      assert.equal(await served(w, 'uat', 'web'), 'v1.0.1');
      assert.equal(await served(w, 'uat', 'db'), null, 'a service the release does not touch is not deployed');
      assert.equal((await recorded(w, 'uat')).version, 'v1.0.1');

      // The run record carries the plan; `tonic runs show` prints it.
      assert.deepEqual(run.report.releases[0]?.services, { direction: 'deploy', order: ['api', 'web'], rollbackOrder: ['web', 'api'], why: 'its fixes touch api, web' });
      assert.ok(run.report.steps.some((s) => s.message === 'deploy plan of v1.0.1 to uat: services api → web (rollback order: web → api); its fixes touch api, web'), JSON.stringify(run.report.steps));
      const shown = await w.api.request('viewer', 'GET', `/api/v1/systems/shop/runs/${run.id}`);
      assert.deepEqual(shown.body.report.releases[0].services.order, ['api', 'web'], 'through the API too');
      assert.ok(formatRunDetail(shown.body).some((l) => /release \d+ +v1\.0\.1 +uat +deployed +services api → web \(rollback order: web → api\)/.test(l)), formatRunDetail(shown.body).join('\n'));

      // The deployment: each service healthy, web started only after api's health check passed.
      const [deployment] = await deploymentsOf(w, run.id);
      assert.deepEqual(statuses(deployment!.services), [['api', 'healthy'], ['web', 'healthy']]);
      const [api, web] = deployment!.services!.steps;
      assert.match(api!.health ?? '', /answered 200 with v1\.0\.1/);
      assert.ok(api!.finishedAt! <= web!.startedAt!, `web started ${web!.startedAt}, after api was healthy at ${api!.finishedAt}`);
      assert.equal(web!.smoke?.ok, true, "web's own smoke steps ran before the deploy was done");
      const viaApi = await w.api.request('viewer', 'GET', `/api/v1/systems/shop/deployments/${deployment!.id}`);
      assert.deepEqual(statuses(viaApi.body.services), [['api', 'healthy'], ['web', 'healthy']]);
      const audit = (await w.t.tonic.audit.list(w.t.tonic.db, { subject: `deployment:${deployment!.id}`, limit: 50 })).reverse().map((e) => `${e.action} ${String(e.data.service ?? '')}`.trim());
      assert.deepEqual(audit, ['deployment.service_deploying api', 'deployment.service_healthy api', 'deployment.service_deploying web', 'deployment.service_healthy web', 'deployment.succeeded']);
      await eventually('live events of each service step', async () => changes.includes(`deployment:${deployment!.id} deployment.service_healthy`) && changes.some((c) => c.endsWith('deployment.service_deploying')));
      stop();

      const release = await w.t.tonic.releases.get(w.t.actors.viewer, 'shop', run.report.releases[0]!.id);
      assert.deepEqual(release.services, ['api', 'web']);
      assert.deepEqual(release.notes.trim().split('\n').slice(2), [`[api] Fix #${bug.id} [medium]: Checkout total wrong`, `[web] Fix #${bug.id} [medium]: Checkout total wrong`]);

      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', bug.id);
      const next = (await w.api.request('viewer', 'GET', '/api/v1/systems/shop/plan')).body;
      assert.deepEqual(
        next.deploys.map((d: Record<string, unknown>) => [d.slot, d.env, d.release, d.bugs, d.order, d.rollbackOrder]),
        [['t2', 'prod', 'v1.0.1', [bug.id], ['api', 'web'], ['web', 'api']]],
        'what T2 will do to PROD, before it does',
      );
      const t2 = await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't2');
      assert.equal(t2.status, 'succeeded', JSON.stringify(t2.report.steps));
      assert.deepEqual(w.envs.deploys().slice(2), ['prod api v1.0.1', 'prod web v1.0.1'], 'PROD gets the same release in the same order');
    });

    test('a fix touching no service deploys every one, in order; a fix touching only the frontend deploys only it', async () => {
      const w = await world();
      const docs = await reportWithFix(w, 'Docs out of date', 'fix/docs');
      assert.deepEqual(docs.services, [], 'README.md belongs to no service');
      const plan = (await w.api.request('viewer', 'GET', '/api/v1/systems/shop/plan')).body;
      assert.deepEqual(plan.deploys[0].order, ['db', 'api', 'web']);
      assert.match(plan.deploys[0].why, /touches no single service's files: every service goes/);
      await w.t.tonic.bugs.reject(w.t.actors.manager, 'shop', docs.id, { reason: 'not now' });

      const bug = await reportWithFix(w, 'Header misaligned', 'fix/web');
      assert.deepEqual(bug.services, ['web']);
      const run = await runT1(w);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.report.steps));
      assert.deepEqual(w.envs.deploys(), ['uat web v1.0.1']);
      assert.deepEqual(run.report.releases[0]?.services?.order, ['web']);
      assert.equal(await served(w, 'uat', 'api'), null, 'api not deployed');
    });

    test('web failing its health check: the deploy stops and web then api go back to v1.0.0 in reverse order, each validated; the message names web', async () => {
      const w = await world();
      const bug = await reportWithFix(w, 'Checkout total wrong', 'fix/both');
      w.envs.markUnhealthy('web', 'v1.0.1');
      const run = await runT1(w);
      assert.equal(run.status, 'failed');
      assert.deepEqual(w.envs.deploys(), ['uat api v1.0.1', 'uat web v1.0.1', 'uat web v1.0.0', 'uat api v1.0.0'], 'exact reverse order of what went');
      assert.equal(await served(w, 'uat', 'api'), 'v1.0.0');
      assert.equal(await served(w, 'uat', 'web'), 'v1.0.0');
      assert.equal((await recorded(w, 'uat')).version, 'v1.0.0', 'the environment never moved to v1.0.1');
      assert.equal((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).status, 'planned', 'the bug stays where it was');

      const [deployment] = await deploymentsOf(w, run.id);
      assert.equal(deployment!.status, 'failed');
      assert.deepEqual(statuses(deployment!.services), [['api', 'rolled_back'], ['web', 'rolled_back']]);
      const [api, web] = deployment!.services!.steps;
      assert.match(web!.error ?? '', /^health check failed within 3 s: http:\/\/127\.0\.0\.1:\d+\/health answered HTTP 503, expected 200$/);
      assert.equal(api!.error, null);
      assert.ok(web!.rollback!.startedAt <= api!.rollback!.startedAt, 'web went back first');
      for (const s of [web!, api!]) assert.match(s.rollback?.detail ?? '', /^back on v1\.0\.0: .*answered 200 with v1\.0\.0/, 'each validated by its health check on the previous release');
      assert.deepEqual([web!.rollback?.ok, api!.rollback?.ok], [true, true]);
      assert.match(deployment!.error ?? '', /^service web: health check failed within 3 s: .*; rolled back web → api to v1\.0\.0$/);

      const [failed] = await messages(w, 'deploy.failed');
      assert.deepEqual([failed?.service, failed?.services, failed?.previousVersion], ['web', ['api', 'web'], 'v1.0.0']);
      assert.deepEqual((failed?.rolledBack as { service: string; ok: boolean }[]).map((r) => [r.service, r.ok]), [['web', true], ['api', true]]);
      const text = renderMessage('deploy.failed', [failed!], { language: 'en', timeZone: 'Asia/Hong_Kong', system: 'shop' }).text;
      assert.match(text, /Failed service: web\nRolled back \(in order\): web ✓, api ✓ — back on v1\.0\.0/);
      assert.equal((await w.t.tonic.rollbacks.list(w.t.actors.viewer, 'shop', { limit: 5 })).length, 0, 'undone inside the deploy: no rollback of a deployment that never succeeded');
    });

    test('a health check that times out is explained in the run record and the message', async () => {
      const w = await world({ webHealthSeconds: 1 });
      await reportWithFix(w, 'Checkout total wrong', 'fix/both');
      w.envs.hangHealth('web', 'v1.0.1');
      const run = await runT1(w);
      assert.equal(run.status, 'failed');
      const step = run.report.steps.find((s) => s.message.startsWith('deploy of v1.0.1 to uat failed'))?.message ?? '';
      assert.match(step, /service web: health check failed within 1 s: http:\/\/127\.0\.0\.1:\d+\/health: no answer in time; rolled back web → api to v1\.0\.0/);
      const [failed] = await messages(w, 'deploy.failed');
      const text = renderMessage('deploy.failed', [failed!], { language: 'zh-Hant', timeZone: 'Asia/Hong_Kong', system: 'shop' }).text;
      assert.match(text, /錯誤:service web: health check failed within 1 s: .*no answer in time/);
      assert.match(text, /失敗的服務:web/);
      assert.deepEqual(w.envs.deploys(), ['uat api v1.0.1', 'uat web v1.0.1', 'uat web v1.0.0', 'uat api v1.0.0']);
    });

    test('three services: migrations first; web failing its smoke steps undoes web, api, then db with its down migration before the old release', async () => {
      const w = await world();
      await reportWithFix(w, 'Order totals', 'fix/all');
      w.envs.markBad('v1.0.1');
      const run = await runT1(w);
      assert.equal(run.status, 'failed');
      assert.deepEqual(w.envs.deploys(), [
        'uat db v1.0.1',
        'uat api v1.0.1',
        'uat web v1.0.1',
        'uat web v1.0.0',
        'uat api v1.0.0',
        'down-migration uat v1.0.1 v1.0.0',
        'uat db v1.0.0',
      ]);
      const [deployment] = await deploymentsOf(w, run.id);
      assert.deepEqual(statuses(deployment!.services), [['db', 'rolled_back'], ['api', 'rolled_back'], ['web', 'rolled_back']]);
      const web = deployment!.services!.steps[2]!;
      assert.equal(web.error, 'smoke step "orders" failed: expected status 200, got status 500');
      assert.deepEqual(web.smoke?.steps.map((s) => [s.name, s.result]), [['login', 'pass'], ['orders', 'fail']]);
      assert.equal(deployment!.services!.steps[0]!.migrations, true);
    });

    test('a manual rollback of a multi-service deployment goes in exact reverse order, the migration service last with its down migration', async () => {
      const w = await world();
      await reportWithFix(w, 'Order totals', 'fix/all');
      const run = await runT1(w);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.report.steps));
      const answer = await w.api.request('admin', 'POST', '/api/v1/systems/shop/rollbacks', { env: 'uat', impact: 'regression', reason: 'checkout totals wrong' });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(answer.body.status, 'stable', answer.body.detail);
      assert.deepEqual(answer.body.scope, ['web', 'api', 'db']);
      assert.deepEqual(w.envs.deploys().slice(3), ['uat web v1.0.0', 'uat api v1.0.0', 'down-migration uat v1.0.1 v1.0.0', 'uat db v1.0.0']);
      const back = await w.t.tonic.deployments.get(w.t.actors.viewer, 'shop', answer.body.rollbackDeploymentId);
      assert.deepEqual(back.services?.direction, 'rollback');
      assert.deepEqual(statuses(back.services), [['web', 'healthy'], ['api', 'healthy'], ['db', 'healthy']]);
      assert.equal((await recorded(w, 'uat')).version, 'v1.0.0');
      const [executed] = await messages(w, 'rollback.executed');
      assert.deepEqual(executed?.services, ['web', 'api', 'db']);
      assert.match(renderMessage('rollback.executed', [executed!], { language: 'en', timeZone: 'Asia/Hong_Kong', system: 'shop' }).text, /Services \(in order\): web → api → db/);
    });

    test('the deploy lock is held for the whole multi-service deploy: a manual rollback and a hotfix deploy are refused naming the holder and where each service is', async () => {
      const w = await world({ webHealthSeconds: 8 });
      await reportWithFix(w, 'Checkout total wrong', 'fix/both');
      const critical = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title: 'Payments down', description: 'all cards fail', severity: 'critical', foundInEnv: 'prod' });
      const incident = await w.t.tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: critical.id });
      await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', critical.id, { branch: 'fix/web' });
      await w.t.tonic.hotfixes.notify(w.t.actors.admin, 'shop', incident.id, { people: ['manager'] });
      w.envs.hangHealth('web', 'v1.0.1'); // web's health check takes its whole 8 s: the deploy is in progress meanwhile

      const running = runT1(w);
      const lock = await eventually('web deploying under the lock', async () => {
        const l = (await w.api.request('viewer', 'GET', '/api/v1/systems/shop/deploy-lock')).body;
        return l.inProgress && l.deployment?.services?.steps?.[1]?.status === 'deploying' ? l : null;
      });
      assert.equal(lock.holder, 'tonic');
      assert.deepEqual(statuses(lock.deployment.services), [['api', 'healthy'], ['web', 'deploying']]);
      assert.match(lock.message, /^tonic is deploying T1 run \d+: v1\.0\.1 to uat, services api → web since .* \(deployment \d+ to uat: api healthy, web deploying\); try again when it finishes$/);

      const rollback = await w.api.request('admin', 'POST', '/api/v1/systems/shop/rollbacks', { env: 'uat', impact: 'regression', reason: 'now', to: 'v0.9.0' });
      assert.equal(rollback.status, 409, JSON.stringify(rollback.body));
      assert.equal(rollback.body.code, 'deploy_in_progress');
      assert.match(rollback.body.detail, /^tonic is deploying T1 run \d+: v1\.0\.1 to uat, services api → web since .*web deploying/);
      const hotfix = await w.api.request('admin', 'POST', `/api/v1/systems/shop/hotfixes/${incident.id}/deploy`, {});
      assert.equal(hotfix.status, 409, JSON.stringify(hotfix.body));
      assert.equal(hotfix.body.code, 'deploy_in_progress');
      assert.match(hotfix.body.detail, /^tonic is deploying T1 run \d+/);

      const run = await running;
      assert.equal(run.status, 'failed', 'web never answered its health check');
      assert.deepEqual(w.envs.deploys(), ['uat api v1.0.1', 'uat web v1.0.1', 'uat web v1.0.0', 'uat api v1.0.0'], 'the refused deploys changed nothing');
      assert.equal((await w.api.request('viewer', 'GET', '/api/v1/systems/shop/deploy-lock')).body.inProgress, false, 'released at the end');
    });

    test("a bug's services: named by hand (checked against the configuration) and grown by what its fix's commits touch, up to T1", async () => {
      const w = await world();
      const refused = await w.api.request('developer', 'POST', '/api/v1/systems/shop/bugs', { title: 'x', description: 'y', severity: 'low', foundInEnv: 'uat', services: ['backend'] });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.match(refused.body.detail, /service "backend" is not a service of shop; its services: web, api, db/);

      await w.repo.git('checkout', '-q', '-b', 'fix/grow', w.base);
      await w.repo.commit('web part', { 'web/grow.js': '1\n' });
      await w.repo.git('checkout', '-q', 'main');
      const bug = await reportWithFix(w, 'Grows', 'fix/grow', ['db']);
      assert.deepEqual(bug.services, ['db', 'web'], 'the hand-named one stays; the fix adds web');
      await w.repo.git('checkout', '-q', 'fix/grow');
      await w.repo.commit('api part', { 'api/grow.js': '1\n' });
      await w.repo.git('checkout', '-q', 'main');
      const run = await runT1(w);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.report.steps));
      assert.deepEqual((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).services, ['db', 'web', 'api'], 'T1 adds what the branch touches now');
      assert.deepEqual(w.envs.deploys(), ['uat db v1.0.1', 'uat api v1.0.1', 'uat web v1.0.1']);
    });
  });
}

/**
 * An emergency hotfix on a system of two services, for real (SEED.md "Emergency Hotfix" and
 * "Multi-Service Deploy", DESIGN.md decisions 11): the demo shop's shape, an `api` and a `web` front
 * that depends on it, each its own HTTP server per environment, deployed by a real child process
 * through the command driver and health-checked before the next; a real git repository; the real
 * HTTP API; on every dialect. A critical bug's fix touches both services: the hotfix goes to PROD
 * api first, then web; when web fails its health check, web and then api go back to what PROD ran.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { parseConfig } from '../../../src/config/load-config.ts';
import { renderMessage } from '../../../src/features/notifications/templates/render.ts';
import type { DeploymentServices } from '../../../src/features/services/service-rules.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../../support/test-tonic.ts';

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; base: string; api: TestServer };

/** web's own smoke steps, as the demo gives the front its own check before the deploy moves on. */
const SMOKE = [
  { name: 'login', request: { method: 'POST', path: '/api/login', json: { user: 'admin', password: 'secret' } }, capture: { token: '$.token' }, expect: { status: 200 } },
  { name: 'orders', request: { path: '/api/orders', headers: { Authorization: 'Bearer {{token}}' } }, expect: { status: 200, json: [{ path: '$.orders', exists: true }] } },
];

async function setup(dialect: (typeof DIALECTS)[number]): Promise<World> {
  const repo = await createTestRepo();
  const base = await repo.commit('shop 1.0.0', {
    'api/server.js': 'export const orders = [];\n',
    'web/app.js': 'export const app = "shop";\n',
    'README.md': '# shop\n',
  });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('branch', 'develop');
  const envs = await startTestEnvironments({ services: ['api', 'web'] });
  let t: TestTonic;
  try {
    // Through the real loader, as a user writes it: web depends on api.
    const system = {
      name: 'shop',
      timeZone: 'Asia/Hong_Kong',
      schedule: { t1: '20:00', t2: '22:00' },
      repository: { path: repo.path },
      environments: { uat: { url: envs.config.uat.url, line: 'develop' }, prod: { url: envs.config.prod.url, line: 'main' } },
      services: [
        { name: 'web', paths: ['web/**'], dependsOn: ['api'], environments: envs.service('web', { healthTimeoutSeconds: 3 }), smoke: { steps: SMOKE } },
        { name: 'api', paths: ['api/**'], environments: envs.service('api') },
      ],
    };
    const parsed = parseConfig(JSON.stringify({ systems: [system] }), 'tonic.config.yaml', {}).systems[0]!;
    t = await createTestTonic({ dialect, systems: [testSystem({ ...parsed, environments: parsed.environments })] });
  } catch (error) {
    await envs.close();
    repo.remove();
    throw error;
  }
  for (const env of ['prod', 'uat'] as const) await t.tonic.environments.record(t.actors.admin, 'shop', env, { version: 'v1.0.0', commit: base });
  return { t, repo, envs, base, api: await startTestServer(t) };
}

/** A critical bug, its incident (branch from PROD), the fix committed there touching api and web, attached, the team told. */
async function criticalWithFix(w: World) {
  const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title: 'Checkout charges twice', description: 'since 11:40', severity: 'critical', foundInEnv: 'prod' });
  const opened = await w.api.request('admin', 'POST', '/api/v1/systems/shop/hotfixes', { bugId: bug.id });
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  const incident = opened.body as { id: number; branch: string };
  assert.equal(await w.repo.git('rev-parse', incident.branch), w.base, 'the hotfix branch starts at what PROD runs');
  await w.repo.git('checkout', '-q', incident.branch);
  await w.repo.commit(`fix: bug ${bug.id}`, { 'api/payments.js': 'export const charge = (order) => order.once();\n', 'web/checkout.js': 'export const pay = () => "once";\n' });
  await w.repo.git('checkout', '-q', 'main');
  const fixed = await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { branch: incident.branch });
  assert.deepEqual(fixed.services, ['api', 'web'], "derived from the files the fix's commits touch");
  assert.equal((await w.api.request('admin', 'POST', `/api/v1/systems/shop/hotfixes/${incident.id}/notify`, { people: ['manager'] })).status, 200);
  return { bug, incident };
}

const statuses = (services: DeploymentServices | null) => services?.steps.map((s) => [s.service, s.status]);
/** What each service's own server says it runs. */
const served = async (w: World, env: 'uat' | 'prod', service: string) => ((await (await fetch(`${w.envs.service(service)[env].url}/health`)).json()) as { version?: string }).version ?? null;
const messages = async (w: World, event: string) =>
  (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 500 }))
    .filter((m) => m.event === event)
    .reverse()
    .map((m) => m.payload);
const recorded = async (w: World, env: 'uat' | 'prod') => (await w.t.tonic.environments.describe(w.t.actors.viewer, 'shop')).environments.find((e) => e.env === env)!;

for (const dialect of DIALECTS) {
  describe(`an emergency hotfix of a multi-service system on ${dialect}`, () => {
    const worlds: World[] = [];
    const world = async () => {
      const w = await setup(dialect);
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

    test('a critical bug touching api and web: PROD gets api, health-checked, then web with its smoke steps; then UAT the same way', async () => {
      const w = await world();
      const { bug, incident } = await criticalWithFix(w);

      const deployed = await w.api.request('admin', 'POST', `/api/v1/systems/shop/hotfixes/${incident.id}/deploy`, {});
      assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
      assert.equal(deployed.body.status, 'deployed');
      assert.equal(deployed.body.deploy.version, 'v1.0.1');
      assert.deepEqual(w.envs.deploys(), ['prod api v1.0.1', 'prod web v1.0.1'], 'dependency order: the api first, then the front that calls it');
      assert.equal(await served(w, 'prod', 'api'), 'v1.0.1');
      assert.equal(await served(w, 'prod', 'web'), 'v1.0.1');
      assert.equal(await served(w, 'uat', 'api'), null, 'UAT untouched by the PROD deploy');
      assert.equal((await recorded(w, 'prod')).version, 'v1.0.1');

      // The deployment: each service healthy, web started only after api's health check passed.
      const deployment = await w.t.tonic.deployments.get(w.t.actors.viewer, 'shop', deployed.body.deploy.deploymentId);
      assert.equal(deployment.status, 'succeeded');
      assert.equal(deployment.runId, null, 'an emergency hotfix is no run');
      assert.deepEqual(deployment.services?.order, ['api', 'web']);
      assert.deepEqual(statuses(deployment.services), [['api', 'healthy'], ['web', 'healthy']]);
      const [api, web] = deployment.services!.steps;
      assert.match(api!.health ?? '', /answered 200 with v1\.0\.1/);
      assert.match(web!.health ?? '', /answered 200 with v1\.0\.1/);
      assert.ok(api!.finishedAt! <= web!.startedAt!, `web started ${web!.startedAt}, after api was healthy at ${api!.finishedAt}`);
      assert.equal(web!.smoke?.ok, true, "web's own smoke steps ran before the deploy was done");

      const release = await w.t.tonic.releases.get(w.t.actors.viewer, 'shop', deployed.body.deploy.releaseId);
      assert.equal(release.kind, 'hotfix');
      assert.deepEqual(release.services, ['api', 'web']);
      assert.deepEqual(release.notes.trim().split('\n').slice(2), [`[api] Fix #${bug.id} [critical]: Checkout charges twice`, `[web] Fix #${bug.id} [critical]: Checkout charges twice`]);
      assert.equal((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).status, 'deployed_prod');
      const [prodMessage] = await messages(w, 'hotfix.deployed');
      assert.deepEqual([prodMessage?.env, prodMessage?.version, prodMessage?.uatFollowUpNeeded], ['prod', 'v1.0.1', true]);

      // UAT ran the same version: the follow-up puts PROD's release there, in the same order.
      const followed = await w.api.request('admin', 'POST', `/api/v1/systems/shop/hotfixes/${incident.id}/uat-follow-up`, {});
      assert.equal(followed.status, 200, JSON.stringify(followed.body));
      assert.deepEqual([followed.body.uatFollowUp.mode, followed.body.uatFollowUp.status], ['update', 'done']);
      assert.deepEqual(w.envs.deploys().slice(2), ['uat api v1.0.1', 'uat web v1.0.1']);
      assert.equal(await served(w, 'uat', 'web'), 'v1.0.1');
      assert.deepEqual((await messages(w, 'hotfix.deployed')).map((m) => m.env), ['prod', 'uat']);
      assert.equal((await w.api.request('viewer', 'GET', '/api/v1/systems/shop/deploy-lock')).body.inProgress, false, 'the deploy lock is released');
    });

    test('web failing its health check on PROD: the deploy stops, web then api go back to v1.0.0; the incident is open again and the next attempt deploys', async () => {
      const w = await world();
      const { bug, incident } = await criticalWithFix(w);
      w.envs.markUnhealthy('web', 'v1.0.1');

      const failed = await w.api.request('admin', 'POST', `/api/v1/systems/shop/hotfixes/${incident.id}/deploy`, {});
      assert.equal(failed.status, 502, JSON.stringify(failed.body));
      assert.equal(failed.body.code, 'deploy_failed');
      assert.match(failed.body.detail, /^the deploy of v1\.0\.1 to PROD failed: service web: health check failed within 3 s: .*; rolled back web → api to v1\.0\.0 \(deployment \d+\); the incident is open again/);
      assert.deepEqual(w.envs.deploys(), ['prod api v1.0.1', 'prod web v1.0.1', 'prod web v1.0.0', 'prod api v1.0.0'], 'exact reverse order of what went');
      assert.equal(await served(w, 'prod', 'api'), 'v1.0.0');
      assert.equal(await served(w, 'prod', 'web'), 'v1.0.0');
      assert.equal((await recorded(w, 'prod')).version, 'v1.0.0', 'PROD never moved to v1.0.1');

      // The answer names the deployment, in its words and in its details; its record shows how far each service got.
      const deploymentId = failed.body.details.deploymentId as number;
      assert.match(failed.body.detail, new RegExp(`\\(deployment ${deploymentId}\\)`));
      const deployment = await w.t.tonic.deployments.get(w.t.actors.viewer, 'shop', deploymentId);
      assert.equal(deployment.status, 'failed');
      assert.deepEqual(statuses(deployment.services), [['api', 'rolled_back'], ['web', 'rolled_back']]);
      const [api, web] = deployment.services!.steps;
      assert.match(web!.error ?? '', /^health check failed within 3 s: http:\/\/127\.0\.0\.1:\d+\/health answered HTTP 503, expected 200$/);
      assert.ok(web!.rollback!.startedAt <= api!.rollback!.startedAt, 'web went back first');
      for (const s of [web!, api!]) assert.match(s.rollback?.detail ?? '', /^back on v1\.0\.0: .*answered 200 with v1\.0\.0/, 'each validated by its health check');

      const after = await w.t.tonic.hotfixes.get(w.t.actors.viewer, 'shop', incident.id);
      assert.deepEqual([after.status, after.deploy, after.bug.status], ['open', null, 'submitted'], 'nothing moved: the bug stays where it was');
      assert.deepEqual(await messages(w, 'hotfix.deployed'), []);
      const [message] = await messages(w, 'deploy.failed');
      assert.deepEqual([message?.env, message?.service, message?.services], ['prod', 'web', ['api', 'web']]);
      assert.match(renderMessage('deploy.failed', [message!], { language: 'en', timeZone: 'Asia/Hong_Kong', system: 'shop' }).text, /Failed service: web\nRolled back \(in order\): web ✓, api ✓ — back on v1\.0\.0/);
      assert.equal((await w.api.request('viewer', 'GET', '/api/v1/systems/shop/deploy-lock')).body.inProgress, false, 'the deploy lock is released');

      // The cause fixed (web healthy again): the next attempt goes, with the next patch number.
      w.envs.markUnhealthy('web', 'v1.0.1', false);
      const again = await w.api.request('admin', 'POST', `/api/v1/systems/shop/hotfixes/${incident.id}/deploy`, {});
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.equal(again.body.deploy.version, 'v1.0.2', 'v1.0.1 was tagged by the failed attempt');
      assert.deepEqual(w.envs.deploys().slice(4), ['prod api v1.0.2', 'prod web v1.0.2']);
      assert.equal((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).status, 'deployed_prod');
    });
  });
}

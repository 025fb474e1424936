/**
 * Post-deploy monitoring end to end, on every dialect: a real T1 run deploys through the command
 * driver to UAT (a real HTTP server), monitoring scrapes that environment's /metrics while a load
 * loop sends it traffic, and a version whose 5xx rate is high is rolled back by itself; a clean
 * version stands down after the window. Short windows: 3 s of 250 ms polls.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { DEFAULT_ROLLBACK } from '../../../src/config/load-config.ts';
import { resolveMonitoringSettings } from '../../../src/features/monitoring/monitoring-rules.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { createTestTonic, testSystem, type TestTonic } from '../../support/test-tonic.ts';

const WINDOW_MS = 3_000;
const POLL_MS = 250;
const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; base: string; fix: string; stopLoad: () => void };

/**
 * The environments' application gains GET /api/items (a bad version answers 500) and a Prometheus
 * /metrics page counting the answers it really gave, by code; a load loop sends UAT traffic.
 */
function instrument(envs: TestEnvironments): () => void {
  const counts = { uat: new Map<number, number>(), prod: new Map<number, number>() };
  envs.route('GET', '/api/items', (env, running, _req, res) => {
    const code = running?.bad ? 500 : 200;
    counts[env].set(code, (counts[env].get(code) ?? 0) + 1);
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(code === 200 ? { items: [1, 2, 3] } : { error: `items are broken in ${running?.version}` }));
  });
  envs.route('GET', '/metrics', (env, _running, _req, res) => {
    const lines = ['# HELP http_requests_total API requests by status code.', '# TYPE http_requests_total counter'];
    for (const [code, n] of counts[env]) lines.push(`http_requests_total{code="${code}"} ${n}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(lines.join('\n') + '\n');
  });
  const load = setInterval(() => {
    void fetch(`${envs.config.uat.url}/api/items`)
      .then((r) => r.text())
      .catch(() => undefined);
  }, 20);
  return () => clearInterval(load);
}

async function setup(dialect: (typeof DIALECTS)[number]): Promise<World> {
  const repo = await createTestRepo();
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('branch', 'develop');
  await repo.git('checkout', '-q', '-b', 'fix/items', base);
  const fix = await repo.commit('fix: items', { 'app.txt': APP.replace('line 3', 'line 3 fixed') });
  await repo.git('checkout', '-q', 'main');
  const envs = await startTestEnvironments();
  const stopLoad = instrument(envs);
  let t: TestTonic;
  try {
    t = await createTestTonic({
      dialect,
      now: '2026-11-26T04:00:00Z',
      systems: [
        testSystem({
          repositoryPath: repo.path,
          environments: envs.config,
          monitoring: resolveMonitoringSettings({
            windowMinutes: WINDOW_MS / 60_000,
            pollSeconds: POLL_MS / 1000,
            minRequests: 2,
            provider: { kind: 'scrape', urls: { uat: `${envs.config.uat.url}/metrics`, prod: `${envs.config.prod.url}/metrics` } },
          }),
          // The rollback is validated by a window as short as the deploy's.
          rollback: { ...DEFAULT_ROLLBACK, validationMs: WINDOW_MS },
        }),
      ],
    });
  } catch (error) {
    stopLoad();
    await envs.close();
    repo.remove();
    throw error;
  }
  await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
  await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', { version: 'v1.0.0', commit: base });
  await t.tonic.scheduler.tick();
  return { t, repo, envs, base, fix, stopLoad };
}

async function confirmedBug(w: World) {
  const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title: 'Items list wrong', description: 'steps', severity: 'medium', foundInEnv: 'prod', module: 'checkout' });
  await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { commit: w.fix });
  return w.t.tonic.bugs.confirm(w.t.actors.manager, 'shop', bug.id, { flow: 'auto' });
}

/** What the environment's server itself says it runs. */
const served = async (w: World, env: 'uat' | 'prod') => ((await (await fetch(`${w.envs.config[env].url}/health`)).json()) as { version: string }).version;

for (const dialect of DIALECTS) {
  describe(`monitoring rolls back a bad deploy of a real run (${dialect})`, () => {
    const worlds: World[] = [];
    const world = async () => {
      const w = await setup(dialect);
      worlds.push(w);
      return w;
    };
    afterEach(async () => {
      for (const w of worlds.splice(0)) {
        w.stopLoad();
        await w.t.close();
        await w.envs.close();
        w.repo.remove();
      }
    });

    test('a version whose 5xx rate is high is rolled back by itself within two polls of the first breaching sample', async () => {
      const w = await world();
      const bug = await confirmedBug(w);
      w.envs.markBad('v1.0.1');

      const run = await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1');
      assert.equal(run.status, 'failed', 'a deploy that had to be rolled back fails the run');
      assert.deepEqual(w.envs.deploys(), ['uat v1.0.1', 'uat v1.0.0']);
      assert.equal(await served(w, 'uat'), 'v1.0.0', 'UAT runs the previous version again');

      const after = await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id);
      const deployStep = after.history.find((h) => h.action === 'deploy_uat');
      assert.equal(deployStep?.from, 'planned', 'the run planned the bug, then deployed it');
      assert.equal(after.status, 'planned', 'the bug is back to the status it had right before the deploy');
      assert.deepEqual([after.history.at(-1)?.action, after.history.at(-1)?.from, after.history.at(-1)?.to, after.history.at(-1)?.actor], ['rollback', 'deployed_uat', 'planned', 'tonic']);

      const [rollback] = await w.t.tonic.rollbacks.list(w.t.actors.viewer, 'shop', { limit: 10 });
      assert.equal(rollback?.trigger, 'monitoring');
      assert.match(rollback?.reason ?? '', /monitoring after v1\.0\.1 went to uat: errorRate at [\d.]+ breached 0\.5/);
      assert.deepEqual([rollback?.deployed.version, rollback?.target.version], ['v1.0.1', 'v1.0.0']);
      assert.equal(rollback?.status, 'stable', rollback?.detail ?? JSON.stringify(rollback?.validation));

      // From the stored samples of the bad deployment's watch and the rollback's record.
      const { watches } = await w.t.tonic.monitoring.metrics(w.t.actors.viewer, 'shop', rollback!.deployed.deploymentId!);
      assert.equal(watches.length, 1);
      const [watch] = watches;
      assert.equal(watch!.outcome, 'rollback');
      const firstBreach = watch!.series.find((s) => s.errorRate !== null && s.errorRate >= 0.5);
      assert.ok(firstBreach, `a breaching sample among ${JSON.stringify(watch!.series)}`);
      const lag = Date.parse(rollback!.createdAt) - Date.parse(firstBreach.at);
      assert.ok(lag >= 0 && lag <= 2 * POLL_MS, `the rollback started ${lag} ms after the first breaching sample`);
      assert.ok(watch!.series.length < WINDOW_MS / POLL_MS, 'the watch stopped early, without waiting for the window to end');
    });

    test('a clean version stands down after the window: the run succeeds and nothing is rolled back', async () => {
      const w = await world();
      const bug = await confirmedBug(w);
      const run = await w.t.tonic.runs.runNow(w.t.actors.admin, 'shop', 't1');
      assert.equal(run.status, 'succeeded', JSON.stringify(run.report.steps));
      assert.equal(await served(w, 'uat'), 'v1.0.1');
      assert.equal((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).status, 'deployed_uat');
      assert.deepEqual(await w.t.tonic.rollbacks.list(w.t.actors.viewer, 'shop', { limit: 10 }), []);
      const deployments = await w.t.tonic.deployments.list(w.t.actors.viewer, 'shop', { limit: 10 });
      const deployed = deployments.find((d) => d.runId === run.id && d.env === 'uat');
      assert.ok(deployed, 'the run deployed to UAT');
      const { watches } = await w.t.tonic.monitoring.metrics(w.t.actors.viewer, 'shop', deployed.id);
      assert.equal(watches[0]?.outcome, 'clean', JSON.stringify(watches[0]));
      assert.equal(watches[0]?.series.length, WINDOW_MS / POLL_MS, 'the whole window was watched');
      assert.ok(watches[0]!.series.every((s) => s.errorRate === null || s.errorRate === 0));
      assert.equal((await w.t.tonic.lock.current('shop')).inProgress, false, 'stood down: the lock is released');
    });
  });
}

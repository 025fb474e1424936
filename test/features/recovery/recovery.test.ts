/**
 * Work a stopped process left under way, recovered by another instance on the same database
 * (decision record 0024), on every dialect: a real git repository, UAT and PROD as real HTTP
 * servers deployed by a real deploy command (child process), monitoring scraping the environment's
 * real /metrics page. Each instance has its own fake clock; instance A "stops" by hanging where a
 * process would die (its monitoring poll never returns, its deploy command never ends) and by its
 * clock no longer moving, so its leases lapse for B. B never touches A's work while A's lease
 * holds; once it lapsed, B closes it honestly; and when A comes back late, it changes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { openDatabase, type DatabaseHandle, type Dialect } from '../../../src/adapters/db/database.ts';
import { composeTonic, type Tonic } from '../../../src/compose.ts';
import { DEFAULT_ROLLBACK } from '../../../src/config/load-config.ts';
import { ADMIN_USERNAME, type Actor } from '../../../src/features/identity/identity-service.ts';
import { resolveMonitoringSettings } from '../../../src/features/monitoring/monitoring-rules.ts';
import { createFakeClock } from '../../../src/shared/clock.ts';
import { DomainError } from '../../../src/shared/errors.ts';
import { DIALECTS, openTestDatabase } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { eventually } from '../../support/processes.ts';
import { ADMIN_TOKEN, testSystem } from '../../support/test-tonic.ts';

const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
const START = '2026-11-26T04:00:00.000Z';
const LEASE_MS = 60_000;

type Instance = { tonic: Tonic; clock: ReturnType<typeof createFakeClock>; database: DatabaseHandle };

/** Instance A's waits: real time (its clock moving on) until it is frozen, then never (until resumed, with an error). */
function freezableSleep(clock: ReturnType<typeof createFakeClock>) {
  let frozen = false;
  const parked: ((error: Error) => void)[] = [];
  return {
    sleep: async (ms: number) => {
      if (frozen) return new Promise<void>((_, reject) => parked.push(reject));
      await new Promise((resolve) => setTimeout(resolve, ms));
      clock.advance(ms);
    },
    freeze: () => {
      frozen = true;
    },
    /** The process "comes back": the wait it hung in fails, and it goes on from there. */
    resume: () => {
      frozen = false;
      for (const reject of parked.splice(0)) reject(new Error('the wait was cut short: the process had stopped'));
    },
    parked: () => parked.length,
  };
}

type World = {
  a: Instance;
  b: Instance;
  frozenA: ReturnType<typeof freezableSleep>;
  envs: TestEnvironments;
  repo: TestRepo;
  base: string;
  admin: Actor;
  as: (role: 'manager' | 'developer' | 'viewer') => Actor;
};

async function setup(dialect: Dialect, cleanups: (() => Promise<void> | void)[]): Promise<World> {
  const repo = await createTestRepo();
  cleanups.push(() => repo.remove());
  await repo.commit('app 0.9.0', { 'app.txt': APP.replace('line 1', 'line one') });
  await repo.git('tag', '-a', 'v0.9.0', '-m', 'v0.9.0');
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('branch', 'develop');
  const envs = await startTestEnvironments({ timeoutMs: 120_000 });
  cleanups.push(async () => {
    envs.stopDeploy('uat');
    envs.stopDeploy('prod');
    await envs.close();
  });
  // The environments' /metrics: a request counter that grows, as a real service's would.
  let served = 0;
  envs.route('GET', '/metrics', (_env, _running, _req, res) => {
    served += 20;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE http_requests_total counter\nhttp_requests_total{code="200"} ${served}\n`);
  });
  const system = testSystem({
    repositoryPath: repo.path,
    environments: envs.config,
    monitoring: resolveMonitoringSettings({
      // After a deploy: one second of 200 ms polls.
      windowMinutes: 1 / 60,
      pollSeconds: 0.2,
      provider: { kind: 'scrape', urls: { uat: `${envs.config.uat.url}/metrics`, prod: `${envs.config.prod.url}/metrics` } },
    }),
    // A rollback is validated by ten minutes of monitoring: instance A stops in the middle of it.
    rollback: { ...DEFAULT_ROLLBACK, validationMs: 10 * 60_000 },
  });
  const first = await openTestDatabase(dialect);
  const second = await openDatabase({ url: first.url, poolSize: 4 });
  cleanups.push(async () => {
    await second.close();
    await first.close();
  });
  const clockA = createFakeClock(START);
  const clockB = createFakeClock(START);
  const frozenA = freezableSleep(clockA);
  const config = { file: '(test)', systems: [system] };
  const a = { tonic: composeTonic({ database: first, config, clock: clockA, home: repo.path, instance: 'instance-a', leaseMs: LEASE_MS, sleep: frozenA.sleep }), clock: clockA, database: first };
  // B's waits take real time and move its clock on by as much (as createTestTonic's do).
  const sleepB = async (ms: number) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    clockB.advance(ms);
  };
  const b = { tonic: composeTonic({ database: second, config, clock: clockB, home: repo.path, instance: 'instance-b', leaseMs: LEASE_MS, sleep: sleepB }), clock: clockB, database: second };
  await a.tonic.identity.bootstrap(ADMIN_TOKEN);
  const admin: Actor = { username: ADMIN_USERNAME, role: 'admin' };
  for (const role of ['manager', 'developer', 'viewer'] as const) await a.tonic.identity.createUser(admin, { username: role, role });
  for (const env of ['uat', 'prod'] as const) await a.tonic.environments.record(admin, 'shop', env, { version: 'v1.0.0', commit: base });
  await b.tonic.scheduler.tick(); // the scheduler starts counting slots now
  return { a, b, frozenA, envs, repo, base, admin, as: (role) => ({ username: role, role }) };
}

const messages = async (t: Tonic, event: string) =>
  (await t.outbox.list(t.db, { system: 'shop', limit: 500 }))
    .filter((m) => m.event === event)
    .reverse();
const auditOf = async (t: Tonic, action: string) => (await t.audit.list(t.db, { action, limit: 50 })).reverse();

for (const dialect of DIALECTS) {
  describe(`work left under way by a stopped instance, recovered by another (${dialect})`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    test("a manual rollback stopped in its validation: untouched while A's lease holds; then interrupted, its watch too, people told; A coming back late changes nothing", async () => {
      const w = await setup(dialect, cleanups);
      const { a, b } = w;
      const rollback = await a.tonic.rollbacks.request(w.admin, 'shop', { env: 'uat', to: 'v0.9.0', impact: 'regression', reason: 'checkout totals wrong' });
      assert.equal(rollback.status, 'validating', 'answered once UAT runs v0.9.0; the ten-minute validation goes on');
      assert.equal(w.envs.running('uat')?.version, 'v0.9.0');
      const deploymentId = rollback.rollbackDeploymentId!;
      await eventually('three samples of the validation watch', async () => ((await b.tonic.monitoring.metrics(w.as('viewer'), 'shop', deploymentId)).watches[0]?.series.length ?? 0) >= 3);
      w.frozenA.freeze();
      await eventually('instance A to hang in its watch', async () => w.frozenA.parked() === 1);
      const samples = (await b.tonic.monitoring.metrics(w.as('viewer'), 'shop', deploymentId)).watches[0]!.series.length;

      // A's lease holds: B leaves its work alone, however often it looks, up to the lease's last instant.
      b.clock.set(a.clock.now().toISOString());
      await b.tonic.scheduler.tick();
      const lock = await b.tonic.lock.current('shop');
      assert.ok(lock.inProgress && lock.instance === 'instance-a', JSON.stringify(lock));
      assert.deepEqual(await b.tonic.recovery.sweep(new Date(lock.leaseUntil)), [], 'a lease not yet lapsed is a live owner');
      assert.equal((await b.tonic.rollbacks.get(w.as('viewer'), 'shop', rollback.id)).status, 'validating');
      assert.equal((await b.tonic.monitoring.metrics(w.as('viewer'), 'shop', deploymentId)).watches[0]!.outcome, 'watching');
      assert.deepEqual(await messages(b.tonic, 'rollback.escalated'), []);

      // A stopped renewing: past its lease, B closes what it left.
      b.clock.set(new Date(Date.parse(lock.leaseUntil) + 1_000).toISOString());
      await b.tonic.scheduler.tick();
      const after = await b.tonic.rollbacks.get(w.as('viewer'), 'shop', rollback.id);
      assert.equal(after.status, 'interrupted');
      assert.match(after.detail ?? '', /^interrupted: the instance instance-a stopped renewing the deploy lock it ran under at \S+ \(process stopped or killed\)\. Next: validate uat by hand now/);
      assert.ok(after.finishedAt);
      assert.equal(after.checklist.find((c) => c.item === 'Smoke test completed after rollback')?.detail, 'not run: the rollback was interrupted before its validation');
      const [watch] = (await b.tonic.monitoring.metrics(w.as('viewer'), 'shop', deploymentId)).watches;
      assert.equal(watch!.outcome, 'interrupted', 'most of the ten minutes was never watched: no verdict');
      assert.equal(watch!.samples, samples);
      assert.match(watch!.reason ?? '', new RegExp(`^Tonic stopped while watching \\(the instance instance-a stopped renewing .*\\): ${samples} of 3000 samples, the last at \\S+; they were within bounds; the rest of the 10 min window was not watched$`));

      const [escalated] = await messages(b.tonic, 'rollback.escalated');
      assert.equal(escalated?.idempotency_key, `rollback.escalated:${rollback.id}:interrupted`);
      assert.deepEqual(escalated?.payload.done, [`uat deployed back to v0.9.0 (deployment ${deploymentId})`, 'no bug had to return to an earlier status', 'announced (rollback.executed)']);
      assert.deepEqual(escalated?.payload.notDone, ['the validation (smoke steps and the watch window) did not finish: whether uat is stable on v0.9.0 is not known']);
      assert.match(String(escalated?.payload.detail), /^the rollback of uat from v1\.0\.0 to v0\.9\.0 was cut short: the instance instance-a stopped renewing/);
      const [cut] = await messages(b.tonic, 'monitoring.interrupted');
      assert.deepEqual([cut?.payload.outcome, cut?.payload.samples, cut?.payload.expectedSamples, cut?.payload.deploymentId], ['interrupted', samples, 3000, deploymentId]);
      assert.equal((await messages(b.tonic, 'deploy.lock_expired')).length, 1, 'the lapsed lock is released and announced too');
      assert.deepEqual((await auditOf(b.tonic, 'rollback.interrupted')).map((e) => e.subject), [`rollback:${rollback.id}`]);
      assert.deepEqual((await auditOf(b.tonic, 'monitoring.interrupted')).map((e) => [e.subject, e.actor]), [[`deployment:${deploymentId}`, 'tonic']]);
      assert.match((await b.tonic.rollbacks.history(w.as('viewer'), 'shop')), new RegExp(`## Rollback ${rollback.id}: uat, v1\\.0\\.0 → v0\\.9\\.0 \\(interrupted\\)`));

      // Once closed, closed: further ticks (of either instance) announce nothing more.
      await b.tonic.scheduler.tick();
      assert.equal((await messages(b.tonic, 'rollback.escalated')).length, 1);
      assert.equal((await messages(b.tonic, 'monitoring.interrupted')).length, 1);

      // A comes back late (its wait fails): it finishes its own way, but the record stands.
      w.frozenA.resume();
      await eventually('instance A to let go of its rollback', async () => a.tonic.lock.heldHere().length === 0);
      assert.equal((await b.tonic.rollbacks.get(w.as('viewer'), 'shop', rollback.id)).status, 'interrupted');
      assert.equal((await b.tonic.monitoring.metrics(w.as('viewer'), 'shop', deploymentId)).watches[0]!.outcome, 'interrupted');
      assert.deepEqual(await messages(b.tonic, 'monitoring.unavailable'), [], 'no second verdict from the late watch');
      assert.equal((await messages(b.tonic, 'rollback.escalated')).length, 1);
      assert.equal((await b.tonic.audit.verify(b.tonic.db)).ok, true, 'one unbroken audit chain');
    });

    test('an emergency hotfix deploy and then a UAT follow-up, each stopped mid-deploy: the incident is open again, the follow-up may run again, and both go through on the next attempt', async () => {
      const w = await setup(dialect, cleanups);
      const { a, b } = w;
      const bug = await a.tonic.bugs.report(w.as('developer'), 'shop', { title: 'Payments down', description: 'all cards fail', severity: 'critical', foundInEnv: 'prod', module: 'checkout' });
      const incident = await a.tonic.hotfixes.open(w.admin, 'shop', { bugId: bug.id });
      await w.repo.git('checkout', '-q', incident.branch!);
      await w.repo.commit(`fix: bug ${bug.id}`, { 'app.txt': APP.replace('line 3', 'line 3 fixed') });
      await w.repo.git('checkout', '-q', 'main');
      await a.tonic.bugs.attachFix(w.as('developer'), 'shop', bug.id, { branch: incident.branch! });
      await a.tonic.hotfixes.notify(w.admin, 'shop', incident.id, { people: ['manager'] });

      // A's deploy to PROD hangs (its process will not come back in time).
      w.envs.hang('prod');
      const deploying = a.tonic.hotfixes.deploy(w.admin, 'shop', incident.id);
      deploying.catch(() => undefined);
      const inFlight = await eventually('the deploy to PROD to start', async () => (await b.tonic.deployments.list(w.as('viewer'), 'shop', { limit: 5 })).find((d) => d.status === 'running'));
      await eventually('its deploy command to run', async () => existsSync(join(w.envs.dir, 'prod.pid')));
      b.clock.set(a.clock.now().toISOString());
      await b.tonic.scheduler.tick();
      assert.equal((await b.tonic.hotfixes.get(w.as('viewer'), 'shop', incident.id)).status, 'deploying', "A's lease holds: its deploy is left alone");

      b.clock.set(new Date(a.clock.now().getTime() + LEASE_MS + 1_000).toISOString());
      await b.tonic.scheduler.tick();
      const reopened = await b.tonic.hotfixes.get(w.as('viewer'), 'shop', incident.id);
      assert.deepEqual([reopened.status, reopened.bug.status, reopened.deploy], ['open', 'submitted', null]);
      assert.equal((await b.tonic.deployments.get(w.as('viewer'), 'shop', inFlight.id)).status, 'unknown');
      const [told] = await messages(b.tonic, 'hotfix.interrupted');
      assert.deepEqual([told?.payload.step, told?.payload.env, told?.payload.priority, told?.payload.deployments], ['deploy', 'prod', 'P1', [inFlight.id]]);
      assert.match(String(told?.payload.reason), /^the instance instance-a stopped renewing the deploy lock it ran under/);
      assert.deepEqual((await auditOf(b.tonic, 'hotfix.deploy_interrupted')).map((e) => e.subject), [`hotfix:${incident.id}`]);

      // A's deploy command finally dies: A records nothing over B's record.
      w.envs.hang('prod', false);
      w.envs.stopDeploy('prod');
      await assert.rejects(deploying, (e: unknown) => e instanceof DomainError && e.code === 'deploy_failed');
      assert.equal((await b.tonic.hotfixes.get(w.as('viewer'), 'shop', incident.id)).status, 'open');
      assert.deepEqual(await auditOf(b.tonic, 'hotfix.deploy_failed'), [], 'the incident had already been put back');

      // The next attempt (B) deploys.
      const deployed = await b.tonic.hotfixes.deploy(w.admin, 'shop', incident.id);
      assert.deepEqual([deployed.status, deployed.deploy?.version], ['deployed', 'v1.0.2']);
      assert.equal(w.envs.running('prod')?.version, 'v1.0.2');

      // The UAT follow-up, run by A, hangs too.
      a.clock.set(b.clock.now().toISOString());
      w.envs.hang('uat');
      const following = a.tonic.hotfixes.uatFollowUp(w.admin, 'shop', incident.id, {});
      following.catch(() => undefined);
      await eventually('the follow-up to run', async () => (await b.tonic.hotfixes.get(w.as('viewer'), 'shop', incident.id)).uatFollowUp?.status === 'running');
      await eventually('its deploy to UAT to start', async () => (await b.tonic.deployments.list(w.as('viewer'), 'shop', { limit: 5 })).some((d) => d.env === 'uat' && d.status === 'running'));
      await eventually('its deploy command to run', async () => existsSync(join(w.envs.dir, 'uat.pid')));
      await b.tonic.scheduler.tick();
      assert.equal((await b.tonic.hotfixes.get(w.as('viewer'), 'shop', incident.id)).uatFollowUp?.status, 'running', "A's lease holds");
      b.clock.set(new Date(a.clock.now().getTime() + LEASE_MS + 1_000).toISOString());
      await b.tonic.scheduler.tick();
      const failed = await b.tonic.hotfixes.get(w.as('viewer'), 'shop', incident.id);
      assert.equal(failed.uatFollowUp?.status, 'failed', 'failed: it may run again');
      assert.match(failed.uatFollowUp?.error ?? '', /^interrupted: the instance instance-a stopped renewing/);
      assert.deepEqual((await messages(b.tonic, 'hotfix.interrupted')).map((m) => [m.payload.step, m.payload.env]), [
        ['deploy', 'prod'],
        ['uat_follow_up', 'uat'],
      ]);
      w.envs.hang('uat', false);
      w.envs.stopDeploy('uat');
      await assert.rejects(following);
      assert.equal((await b.tonic.hotfixes.get(w.as('viewer'), 'shop', incident.id)).uatFollowUp?.status, 'failed');

      const followed = await b.tonic.hotfixes.uatFollowUp(w.admin, 'shop', incident.id, {});
      assert.deepEqual([followed.uatFollowUp?.status, followed.uatFollowUp?.version], ['done', 'v1.0.2']);
      assert.equal(w.envs.running('uat')?.version, 'v1.0.2');
      assert.equal((await b.tonic.audit.verify(b.tonic.db)).ok, true);
    });
  });
}

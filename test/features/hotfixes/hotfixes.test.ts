/**
 * Emergency hotfixes end to end, on every dialect: a real git repository, UAT and PROD as real
 * HTTP servers deployed by a real deploy command (child process), the scheduler's tick on a fake
 * clock for the SLA warnings and the review reminder.
 * The system's zone is Asia/Hong_Kong (UTC+8); the day starts at 2026-11-26T04:00:00Z (12:00 HKT).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { parseConfig } from '../../../src/config/load-config.ts';
import { NO_FREEZE_CONFIG, type FreezeConfig } from '../../../src/features/freezes/freeze-rules.ts';
import { DomainError } from '../../../src/shared/errors.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { eventually } from '../../support/processes.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { createTestTonic, testSystem, type TestTonic } from '../../support/test-tonic.ts';

const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
const START = '2026-11-26T04:00:00.000Z';
const MINUTE = 60_000;

type World = {
  t: TestTonic;
  repo: TestRepo;
  envs: TestEnvironments;
  base: string;
  ahead: string;
  /** What the freeze feature answers now (the freezes feature is wired in its place once it lands). */
};

/** main at v1.0.0 on PROD; UAT on the same commit, or (uatAhead) on develop's v1.1.0. */
/** The system's smoke section as a user writes it (log in, then list orders), through the real config loader. */
function smokeConfigured(envs: TestEnvironments, onFailure: 'rollback' | 'alert') {
  const system = {
    name: 'shop',
    timeZone: 'Asia/Hong_Kong',
    schedule: { t1: '20:00', t2: '22:00' },
    environments: { uat: { url: envs.config.uat.url, line: 'develop' }, prod: { url: envs.config.prod.url, line: 'main' } },
    smoke: {
      onFailure,
      steps: [
        { name: 'login', request: { method: 'POST', path: '/api/login', json: { user: 'admin', password: 'secret' } }, capture: { token: '$.token' }, expect: { status: 200 } },
        { name: 'orders', request: { path: '/api/orders', headers: { Authorization: 'Bearer {{token}}' } }, expect: { status: 200 } },
      ],
    },
  };
  return { smoke: parseConfig(JSON.stringify({ systems: [system] }), 'test.yaml').systems[0]!.smoke };
}

async function setup(
  dialect: (typeof DIALECTS)[number],
  options: { uatAhead?: boolean; freeze?: FreezeConfig; now?: string; smoke?: 'rollback' | 'alert'; deployTimeoutMs?: number } = {},
): Promise<World> {
  const repo = await createTestRepo();
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('checkout', '-q', '-b', 'develop');
  const ahead = await repo.commit('feature for 1.1.0', { 'feature.txt': 'new feature\n' });
  await repo.git('tag', '-a', 'v1.1.0', '-m', 'v1.1.0');
  await repo.git('checkout', '-q', 'main');
  const envs = await startTestEnvironments(options.deployTimeoutMs ? { timeoutMs: options.deployTimeoutMs } : {});
  let t: TestTonic;
  try {
    t = await createTestTonic({
      dialect,
      now: options.now ?? START,
      systems: [
        testSystem({
          repositoryPath: repo.path,
          environments: envs.config,
          ...(options.freeze ? { freeze: options.freeze } : {}),
          ...(options.smoke ? smokeConfigured(envs, options.smoke) : {}),
        }),
      ],
    });
  } catch (error) {
    await envs.close();
    repo.remove();
    throw error;
  }
  await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
  await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', options.uatAhead ? { version: 'v1.1.0', commit: ahead } : { version: 'v1.0.0', commit: base });
  await t.tonic.scheduler.tick(); // the scheduler starts counting slots now
  return { t, repo, envs, base, ahead };
}

async function report(w: World, severity: 'low' | 'medium' | 'high' | 'critical', title = 'Checkout charges twice', module: string | null = 'checkout') {
  return w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title, description: 'customers charged twice since 11:40', severity, foundInEnv: 'prod', module });
}

/** A developer commits the fix on the hotfix branch (one line of app.txt) and attaches the branch. */
async function commitFix(w: World, branch: string, bugId: number, line = 3, text = 'line 3 fixed') {
  await w.repo.git('checkout', '-q', branch);
  const lines = APP.split('\n');
  lines[line - 1] = text;
  const sha = await w.repo.commit(`fix: bug ${bugId}`, { 'app.txt': lines.join('\n') });
  await w.repo.git('checkout', '-q', 'main');
  await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bugId, { branch });
  return sha;
}

/** Opens a hotfix for a new bug of `severity`, commits and attaches its fix. */
async function openWithFix(w: World, severity: 'high' | 'critical', module: string | null = 'checkout', line = 3) {
  const bug = await report(w, severity, `A ${severity} bug`, module);
  const incident = await w.t.tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: bug.id });
  await commitFix(w, incident.branch!, bug.id, line, `line ${line} fixed`);
  return incident;
}

async function refused(promise: Promise<unknown>, code: string, message?: RegExp): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`expected a refusal with ${code}`);
}

const messages = async (w: World, event?: string) =>
  (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 500 })).filter((m) => !event || m.event === event).reverse();

const item = (incident: { checklist: { item: string; done: boolean; by: string | null; bySystem: boolean; note: string | null }[] }, name: string) =>
  incident.checklist.find((c) => c.item === name)!;

for (const dialect of DIALECTS) {
  describe(`emergency hotfixes on ${dialect}`, () => {
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

    test('a critical bug: incident P1, branch from PROD, deploy refused until the team is told, then deployed to PROD, UAT updated, noted, closed', async () => {
      const w = await world();
      const { tonic } = w.t;
      const bug = await report(w, 'critical');
      const opened = await tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: bug.id });
      assert.equal(opened.priority, 'P1');
      assert.equal(opened.status, 'open');
      assert.equal(opened.slaDueAt, '2026-11-26T05:00:00.000Z', 'P1: one hour');
      assert.equal(opened.reviewDueAt, '2026-11-28T04:00:00.000Z', 'P1: review within 48 hours');
      assert.equal(opened.bug.status, 'submitted', 'the bug never enters the pipeline');
      assert.deepEqual(
        opened.checklist.filter((c) => c.done).map((c) => [c.item, c.by, c.bySystem]),
        [
          ['severity_confirmed', 'admin', false],
          ['review_scheduled', 'tonic', true],
        ],
      );
      // The hotfix branch starts at PROD's commit.
      assert.equal(opened.branch, `hotfix/${opened.id}-bug-${bug.id}`);
      assert.equal(await w.repo.git('rev-parse', opened.branch!), w.base);

      const fix = await commitFix(w, opened.branch!, bug.id);

      await refused(tonic.hotfixes.deploy(w.t.actors.admin, 'shop', opened.id), 'team_not_notified', /nobody has been notified yet/);
      assert.equal(w.envs.running('prod'), null, 'nothing deployed');
      const notified = await tonic.hotfixes.notify(w.t.actors.admin, 'shop', opened.id, { people: ['manager'] });
      assert.deepEqual(item(notified, 'team_notified'), { ...item(notified, 'team_notified'), done: true, by: 'tonic', bySystem: true });
      assert.equal(notified.gate.teamNotified, true);

      w.t.clock.set('2026-11-26T04:35:00Z');
      const deployed = await tonic.hotfixes.deploy(w.t.actors.admin, 'shop', opened.id);
      assert.equal(deployed.status, 'deployed');
      assert.equal(deployed.deploy?.mode, 'driver');
      assert.equal(deployed.deploy?.version, 'v1.0.1', "patch bump of PROD's v1.0.0");
      assert.deepEqual(w.envs.running('prod'), { version: 'v1.0.1', commit: deployed.deploy!.commit, bad: false });
      assert.equal(w.envs.running('uat'), null, 'UAT untouched by the PROD deploy');
      assert.match(await w.repo.git('show', 'v1.0.1:app.txt'), /line 3 fixed/);
      assert.equal(await w.repo.git('rev-parse', 'v1.0.1^{commit}^'), w.base, 'the release is PROD commit + the fix');
      assert.match(await w.repo.git('show', '-s', '--format=%B', 'v1.0.1^{commit}'), new RegExp(`cherry picked from commit ${fix}`));
      const release = await tonic.releases.get(w.t.actors.viewer, 'shop', deployed.deploy!.releaseId!);
      assert.equal(release.kind, 'hotfix');
      assert.equal(release.runId, null);

      const shown = await tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id);
      assert.equal(shown.status, 'deployed_prod');
      assert.match(shown.aiFixDiff ?? '', /\+line 3 fixed/);
      assert.equal(shown.releaseId, release.id);
      assert.deepEqual(
        shown.history.map((h) => [h.action, h.to]),
        [
          ['report', 'submitted'],
          ['hotfix_opened', 'submitted'],
          ['attach_fix', 'submitted'],
          ['hotfix_deploy', 'deployed_prod'],
        ],
      );
      assert.equal(shown.history.at(-1)?.actor, 'admin');
      for (const done of ['bug_status_updated', 'stakeholders_notified']) assert.equal(item(deployed, done).bySystem, true, done);
      assert.deepEqual(deployed.uatFollowUp && [deployed.uatFollowUp.mode, deployed.uatFollowUp.status], ['update', 'pending']);

      const [sent] = await messages(w, 'hotfix.deployed');
      assert.deepEqual(
        { ...sent!.payload },
        {
          incidentId: opened.id,
          bugId: bug.id,
          title: 'Checkout charges twice',
          severity: 'critical',
          priority: 'P1',
          env: 'prod',
          at: '2026-11-26T04:35:00.000Z',
          by: 'admin',
          version: 'v1.0.1',
          commit: deployed.deploy!.commit,
          mode: 'driver',
          uatFollowUpNeeded: true,
          uatFollowUp: 'update',
          slaDueAt: '2026-11-26T05:00:00.000Z',
          minutesPastSla: -25,
        },
      );
      const opening = (await messages(w, 'hotfix.opened'))[0]!.payload;
      assert.deepEqual([opening.priority, opening.env, opening.slaDueAt], ['P1', 'prod', '2026-11-26T05:00:00.000Z']);
      assert.deepEqual((await messages(w, 'hotfix.team_notified'))[0]!.payload.people, ['manager']);

      // UAT ran the same version: the follow-up puts PROD's release on UAT.
      const followed = await tonic.hotfixes.uatFollowUp(w.t.actors.admin, 'shop', opened.id, {});
      assert.deepEqual([followed.uatFollowUp?.mode, followed.uatFollowUp?.status, followed.uatFollowUp?.version], ['update', 'done', 'v1.0.1']);
      assert.deepEqual(w.envs.running('uat'), w.envs.running('prod'));
      assert.equal(item(followed, 'uat_updated').bySystem, true);
      assert.deepEqual((await messages(w, 'hotfix.deployed')).map((m) => [m.payload.env, m.payload.uatFollowUpNeeded]), [
        ['prod', true],
        ['uat', false],
      ]);
      await refused(tonic.hotfixes.uatFollowUp(w.t.actors.admin, 'shop', opened.id, {}), 'conflict', /already updated/);

      const validated = await tonic.hotfixes.tick(w.t.actors.manager, 'shop', opened.id, 'deployed_within_sla', {});
      assert.match(item(validated, 'deployed_within_sla').note ?? '', /within the P1 SLA/);
      assert.equal(validated.slaStoppedAt, '2026-11-26T04:35:00.000Z');

      await refused(tonic.hotfixes.close(w.t.actors.admin, 'shop', opened.id), 'note_required', /post-incident note/);
      await refused(tonic.hotfixes.note(w.t.actors.manager, 'shop', opened.id, { rootCause: ' ', fixSummary: 'retry guard' }), 'validation_failed', /rootCause/);
      const noted = await tonic.hotfixes.note(w.t.actors.manager, 'shop', opened.id, { rootCause: 'payment retry without idempotency key', fixSummary: 'send the order id as idempotency key' });
      assert.equal(item(noted, 'incident_note').by, 'manager');
      const onBug = (await tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).history.at(-1)!;
      assert.deepEqual([onBug.action, onBug.data?.rootCause], ['incident_note', 'payment retry without idempotency key']);
      const closed = await tonic.hotfixes.close(w.t.actors.admin, 'shop', opened.id);
      assert.equal(closed.status, 'closed');
      assert.equal((await tonic.audit.verify(tonic.db)).ok, true);
    });

    test('a deploy that fails on PROD leaves the bug submitted and the incident open; the next attempt deploys', async () => {
      const w = await world();
      const { tonic } = w.t;
      const incident = await openWithFix(w, 'critical');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', incident.id, { people: ['manager'] });
      w.envs.failNext('prod');
      const error = await refused(tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id), 'deploy_failed', /the deploy of v1\.0\.1 to PROD failed: .*exit/);
      const deploymentId = error.details?.deploymentId as number;
      assert.equal((await tonic.deployments.get(w.t.actors.viewer, 'shop', deploymentId)).status, 'failed');
      const after = await tonic.hotfixes.get(w.t.actors.viewer, 'shop', incident.id);
      assert.deepEqual([after.status, after.deploy, after.bug.status], ['open', null, 'submitted']);
      assert.equal(w.envs.running('prod'), null);
      assert.deepEqual(await messages(w, 'hotfix.deployed'), []);
      w.envs.failNext('prod', false);
      const deployed = await tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id);
      assert.equal(deployed.deploy?.version, 'v1.0.2', 'v1.0.1 was tagged by the failed attempt: the next patch number');
      assert.equal(w.envs.running('prod')?.version, 'v1.0.2');
      assert.equal(deployed.bug.status, 'deployed_prod');
    });

    test('a low or medium bug is refused with the reason, and nothing is opened', async () => {
      const w = await world();
      for (const severity of ['low', 'medium'] as const) {
        const bug = await report(w, severity);
        await refused(w.t.tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: bug.id }), 'severity_requires_pipeline', new RegExp(`bug ${bug.id} is ${severity}: .*Confirm it into the pipeline`));
        assert.equal((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).history.length, 1);
      }
      assert.deepEqual(await w.t.tonic.hotfixes.list(w.t.actors.viewer, 'shop', { limit: 50 }), []);
      assert.deepEqual(await messages(w, 'hotfix.opened'), []);
      // Only an admin opens one.
      const high = await report(w, 'high');
      await refused(w.t.tonic.hotfixes.open(w.t.actors.manager, 'shop', { bugId: high.id }), 'forbidden');
    });

    test('UAT ahead of PROD: the follow-up cherry-picks the fix onto the UAT line, builds and deploys UAT', async () => {
      const w = await world({ uatAhead: true });
      const { tonic } = w.t;
      const incident = await openWithFix(w, 'high');
      assert.equal(incident.priority, 'P2');
      assert.equal(incident.slaDueAt, '2026-11-26T08:00:00.000Z', 'P2: four hours');
      assert.equal(incident.reviewDueAt, null, 'P2: no review by default');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', incident.id, {});
      const deployed = await tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id);
      assert.equal(deployed.deploy?.version, 'v1.0.1');
      assert.deepEqual([deployed.uatFollowUp?.mode, deployed.uatFollowUp?.status], ['cherry_pick', 'pending']);
      assert.match(deployed.uatFollowUp?.reason ?? '', /UAT is ahead/);
      assert.equal(w.envs.running('uat'), null);

      const followed = await tonic.hotfixes.uatFollowUp(w.t.actors.admin, 'shop', incident.id, {});
      assert.deepEqual([followed.uatFollowUp?.mode, followed.uatFollowUp?.status, followed.uatFollowUp?.version], ['cherry_pick', 'done', 'v1.1.1']);
      assert.equal(w.envs.running('uat')?.version, 'v1.1.1');
      assert.equal(w.envs.running('prod')?.version, 'v1.0.1', 'PROD keeps the hotfix');
      assert.equal(await w.repo.git('rev-parse', 'v1.1.1^{commit}^'), w.ahead, "built on what UAT ran");
      assert.match(await w.repo.git('show', 'v1.1.1:app.txt'), /line 3 fixed/);
      assert.equal(await w.repo.git('show', 'v1.1.1:feature.txt'), 'new feature', "UAT keeps what it had ahead of PROD");
      const uatRelease = await tonic.releases.get(w.t.actors.viewer, 'shop', followed.uatFollowUp!.releaseId!);
      assert.equal(uatRelease.kind, 'hotfix_uat');
      const bug = await tonic.bugs.get(w.t.actors.viewer, 'shop', incident.bugId);
      assert.equal(bug.status, 'deployed_prod');
      assert.equal(bug.history.at(-1)?.action, 'hotfix_uat_updated');
      assert.deepEqual(w.envs.deploys(), ['prod v1.0.1', 'uat v1.1.1']);
    });

    test('SLA warnings at 50 % and 100 % fire from the scheduler tick on the fake clock, once each; the second escalates', async () => {
      const w = await world();
      const { tonic } = w.t;
      const p1 = await tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: (await report(w, 'critical', 'Login down')).id });
      w.t.clock.set('2026-11-26T04:10:00Z');
      const p2 = await tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: (await report(w, 'high', 'Export slow')).id });
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', p1.id, { people: ['manager'] });
      const warnings = async () => (await messages(w, 'hotfix.sla_warning')).map((m) => [m.payload.incidentId, m.payload.percent]);
      const at = async (iso: string) => {
        w.t.clock.set(iso);
        await tonic.scheduler.tick();
      };

      await at('2026-11-26T04:29:59Z');
      assert.deepEqual(await warnings(), []);
      await at('2026-11-26T04:30:00Z'); // half of P1's hour
      assert.deepEqual(await warnings(), [[p1.id, 50]]);
      await at('2026-11-26T04:45:00Z');
      assert.deepEqual(await warnings(), [[p1.id, 50]], 'each warning once');
      await at('2026-11-26T05:00:00Z'); // P1's SLA is over
      assert.deepEqual(await warnings(), [
        [p1.id, 50],
        [p1.id, 100],
      ]);
      const [half, breached] = (await messages(w, 'hotfix.sla_warning')).map((m) => m.payload);
      assert.deepEqual([half!.escalate, half!.people], [false, ['admin', 'manager']]);
      assert.deepEqual([breached!.escalate, breached!.level, breached!.slaDueAt, breached!.priority], [true, 'breached', '2026-11-26T05:00:00.000Z', 'P1']);
      assert.ok((breached!.people as string[]).includes('cto'), 'the breach escalates to the ctos');

      // P2 (4 h from 04:10): the server was down past both instants; the next tick sends both, in order.
      await at('2026-11-26T08:30:00Z');
      assert.deepEqual((await warnings()).slice(2), [
        [p2.id, 50],
        [p2.id, 100],
      ]);
      await at('2026-11-26T09:00:00Z');
      assert.equal((await warnings()).length, 4);
      assert.equal((await tonic.hotfixes.get(w.t.actors.viewer, 'shop', p2.id)).slaWarned, 100);
    });

    test('the SLA clock stops when the fix is deployed and validated: no warning after', async () => {
      const w = await world();
      const { tonic } = w.t;
      const incident = await openWithFix(w, 'critical');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', incident.id, { people: ['manager'] });
      w.t.clock.set('2026-11-26T04:20:00Z');
      await tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id);
      await refused(tonic.hotfixes.tick(w.t.actors.developer, 'shop', incident.id, 'deployed_within_sla', {}), 'forbidden');
      await tonic.hotfixes.tick(w.t.actors.manager, 'shop', incident.id, 'deployed_within_sla', { note: 'checkout works' });
      for (const iso of ['2026-11-26T04:30:00Z', '2026-11-26T05:00:00Z', '2026-11-26T09:00:00Z']) {
        w.t.clock.set(iso);
        await tonic.scheduler.tick();
      }
      assert.deepEqual(await messages(w, 'hotfix.sla_warning'), []);
    });

    test('a P1 incident review is due within 48 hours: the reminder fires once when due, and not once the review was held', async () => {
      const w = await world();
      const { tonic } = w.t;
      const first = await tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: (await report(w, 'critical', 'Login down')).id });
      const second = await tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: (await report(w, 'critical', 'Search down')).id });
      const p2 = await tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: (await report(w, 'high', 'Export slow')).id });
      assert.equal(p2.reviewDueAt, null);
      assert.equal(item(first, 'review_scheduled').note, 'incident review due by 2026-11-28 12:00 GMT+8');
      const reminders = async () => (await messages(w, 'hotfix.review_due')).map((m) => m.payload);
      for (let hour = 1; hour < 48; hour += 1) {
        w.t.clock.set(new Date(Date.parse(START) + hour * 60 * MINUTE));
        await tonic.scheduler.tick();
      }
      assert.deepEqual(await reminders(), []);
      w.t.clock.set('2026-11-28T03:30:00Z');
      await tonic.hotfixes.reviewHeld(w.t.actors.manager, 'shop', second.id, { summary: 'held early' });
      w.t.clock.set('2026-11-28T04:00:00Z');
      await tonic.scheduler.tick();
      w.t.clock.set('2026-11-28T05:00:00Z');
      await tonic.scheduler.tick();
      assert.deepEqual(await reminders(), [{ incidentId: first.id, bugId: first.bugId, title: 'Login down', priority: 'P1', reviewDueAt: '2026-11-28T04:00:00.000Z' }]);
      assert.equal((await tonic.hotfixes.get(w.t.actors.viewer, 'shop', first.id)).review.remindedAt, '2026-11-28T04:00:00.000Z');
    });

    test('in a freeze: one approver is refused, the same person twice is refused, two different people let it go; out of a freeze none is needed', async () => {
      const w = await world();
      const { tonic } = w.t;
      const incident = await openWithFix(w, 'critical', 'financial');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', incident.id, { people: ['manager', 'cto'] });
      const declared = await tonic.freezes.declare(w.t.actors.admin, 'shop', { end: '2026-12-01', modules: ['financial'], reason: 'month-end financial close' });
      const gate = (await tonic.hotfixes.get(w.t.actors.viewer, 'shop', incident.id)).gate;
      assert.deepEqual([gate.freeze.frozen, gate.approval.ok], [true, false]);
      assert.match(gate.freeze.why ?? '', /module financial is frozen .*month-end financial close/);

      await refused(tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id), 'approval_required', /two different people.*none so far/);
      await tonic.hotfixes.approve(w.t.actors.admin, 'shop', incident.id, {});
      await refused(tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id), 'approval_required', /approved by: admin \(admin\)/);
      await refused(tonic.hotfixes.approve(w.t.actors.admin, 'shop', incident.id, {}), 'duplicate_approval', /already approved/);
      await refused(tonic.hotfixes.approve(w.t.actors.developer, 'shop', incident.id, {}), 'forbidden');
      assert.equal(w.envs.running('prod'), null);
      const approved = await tonic.hotfixes.approve(w.t.actors.manager, 'shop', incident.id, { note: 'checked the diff' });
      assert.deepEqual(approved.approvals.map((a) => a.approver), ['admin', 'manager']);
      assert.equal(approved.gate.approval.ok, true);
      const deployed = await tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id);
      assert.equal(deployed.status, 'deployed');
      assert.equal(w.envs.running('prod')?.version, 'v1.0.1');

      // A module freeze does not hold a bug of another module; no freeze, no approval needed.
      const other = await openWithFix(w, 'high', 'checkout', 5);
      assert.equal(await w.repo.git('rev-parse', other.branch!.concat('^')), deployed.deploy!.commit, "the next hotfix branch starts at what PROD runs now");
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', other.id, { people: ['manager'] });
      assert.equal((await tonic.hotfixes.get(w.t.actors.viewer, 'shop', other.id)).gate.approval.ok, true);
      await tonic.freezes.lift(w.t.actors.admin, 'shop', declared.id);
      assert.match((await tonic.hotfixes.get(w.t.actors.viewer, 'shop', other.id)).gate.approval.reason, /no freeze/);
    });

    test('the Lunar New Year freeze: only P1 goes, and only with a cto among two approvers', async () => {
      // 2027-02-07 (Hong Kong) is the second day of the Lunar New Year: the system freezes its first three.
      const w = await world({ freeze: { ...NO_FREEZE_CONFIG, lunarNewYear: { days: 3 } }, now: '2027-02-07T02:00:00Z' });
      const { tonic } = w.t;
      assert.equal((await tonic.freezes.at('shop', w.t.clock.now())).lunarNewYear, true);
      const p2 = await openWithFix(w, 'high');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', p2.id, { people: ['manager'] });
      await tonic.hotfixes.approve(w.t.actors.admin, 'shop', p2.id, {});
      await tonic.hotfixes.approve(w.t.actors.cto, 'shop', p2.id, {});
      await refused(tonic.hotfixes.deploy(w.t.actors.admin, 'shop', p2.id), 'approval_required', /only P1 hotfixes may go, and this one is P2/);

      const p1 = await tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: (await report(w, 'critical', 'Payments down')).id });
      await commitFix(w, p1.branch!, p1.bugId, 7, 'line 7 fixed');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', p1.id, { people: ['manager'] });
      await tonic.hotfixes.approve(w.t.actors.admin, 'shop', p1.id, {});
      await tonic.hotfixes.approve(w.t.actors.manager, 'shop', p1.id, {});
      await refused(tonic.hotfixes.deploy(w.t.actors.admin, 'shop', p1.id), 'approval_required', /needs a cto's sign-off/);
      await tonic.hotfixes.approve(w.t.actors.cto, 'shop', p1.id, {});
      const deployed = await tonic.hotfixes.deploy(w.t.actors.admin, 'shop', p1.id);
      assert.equal(deployed.status, 'deployed');
      assert.match(await w.repo.git('show', `${deployed.deploy!.version}:app.txt`), /line 7 fixed/);
    });

    test('a deploy done by hand is recorded with its commit and diff, under the same rules', async () => {
      const w = await world({ uatAhead: true });
      const { tonic } = w.t;
      const incident = await tonic.hotfixes.open(w.t.actors.admin, 'shop', { bugId: (await report(w, 'critical')).id });
      await w.repo.git('checkout', '-q', incident.branch!);
      const handFix = await w.repo.commit('hand fix', { 'app.txt': APP.replace('line 9', 'line 9 fixed by hand') });
      await w.repo.git('checkout', '-q', 'main');
      await refused(tonic.hotfixes.recordDeploy(w.t.actors.admin, 'shop', incident.id, { commit: handFix, version: 'v1.0.1-hf' }), 'team_not_notified');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', incident.id, { people: ['cto'] });
      await refused(tonic.hotfixes.recordDeploy(w.t.actors.admin, 'shop', incident.id, { commit: 'abcdef1234' }), 'unknown_commit');
      const recorded = await tonic.hotfixes.recordDeploy(w.t.actors.admin, 'shop', incident.id, { commit: handFix.slice(0, 12), version: 'v1.0.1-hf' });
      assert.deepEqual([recorded.deploy?.mode, recorded.deploy?.commit, recorded.deploy?.releaseId], ['manual', handFix, null]);
      const envs = await tonic.environments.describe(w.t.actors.viewer, 'shop');
      const prod = envs.environments.find((e) => e.env === 'prod')!;
      assert.deepEqual([prod.version, prod.commit], ['v1.0.1-hf', handFix]);
      const bug = await tonic.bugs.get(w.t.actors.viewer, 'shop', incident.bugId);
      assert.equal(bug.status, 'deployed_prod');
      assert.match(bug.aiFixDiff ?? '', /\+line 9 fixed by hand/);
      assert.equal(w.envs.deploys().length, 0, 'no driver ran');
      // UAT was ahead: cherry-pick needs the fix's commits, which a hand deploy did not attach.
      await refused(tonic.hotfixes.uatFollowUp(w.t.actors.admin, 'shop', incident.id, {}), 'validation_failed', /no fix commits are known/);
      const failed = await tonic.hotfixes.get(w.t.actors.viewer, 'shop', incident.id);
      assert.equal(failed.uatFollowUp?.status, 'failed');
      const byHand = await tonic.hotfixes.uatFollowUp(w.t.actors.admin, 'shop', incident.id, { commit: w.ahead, version: 'v1.1.0-hf' });
      assert.deepEqual([byHand.uatFollowUp?.status, byHand.uatFollowUp?.byHand], ['done', true]);
    });

    test('one deploy at a time: a hotfix deploy (and its UAT follow-up) is refused while a rollback or a T2 run holds the deploy lock, naming who and what', async () => {
      const w = await world({ deployTimeoutMs: 2_000 });
      const { tonic } = w.t;
      const incident = await openWithFix(w, 'critical');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', incident.id, { people: ['manager'] });

      // A real rollback of PROD holds the lock while its deploy hangs (until the driver's 2 s timeout).
      w.envs.hang('prod');
      const rollback = tonic.rollbacks.request(w.t.actors.admin, 'shop', { env: 'prod', to: 'v1.1.0', impact: 'regression', reason: 'orders fail' });
      await eventually('the rollback holds the lock', async () => {
        const state = await tonic.lock.current('shop');
        return state.inProgress && /^rollback \d+/.test(state.purpose) ? state : null;
      });
      const byRollback = await refused(tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id), 'deploy_in_progress', /^admin is deploying rollback \d+ \(prod: v1\.0\.0 → v1\.1\.0\) since 2026-11-26 12:00/);
      assert.equal(byRollback.details?.holder, 'admin');
      const still = await tonic.hotfixes.get(w.t.actors.viewer, 'shop', incident.id);
      assert.equal(still.status, 'open', 'a refused deploy leaves the incident as it was');
      assert.equal(still.deploy, null);
      await rollback.catch(() => undefined);
      w.envs.hang('prod', false);
      assert.equal((await tonic.lock.current('shop')).inProgress, false);
      await tonic.environments.record(w.t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: w.base });

      // A T2 run holds the lock as the pipeline does (holder tonic, the run's purpose).
      let finish!: () => void;
      const t2 = tonic.lock.withLock({ system: 'shop', holder: 'tonic', purpose: 'T2 run 12: v1.0.1 to prod', runId: null }, () => new Promise<void>((ok) => (finish = ok)));
      await eventually('the T2 run holds the lock', async () => (await tonic.lock.current('shop')).inProgress);
      try {
        await refused(tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id), 'deploy_in_progress', /^tonic is deploying T2 run 12: v1\.0\.1 to prod since /);
      } finally {
        finish();
        await t2;
      }
      const deployed = await tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id);
      assert.equal(deployed.status, 'deployed');
      assert.equal((await tonic.lock.current('shop')).inProgress, false, 'released after the deploy');

      // The UAT follow-up takes the lock for its whole deploy too.
      let release!: () => void;
      const other = tonic.lock.withLock({ system: 'shop', holder: 'alice', purpose: 'rollback 9' }, () => new Promise<void>((ok) => (release = ok)));
      await eventually('alice holds the lock', async () => (await tonic.lock.current('shop')).inProgress);
      try {
        await refused(tonic.hotfixes.uatFollowUp(w.t.actors.admin, 'shop', incident.id, {}), 'deploy_in_progress', /^alice is deploying rollback 9/);
      } finally {
        release();
        await other;
      }
      const pending = await tonic.hotfixes.get(w.t.actors.viewer, 'shop', incident.id);
      assert.equal(pending.uatFollowUp?.status, 'pending', 'refused before it started');
      const done = await tonic.hotfixes.uatFollowUp(w.t.actors.admin, 'shop', incident.id, {});
      assert.equal(done.uatFollowUp?.status, 'done');
    });

    test('smoke runs right after a hotfix deploy: passed, the checklist item is ticked by the system', async () => {
      const w = await world({ smoke: 'rollback' });
      const { tonic } = w.t;
      const incident = await openWithFix(w, 'critical');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', incident.id, { people: ['manager'] });
      const deployed = await tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id);
      assert.equal(deployed.status, 'deployed');
      const smoke = item(deployed, 'smoke_test');
      assert.deepEqual([smoke.done, smoke.by, smoke.bySystem], [true, 'tonic', true]);
      assert.match(smoke.note ?? '', /smoke passed 2\/2 steps on PROD after v1\.0\.1/);
      assert.deepEqual([deployed.deploy?.postDeploy?.outcome, deployed.deploy?.postDeploy?.smoke], ['clean', { ok: true, passed: 2, steps: 2 }]);
      const [deployment] = await tonic.deployments.list(w.t.actors.viewer, 'shop', { limit: 1 });
      assert.equal(deployment?.id, deployed.deploy?.deploymentId);
      assert.deepEqual(deployment?.smoke?.steps.map((s) => [s.name, s.result]), [['login', 'pass'], ['orders', 'pass']], 'the steps ran against PROD for real');
      assert.deepEqual(await tonic.rollbacks.list(w.t.actors.viewer, 'shop', { limit: 10 }), []);
    });

    test('a bad hotfix version fails smoke on PROD and is rolled back per smoke.onFailure; the incident records it and is open again', async () => {
      const w = await world({ smoke: 'rollback' });
      const { tonic } = w.t;
      const incident = await openWithFix(w, 'critical');
      await tonic.hotfixes.notify(w.t.actors.admin, 'shop', incident.id, { people: ['manager'] });
      w.envs.markBad('v1.0.1');
      const after = await tonic.hotfixes.deploy(w.t.actors.admin, 'shop', incident.id);
      assert.deepEqual(w.envs.deploys(), ['prod v1.0.1', 'prod v1.0.0']);
      assert.equal(w.envs.running('prod')?.version, 'v1.0.0', 'PROD runs what it ran before the hotfix');
      assert.equal(after.status, 'open', 'open again: fix the cause and deploy again');
      assert.equal(after.uatFollowUp, null, 'nothing to follow up on UAT');
      assert.equal(item(after, 'smoke_test').done, false);
      const [rollback] = await tonic.rollbacks.list(w.t.actors.viewer, 'shop', { limit: 10 });
      assert.equal(rollback?.trigger, 'smoke');
      assert.deepEqual([rollback?.deployed.version, rollback?.target.version], ['v1.0.1', 'v1.0.0']);
      assert.deepEqual(after.deploy?.postDeploy && [after.deploy.postDeploy.outcome, after.deploy.postDeploy.rollbackId, after.deploy.postDeploy.smoke?.ok], ['rolled_back', rollback?.id, false]);
      assert.match(after.deploy?.postDeploy?.detail ?? '', /smoke step "orders" failed after v1\.0\.1 went to prod: expected status 200, got status 500/);
      const bug = await tonic.bugs.get(w.t.actors.viewer, 'shop', incident.bug.id);
      assert.equal(bug.status, 'submitted', 'back where the hotfix took it from');
      assert.deepEqual([bug.history.at(-1)?.action, bug.history.at(-1)?.from, bug.history.at(-1)?.to], ['rollback', 'deployed_prod', 'submitted']);
      assert.equal((await messages(w, 'smoke.failed')).length, 1);
      assert.equal((await messages(w, 'rollback.executed')).length, 1);
      assert.equal((await tonic.lock.current('shop')).inProgress, false);

    });
  });
}

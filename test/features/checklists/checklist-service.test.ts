/**
 * The pre-deploy checklist as a use case and as the gate of T1 and T2, on every dialect: stored
 * reports, the on-call "deploy tonight" acknowledgement over a simulated evening (fake clock,
 * scheduler ticks), and runs that a blocking failure stops before anything deploys (real git
 * repository, real deploy command, real health checks). Hong Kong: T1 20:00 is 12:00Z, T2 22:00 is 14:00Z.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import type { SystemConfig } from '../../../src/config/load-config.ts';
import { normaliseChecklist, type ChecklistInput } from '../../../src/features/checklists/checklist-config.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { freePort } from '../../support/processes.ts';
import { createTestTonic, testSystem, type TestTonic } from '../../support/test-tonic.ts';

const HOUR = 3_600_000;
const APP = 'line 1\nline 2\nline 3\n';

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; dir: string; base: string; backup: string };

/** A backup file whose modification time is `ageMs` before `now`. */
function ageBackup(path: string, now: string, ageMs: number): void {
  writeFileSync(path, 'dump');
  const when = new Date(new Date(now).getTime() - ageMs);
  utimesSync(path, when, when);
}

for (const dialect of DIALECTS) {
  describe(`the pre-deploy checklist on ${dialect}`, () => {
    const worlds: World[] = [];
    afterEach(async () => {
      for (const w of worlds.splice(0)) {
        await w.t.close();
        await w.envs.close();
        w.repo.remove();
        rmSync(w.dir, { recursive: true, force: true });
      }
    });

    /** shop at v1.0.0 on UAT and PROD, with `checklist` (a function of the world's folder and backup file). */
    async function world(checklist: (dir: string, backup: string) => ChecklistInput, options: { now?: string; system?: Partial<SystemConfig> } = {}): Promise<World> {
      const now = options.now ?? '2026-11-26T04:00:00Z';
      const dir = mkdtempSync(join(tmpdir(), 'tonic-checklist-'));
      const backup = join(dir, 'shop.dump');
      ageBackup(backup, now, 2 * HOUR);
      const repo = await createTestRepo();
      const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
      await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
      const envs = await startTestEnvironments();
      let t: TestTonic;
      try {
        const system = testSystem({ repositoryPath: repo.path, environments: envs.config, checklist: normaliseChecklist(checklist(dir, backup), dir), ...options.system });
        t = await createTestTonic({ dialect, now, systems: [system] });
      } catch (error) {
        await envs.close();
        repo.remove();
        throw error;
      }
      for (const env of ['uat', 'prod'] as const) await t.tonic.environments.record(t.actors.admin, 'shop', env, { version: 'v1.0.0', commit: base });
      await t.tonic.scheduler.tick(); // the scheduler counts slots from here
      const w = { t, repo, envs, dir, base, backup };
      worlds.push(w);
      return w;
    }

    async function confirmedBugWithFix(w: World, title = 'Checkout total wrong') {
      await w.repo.git('checkout', '-q', '-b', `fix/${worlds.length}-${Math.random().toString(36).slice(2, 6)}`, w.base);
      const fix = await w.repo.commit(`fix: ${title}`, { 'app.txt': APP.replace('line 2', 'line 2 fixed') });
      await w.repo.git('checkout', '-q', 'main');
      const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title, description: 'steps', severity: 'medium', foundInEnv: 'uat', module: 'checkout' });
      await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { commit: fix });
      return w.t.tonic.bugs.confirm(w.t.actors.manager, 'shop', bug.id, { flow: 'auto' });
    }

    const tickAt = (w: World, iso: string) => {
      w.t.clock.set(iso);
      return w.t.tonic.scheduler.tick();
    };
    const messages = async (w: World, event: string) => (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 500 })).filter((m) => m.event === event);
    const recorded = async (w: World, env: 'uat' | 'prod') => (await w.t.tonic.environments.describe(w.t.actors.viewer, 'shop')).environments.find((e) => e.env === env)!;

    test('run now: the report is stored with each item, what was not checked, and an audit event; nothing is announced', async () => {
      const w = await world((_dir, backup) => ({ backup: { file: backup }, rollbackPath: {}, freeze: {} }));
      const report = await w.t.tonic.checklists.checkNow(w.t.actors.manager, 'shop');
      assert.equal(report.env, 'uat', 'the next slot is T1 (20:00 HKT), which deploys to UAT');
      assert.equal(report.slot, 't1');
      assert.equal(report.slotAt, '2026-11-26T12:00:00.000Z');
      assert.equal(report.verdict, 'pass', JSON.stringify(report.items));
      assert.deepEqual(report.items.map((i) => [i.probe, i.result, i.mode]), [['backup', 'pass', 'block'], ['freeze', 'pass', 'block'], ['rollbackPath', 'pass', 'block']]);
      assert.match(report.items[2]!.evidence.detail, /^UAT runs v1\.0\.0 \([0-9a-f]{10}\); the tag exists/);
      assert.deepEqual(report.notChecked, ['monitoring', 'onCall', 'dependencies', 'headroom']);
      assert.deepEqual(await w.t.tonic.checklists.get(w.t.actors.viewer, 'shop', report.id), report);
      const prod = await w.t.tonic.checklists.checkNow(w.t.actors.admin, 'shop', { env: 'prod' });
      assert.deepEqual([prod.env, prod.slot, prod.slotAt], ['prod', 't2', '2026-11-26T14:00:00.000Z']);
      assert.deepEqual((await w.t.tonic.checklists.list(w.t.actors.viewer, 'shop', { limit: 10 })).map((c) => c.id), [prod.id, report.id]);
      const events = await w.t.tonic.audit.list(w.t.tonic.db, { stream: 'shop', limit: 50 });
      assert.ok(events.some((e) => e.action === 'checklist.completed' && e.subject === `checklist:${report.id}` && e.actor === 'manager'));
      assert.deepEqual(await messages(w, 'checklist.failed'), []);
      await assert.rejects(w.t.tonic.checklists.checkNow(w.t.actors.viewer, 'shop'), { code: 'forbidden' });
      assert.equal((await w.t.tonic.audit.verify(w.t.tonic.db)).ok, true);
    });

    test('a tag that does not exist, and a probe that runs over its time: failures that say what happened', async () => {
      const w = await world(() => ({ rollbackPath: {}, headroom: { command: ['sleep', '30'], timeoutSeconds: 1 } }));
      await w.t.tonic.environments.record(w.t.actors.admin, 'shop', 'prod', { version: 'v0.9.9', commit: w.base });
      const report = await w.t.tonic.checklists.checkNow(w.t.actors.admin, 'shop', { env: 'prod' });
      assert.equal(report.verdict, 'blocked');
      const [headroom, rollback] = [report.items.find((i) => i.probe === 'headroom')!, report.items.find((i) => i.probe === 'rollbackPath')!];
      assert.match(headroom.evidence.detail, /the host command failed: `sleep 30` did not finish within 1 s and was stopped/);
      assert.match(rollback.evidence.detail, /PROD runs v0\.9\.9, but the tag v0\.9\.9 does not exist in the repository/);
      assert.deepEqual(rollback.evidence.measured, { version: 'v0.9.9', commit: w.base, tag: 'v0.9.9', tagCommit: null });
    });

    test('a system without a checklist says how to add one', async () => {
      const w = await world(() => ({}), { system: { checklist: null } });
      await assert.rejects(w.t.tonic.checklists.checkNow(w.t.actors.admin, 'shop'), /shop has no pre-deploy checklist configured: add a checklist section/);
    });

    test('on call: asked 30 min before T1 by the scheduler, acknowledged through the use case, and T1 passes', async () => {
      const w = await world(() => ({ onCall: { person: { name: 'Dana', user: 'developer', telegram: '1001' }, acknowledgeWithinMinutes: 30 } }), { now: '2026-11-26T10:00:00Z' });
      assert.deepEqual(await tickAt(w, '2026-11-26T11:29:00Z'), []);
      assert.deepEqual(await messages(w, 'oncall.ack_requested'), [], 'not before 19:30');
      await tickAt(w, '2026-11-26T11:30:00Z');
      const [asked] = await messages(w, 'oncall.ack_requested');
      assert.ok(asked, 'asked at 19:30');
      const checklistId = asked.payload.checklistId as number;
      assert.deepEqual(
        { person: asked.payload.person, t1At: asked.payload.t1At, deadline: asked.payload.deadline, telegram: asked.payload.telegram },
        { person: 'Dana', t1At: '2026-11-26T12:00:00.000Z', deadline: '2026-11-26T12:00:00.000Z', telegram: '1001' },
      );
      const early = await w.t.tonic.checklists.get(w.t.actors.viewer, 'shop', checklistId);
      assert.equal(early.trigger, 'precheck');
      assert.equal(early.items[0]!.result, 'warn');
      assert.match(early.items[0]!.evidence.detail, /waiting for Dana \(telegram 1001\) to acknowledge, until 2026-11-26 20:00 GMT\+8/);
      await tickAt(w, '2026-11-26T11:31:00Z');
      assert.equal((await messages(w, 'oncall.ack_requested')).length, 1, 'asked once a night');
      assert.equal((await w.t.tonic.checklists.list(w.t.actors.viewer, 'shop', { limit: 10 })).length, 1, 'one early check a night');

      await assert.rejects(w.t.tonic.checklists.acknowledge(w.t.actors.manager, 'shop', checklistId), /is for Dana \(user developer\); only they can acknowledge it/);
      w.t.clock.set('2026-11-26T11:41:00Z');
      const acked = await w.t.tonic.checklists.acknowledge(w.t.actors.developer, 'shop', checklistId, { note: 'on my laptop' });
      assert.equal(acked.ack?.acknowledgedAt, '2026-11-26T11:41:00.000Z');
      assert.equal(acked.ack?.acknowledgedBy, 'developer');
      assert.deepEqual(await w.t.tonic.checklists.acknowledge(w.t.actors.developer, 'shop', checklistId), acked, 'saying it twice changes nothing');
      assert.equal((await messages(w, 'oncall.acknowledged')).length, 1);

      await confirmedBugWithFix(w);
      const [t1] = await tickAt(w, '2026-11-26T12:00:00Z');
      assert.equal(t1?.status, 'succeeded', JSON.stringify(t1?.report));
      assert.equal(t1?.report.checklist?.verdict, 'pass');
      assert.match(t1!.report.checklist!.items[0]!.evidence.detail, /acknowledged the deploy at 2026-11-26 19:41 GMT\+8/);
      assert.equal(w.envs.running('uat')?.version, 'v1.0.1');
      assert.equal((await w.t.tonic.audit.verify(w.t.tonic.db)).ok, true);
    });

    test('the early check before T1 announces a failing probe while there is time to fix it (no run yet)', async () => {
      const closed = await freePort();
      const w = await world(() => ({ onCall: { person: { name: 'Dana', telegram: '1001' }, acknowledgeWithinMinutes: 60 }, dependencies: { targets: [{ name: 'ledger', tcp: `127.0.0.1:${closed}` }] } }), {
        now: '2026-11-26T10:00:00Z',
      });
      await tickAt(w, '2026-11-26T11:00:00Z');
      const [failed] = await messages(w, 'checklist.failed');
      assert.equal(failed?.payload.runId, null);
      assert.equal(failed?.payload.trigger, 'precheck');
      assert.equal(failed?.payload.blocked, true);
      assert.match(failed?.payload.detail as string, /^dependencies: 1 of 1 down: ledger/);
      assert.equal((await messages(w, 'oncall.ack_requested'))[0]?.payload.checklistId, failed?.payload.checklistId);
    });

    test('on call: no acknowledgement by T1 blocks the run; an acknowledgement after the deadline is refused', async () => {
      const w = await world(() => ({ onCall: { person: { name: 'Dana', user: 'developer', email: 'dana@example.com' }, acknowledgeWithinMinutes: 15 } }), { now: '2026-11-26T10:00:00Z' });
      const bug = await confirmedBugWithFix(w);
      await tickAt(w, '2026-11-26T11:45:00Z');
      const [asked] = await messages(w, 'oncall.ack_requested');
      const [t1] = await tickAt(w, '2026-11-26T12:00:00Z');
      assert.equal(t1?.status, 'skipped');
      assert.equal(t1?.report.skipped?.reason, 'checklist');
      assert.match(t1!.report.skipped!.detail, /^onCall: Dana \(email dana@example\.com\) did not acknowledge the message sent at 2026-11-26 19:45 GMT\+8 by 2026-11-26 20:00 GMT\+8$/);
      assert.equal((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).status, 'confirmed');
      assert.deepEqual(w.envs.deploys(), []);
      w.t.clock.set('2026-11-26T12:05:00Z');
      await assert.rejects(w.t.tonic.checklists.acknowledge(w.t.actors.developer, 'shop', asked!.payload.checklistId as number), {
        code: 'conflict',
        message: /too late: the deploy of 2026-11-26 20:00 GMT\+8 had to be acknowledged before 2026-11-26 20:00 GMT\+8/,
      });
    });

    test('a blocking failure stops T1 before anything is built or deployed, and is announced with the evidence', async () => {
      const w = await world((_dir, backup) => ({ backup: { file: backup }, freeze: {}, rollbackPath: {} }));
      const bug = await confirmedBugWithFix(w);
      ageBackup(w.backup, '2026-11-26T12:00:00Z', 30 * HOUR);
      const [t1] = await tickAt(w, '2026-11-26T12:00:00Z');
      assert.equal(t1?.slot, 't1');
      assert.equal(t1?.status, 'skipped');
      assert.equal(t1?.error, null);
      assert.equal(t1?.report.skipped?.reason, 'checklist');
      assert.match(t1!.report.skipped!.detail, /^backup: the newest backup \(.*shop\.dump\) is 30 h old; the limit is 24 h$/);
      assert.equal(t1?.report.checklist?.verdict, 'blocked');
      assert.deepEqual(t1?.report.checklist?.items.map((i) => `${i.probe}:${i.result}`), ['backup:fail', 'freeze:pass', 'rollbackPath:pass']);
      assert.deepEqual(t1?.report.bugs, [], 'no bug was touched');

      // Nothing deployed: the environments are where they were and the deploy log is empty.
      assert.deepEqual(w.envs.deploys(), []);
      assert.equal(w.envs.running('uat'), null);
      assert.equal((await recorded(w, 'uat')).version, 'v1.0.0');
      assert.deepEqual(await w.t.tonic.deployments.list(w.t.actors.viewer, 'shop', { runId: t1!.id, limit: 5 }), []);
      assert.equal((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).status, 'confirmed');
      assert.equal((await w.repo.git('tag', '--list')).trim(), 'v1.0.0', 'no release was built');

      const [failed] = await messages(w, 'checklist.failed');
      assert.equal(failed?.payload.runId, t1!.id);
      assert.equal(failed?.payload.env, 'uat');
      assert.equal(failed?.payload.blocked, true);
      assert.deepEqual((failed?.payload.items as { probe: string; result: string; mode: string }[]).map((i) => [i.probe, i.result, i.mode]), [
        ['backup', 'fail', 'block'],
        ['freeze', 'pass', 'block'],
        ['rollbackPath', 'pass', 'block'],
      ]);
      const [skipped] = await messages(w, 'run.skipped');
      assert.deepEqual({ runId: skipped?.payload.runId, slot: skipped?.payload.slot, reason: skipped?.payload.reason }, { runId: t1!.id, slot: 't1', reason: 'checklist' });
      assert.match(skipped?.payload.detail as string, /30 h old/);
      assert.equal((skipped?.payload.checklist as unknown[]).length, 3);
      const [stored] = await w.t.tonic.checklists.list(w.t.actors.viewer, 'shop', { runId: t1!.id, limit: 5 });
      assert.equal(stored?.id, t1!.report.checklist!.id);
      assert.equal(stored?.trigger, 'run');
      assert.deepEqual(await messages(w, 'run.failed'), []);
    });

    test('warn mode: the failure is recorded and announced, and the run deploys', async () => {
      const w = await world((_dir, backup) => ({ backup: { file: backup, mode: 'warn' }, rollbackPath: {} }));
      const bug = await confirmedBugWithFix(w);
      ageBackup(w.backup, '2026-11-26T12:00:00Z', 30 * HOUR);
      const [t1] = await tickAt(w, '2026-11-26T12:00:00Z');
      assert.equal(t1?.status, 'succeeded', JSON.stringify(t1?.report));
      assert.equal(t1?.report.skipped, undefined);
      assert.equal(t1?.report.checklist?.verdict, 'warn');
      assert.deepEqual(t1?.report.checklist?.items.map((i) => `${i.probe}:${i.result}:${i.mode}`), ['backup:fail:warn', 'rollbackPath:pass:block']);
      assert.ok(t1?.report.steps.some((s) => /pre-deploy checklist \d+ for uat: warn/.test(s.message)));
      assert.equal((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).status, 'deployed_uat');
      assert.deepEqual(w.envs.deploys(), ['uat v1.0.1']);
      const [failed] = await messages(w, 'checklist.failed');
      assert.equal(failed?.payload.blocked, false);
      assert.deepEqual(await messages(w, 'run.skipped'), []);
    });

    test('the stale backup is made fresh by the backup command at T1, and the run goes on', async () => {
      const w = await world((_dir, backup) => ({ backup: { file: backup, backupCommand: ['touch', '-d', '2026-11-26T11:59:30Z', backup] } }));
      await confirmedBugWithFix(w);
      ageBackup(w.backup, '2026-11-26T12:00:00Z', 26 * HOUR);
      const [t1] = await tickAt(w, '2026-11-26T12:00:00Z');
      assert.equal(t1?.status, 'succeeded', JSON.stringify(t1?.report));
      const backup = t1!.report.checklist!.items[0]!;
      assert.equal(backup.result, 'pass');
      assert.match(backup.evidence.detail, /was 26 h old; ran the backup command \(`touch .*` exited 0 in [\d.]+ s\); now the newest backup .* is under a minute old/);
    });

    test('T2 is guarded for PROD: a probe only for prod passes T1 by and stops T2, PROD untouched; an idle night runs no checklist', async () => {
      const closed = await freePort();
      const w = await world(() => ({ dependencies: { envs: ['prod'], targets: [{ name: 'payments-db', tcp: `127.0.0.1:${closed}`, timeoutSeconds: 2 }] }, freeze: {} }));
      const bug = await confirmedBugWithFix(w);
      const [t1] = await tickAt(w, '2026-11-26T12:00:00Z');
      assert.equal(t1?.status, 'succeeded', JSON.stringify(t1?.report));
      assert.deepEqual(t1?.report.checklist?.items.map((i) => i.probe), ['freeze'], 'dependencies guard PROD only');
      w.t.clock.set('2026-11-26T13:00:00Z');
      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', bug.id);
      const [t2] = await tickAt(w, '2026-11-26T14:00:00Z');
      assert.equal(t2?.status, 'skipped');
      assert.equal(t2?.report.checklist?.env, 'prod');
      assert.match(t2!.report.skipped!.detail, new RegExp(`^dependencies: 1 of 1 down: payments-db \\(tcp 127\\.0\\.0\\.1:${closed}\\) connection refused$`));
      assert.equal(w.envs.running('prod'), null);
      assert.equal((await recorded(w, 'prod')).version, 'v1.0.0');
      assert.deepEqual(w.envs.deploys(), ['uat v1.0.1']);
      assert.equal((await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', bug.id)).status, 'pending_prod');

      const [idle] = await tickAt(w, '2026-11-27T12:00:00Z');
      assert.equal(idle?.status, 'succeeded');
      assert.equal(idle?.report.checklist, undefined, 'nothing to deploy, nothing to check');
    });
  });
}

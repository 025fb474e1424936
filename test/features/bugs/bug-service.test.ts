import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { DIALECTS } from '../../support/databases.ts';
import { createTestTonic, fixedVersions, testSystem, type TestTonic } from '../../support/test-tonic.ts';
import { DomainError } from '../../../src/shared/errors.ts';

const report = { title: 'Checkout total ignores discount', description: 'SAVE10 does nothing', severity: 'medium', foundInEnv: 'prod', module: 'checkout' } as const;

async function rejects(promise: Promise<unknown>, code: string, message?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

for (const dialect of DIALECTS) {
  describe(`bug use cases on ${dialect}`, () => {
    let repo: TestRepo;
    let t: TestTonic;
    let commits: { base: string; ahead: string; other: string };

    before(async () => {
      // A real repository: main has `base`; develop is one commit ahead; `other` branches off base.
      repo = await createTestRepo();
      const base = await repo.commit('base');
      await repo.git('checkout', '-q', '-b', 'develop');
      const ahead = await repo.commit('uat work');
      await repo.git('checkout', '-q', '-b', 'side', base);
      const other = await repo.commit('hotfix on prod');
      commits = { base, ahead, other };
      t = await createTestTonic({ dialect, systems: [testSystem({ repositoryPath: repo.path, people: { viewer: [], developer: [], manager: ['dana'], admin: [], cto: [] } })] });
    });
    after(async () => {
      await t.close();
      repo.remove();
    });

    async function recordVersions(uat: string, prod: string) {
      await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', { version: 'v1.1.0', commit: uat });
      await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: prod });
    }

    test('a reported bug is submitted, with its history, audit event and outbox message', async () => {
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      assert.equal(bug.status, 'submitted');
      assert.equal(bug.reporter, 'developer');
      const shown = await t.tonic.bugs.get(t.actors.viewer, 'shop', bug.id);
      assert.deepEqual(shown.history.map((h) => [h.action, h.from, h.to]), [['report', null, 'submitted']]);
      const events = await t.tonic.audit.list(t.tonic.db, { subject: `bug:${bug.id}`, limit: 10 });
      assert.deepEqual(events.map((e) => e.action), ['bug.reported']);
      const messages = await t.tonic.outbox.list(t.tonic.db, { system: 'shop', limit: 100 });
      assert.ok(messages.some((m) => m.event === 'bug.reported' && (m.payload.bug as { id: number }).id === bug.id));
    });

    test('same commit on UAT and PROD: confirm picks Flow 1 and says why', async () => {
      await recordVersions(commits.base, commits.base);
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      const confirmed = await t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' });
      assert.equal(confirmed.status, 'confirmed');
      assert.equal(confirmed.fixFlow, 'flow1');
      assert.match(confirmed.flowReason ?? '', /same commit/);
      assert.equal(confirmed.flowHold, null);
    });

    test('UAT ahead of PROD by ancestry: Flow 2; diverged: Flow 2 with a warning in the history', async () => {
      await recordVersions(commits.ahead, commits.base);
      const a = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      assert.equal((await t.tonic.bugs.confirm(t.actors.manager, 'shop', a.id, { flow: 'auto' })).fixFlow, 'flow2');

      await recordVersions(commits.ahead, commits.other);
      const b = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      const confirmed = await t.tonic.bugs.confirm(t.actors.manager, 'shop', b.id, { flow: 'auto' });
      assert.equal(confirmed.fixFlow, 'flow2');
      const history = (await t.tonic.bugs.get(t.actors.viewer, 'shop', b.id)).history;
      assert.match(String(history.at(-1)?.data?.warning), /diverged/);
    });

    test('PROD ahead of UAT: the bug is confirmed but waits, with "sync UAT first"', async () => {
      await recordVersions(commits.base, commits.ahead);
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      const confirmed = await t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' });
      assert.equal(confirmed.status, 'confirmed');
      assert.equal(confirmed.fixFlow, null);
      assert.match(confirmed.flowHold ?? '', /UAT is behind PROD: sync UAT first/);
    });

    test('an override needs a reason and an admin, and is audited', async () => {
      await recordVersions(commits.base, commits.base);
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      await rejects(t.tonic.bugs.confirm(t.actors.admin, 'shop', bug.id, { flow: 'flow2' }), 'override_reason_required', /chose flow1/);
      await rejects(t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'flow2', reason: 'prod-only config' }), 'forbidden', /overriding the chosen flow needs admin/);
      assert.equal((await t.tonic.bugs.get(t.actors.viewer, 'shop', bug.id)).status, 'submitted', 'refusals change nothing');
      const confirmed = await t.tonic.bugs.confirm(t.actors.admin, 'shop', bug.id, { flow: 'flow2', reason: 'prod-only config' });
      assert.equal(confirmed.fixFlow, 'flow2');
      assert.equal(confirmed.flowOverrideReason, 'prod-only config');
      const [event] = await t.tonic.audit.list(t.tonic.db, { subject: `bug:${bug.id}`, limit: 1 });
      assert.deepEqual(event?.data.override, { from: 'flow1', to: 'flow2', reason: 'prod-only config' });
    });

    test('high and critical bugs cannot enter the pipeline: confirm points to the hotfix path', async () => {
      for (const severity of ['high', 'critical'] as const) {
        const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', { ...report, severity });
        await rejects(t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' }), 'severity_requires_hotfix', /emergency hotfix/);
        assert.equal((await t.tonic.bugs.get(t.actors.viewer, 'shop', bug.id)).status, 'submitted');
      }
    });

    test('Flow 1 end to end: approve-prod before the cutoff runs tonight, at or after it tomorrow', async () => {
      await recordVersions(commits.base, commits.base);
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      await t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' });
      await t.tonic.bugs.advance('shop', bug.id, 'deploy_uat');
      // 21:59:59 in Hong Kong (UTC+8) is 13:59:59Z: tonight's 22:00 T2.
      t.clock.set('2026-11-26T13:59:59Z');
      const approved = await t.tonic.bugs.approveProd(t.actors.manager, 'shop', bug.id);
      assert.equal(approved.status, 'pending_prod');
      assert.equal(approved.runsAt, '2026-11-26T14:00:00.000Z');
      assert.match(approved.runsAtLocal ?? '', /^2026-11-26 22:00/);
      const deployed = await t.tonic.bugs.advance('shop', bug.id, 'deploy_prod');
      assert.equal(deployed.status, 'deployed_prod');
      assert.equal(deployed.runsAt, null);

      const late = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      await t.tonic.bugs.confirm(t.actors.manager, 'shop', late.id, { flow: 'auto' });
      await t.tonic.bugs.advance('shop', late.id, 'deploy_uat');
      t.clock.set('2026-11-26T14:00:00Z');
      assert.equal((await t.tonic.bugs.approveProd(t.actors.manager, 'shop', late.id)).runsAt, '2026-11-27T14:00:00.000Z');
      t.clock.set('2026-11-26T04:00:00Z');
    });

    test('Flow 2 end to end: queue, deploy PROD, approve UAT merge, merge', async () => {
      await recordVersions(commits.ahead, commits.base);
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      await t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' });
      await rejects(t.tonic.bugs.advance('shop', bug.id, 'deploy_uat'), 'invalid_transition', /Flow 2; deploy-uat is a Flow 1 step/);
      const queued = await t.tonic.bugs.advance('shop', bug.id, 'queue_prod');
      assert.equal(queued.status, 'pending_prod');
      assert.equal(queued.runsAt, '2026-11-26T14:00:00.000Z');
      await t.tonic.bugs.advance('shop', bug.id, 'deploy_prod');
      await rejects(t.tonic.bugs.approveProd(t.actors.manager, 'shop', bug.id), 'invalid_transition', /deployed_prod; approve-prod needs deployed_uat/);
      const approved = await t.tonic.bugs.approveUatMerge(t.actors.manager, 'shop', bug.id);
      assert.equal(approved.status, 'pending_uat_merge');
      const merged = await t.tonic.bugs.advance('shop', bug.id, 'merge_uat');
      assert.equal(merged.status, 'uat_merged');
      const history = (await t.tonic.bugs.get(t.actors.viewer, 'shop', bug.id)).history.map((h) => h.to);
      assert.deepEqual(history, ['submitted', 'confirmed', 'pending_prod', 'deployed_prod', 'pending_uat_merge', 'uat_merged']);
      await rejects(t.tonic.bugs.advance('shop', bug.id, 'approve_prod'), 'invalid_transition', /person's decision/);
    });

    test('whoever attached the fix cannot approve it; another manager can', async () => {
      await recordVersions(commits.base, commits.base);
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      await t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' });
      await t.tonic.bugs.advance('shop', bug.id, 'deploy_uat');
      await t.tonic.db.updateTable('bugs').set({ fix_attached_by: 'dana' }).where('id', '=', bug.id).execute();
      // dana is a viewer who is granted manager on this system by the configuration: the role
      // allows approving, the self-approval rule does not.
      const dana = { username: 'dana', role: 'viewer' } as const;
      await rejects(t.tonic.bugs.approveProd(dana, 'shop', bug.id), 'self_approval', /dana attached its fix/);
      await rejects(t.tonic.bugs.approveProd(dana, 'other', bug.id), 'not_found');
      assert.equal((await t.tonic.bugs.approveProd(t.actors.manager, 'shop', bug.id)).status, 'pending_prod');
    });

    test('roles: viewers read, developers report, only managers and up triage and approve', async () => {
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      await rejects(t.tonic.bugs.report(t.actors.viewer, 'shop', report), 'forbidden', /reporting bugs needs developer/);
      await rejects(t.tonic.bugs.confirm(t.actors.cto, 'shop', bug.id, { flow: 'flow2', reason: 'x' }), 'forbidden', /overriding the chosen flow needs admin/);
      await rejects(t.tonic.bugs.reject(t.actors.viewer, 'shop', bug.id, { reason: 'dup' }), 'forbidden');
      assert.equal((await t.tonic.bugs.reject(t.actors.cto, 'shop', bug.id, { reason: 'duplicate of #1' })).status, 'rejected');
      await rejects(t.tonic.bugs.close(t.actors.manager, 'shop', bug.id, {}), 'invalid_transition', /rejected; it is finished/);
    });

    test('a stale If-Match is refused and changes nothing', async () => {
      const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      await rejects(t.tonic.bugs.close(t.actors.manager, 'shop', bug.id, {}, { expectedVersion: bug.version + 1 }), 'precondition_failed', /version 1, not 2/);
      const closed = await t.tonic.bugs.close(t.actors.manager, 'shop', bug.id, { reason: 'works as designed' }, { expectedVersion: bug.version });
      assert.equal(closed.status, 'closed');
      assert.equal(closed.version, bug.version + 1);
    });

    test('two people acting on one bug at once: exactly one succeeds', async () => {
      await recordVersions(commits.base, commits.base);
      for (let round = 0; round < 5; round++) {
        const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
        await t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' });
        await t.tonic.bugs.advance('shop', bug.id, 'deploy_uat');
        const outcomes = await Promise.allSettled([
          t.tonic.bugs.approveProd(t.actors.manager, 'shop', bug.id),
          t.tonic.bugs.approveProd(t.actors.admin, 'shop', bug.id),
          t.tonic.bugs.close(t.actors.admin, 'shop', bug.id, {}),
        ]);
        const ok = outcomes.filter((o) => o.status === 'fulfilled');
        assert.equal(ok.length, 1, `exactly one should win: ${outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok')).join(' | ')}`);
        for (const o of outcomes) {
          if (o.status === 'rejected') assert.ok(['stale_version', 'invalid_transition'].includes((o.reason as DomainError).code));
        }
        const history = (await t.tonic.bugs.get(t.actors.viewer, 'shop', bug.id)).history;
        assert.equal(history.length, 4, 'report, confirm, deploy_uat and exactly one decision');
      }
      assert.equal((await t.tonic.audit.verify(t.tonic.db)).ok, true);
    });

    test('the pipeline moves many bugs at once; one changed meanwhile is refused and left alone', async () => {
      await recordVersions(commits.base, commits.base);
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
        await t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' });
        ids.push(bug.id);
      }
      await t.tonic.bugs.close(t.actors.manager, 'shop', ids[1]!, { reason: 'duplicate' });
      const { moved, refused } = await t.tonic.bugs.advanceMany('shop', ids.map((id) => ({ id, action: 'start_analysis' as const })));
      assert.deepEqual(moved.map((b) => [b.id, b.status]), [[ids[0], 'analyzing'], [ids[2], 'analyzing']]);
      assert.deepEqual(refused.map((r) => [r.id, r.error.code]), [[ids[1], 'invalid_transition']]);
      assert.equal((await t.tonic.bugs.get(t.actors.viewer, 'shop', ids[1]!)).status, 'closed');
      const history = (await t.tonic.bugs.get(t.actors.viewer, 'shop', ids[2]!)).history;
      assert.deepEqual(history.at(-1)?.actor, 'tonic');
      assert.equal((await t.tonic.audit.verify(t.tonic.db)).ok, true);
      await assert.rejects(t.tonic.bugs.advanceMany('shop', [{ id: ids[0]!, action: 'approve_prod' }]), /person's decision/);
    });

    test('batch approval answers per bug', async () => {
      await recordVersions(commits.base, commits.base);
      const ready = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      await t.tonic.bugs.confirm(t.actors.manager, 'shop', ready.id, { flow: 'auto' });
      await t.tonic.bugs.advance('shop', ready.id, 'deploy_uat');
      const notReady = await t.tonic.bugs.report(t.actors.developer, 'shop', report);
      const results = await t.tonic.bugs.approveProdBatch(t.actors.manager, 'shop', [ready.id, notReady.id, 999999]);
      assert.deepEqual(
        results.map((r) => (r.ok ? [r.id, 'ok', r.bug.status] : [r.id, r.error.code])),
        [[ready.id, 'ok', 'pending_prod'], [notReady.id, 'invalid_transition'], [999999, 'not_found']],
      );
    });

    test('list filters and pages newest first with a cursor', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await t.tonic.bugs.report(t.actors.developer, 'shop', { ...report, severity: 'low', module: 'financial', title: `page ${i}` })).id);
      const first = await t.tonic.bugs.list(t.actors.viewer, 'shop', { module: 'financial', severity: 'low', limit: 3 });
      assert.deepEqual(first.items.map((b) => b.id), ids.slice(2).reverse());
      assert.ok(first.nextCursor);
      const second = await t.tonic.bugs.list(t.actors.viewer, 'shop', { module: 'financial', severity: 'low', limit: 3, cursor: first.nextCursor });
      assert.deepEqual(second.items.map((b) => b.id), ids.slice(0, 2).reverse());
      assert.equal(second.nextCursor, null);
      await rejects(t.tonic.bugs.list(t.actors.viewer, 'shop', { cursor: 'garbage', limit: 3 }), 'validation_failed', /cursor/);
    });

    test('unknown module, unknown system and unknown bug get precise errors', async () => {
      await rejects(t.tonic.bugs.report(t.actors.developer, 'shop', { ...report, module: 'billing' }), 'validation_failed', /known modules: checkout, financial/);
      await rejects(t.tonic.bugs.report(t.actors.developer, 'nope', report), 'not_found', /system "nope" is not configured; known systems: shop/);
      await rejects(t.tonic.bugs.get(t.actors.viewer, 'shop', 424242), 'not_found', /bug 424242 does not exist/);
    });

    test('the audit chain verifies, and tampering with an event is detected', async () => {
      assert.equal((await t.tonic.audit.verify(t.tonic.db)).ok, true);
      const [victim] = await t.tonic.audit.list(t.tonic.db, { stream: 'shop', limit: 1 });
      await t.tonic.db.updateTable('audit_events').set({ actor: 'mallory' }).where('id', '=', victim!.id).execute();
      const result = await t.tonic.audit.verify(t.tonic.db);
      assert.equal(result.ok, false);
      assert.equal(result.breaks[0]?.seq, victim!.seq);
      assert.match(result.breaks[0]!.problem, /altered/);
      await t.tonic.db.updateTable('audit_events').set({ actor: victim!.actor }).where('id', '=', victim!.id).execute();
      await t.tonic.db.deleteFrom('audit_events').where('id', '=', victim!.id).execute();
      assert.match((await t.tonic.audit.verify(t.tonic.db)).breaks[0]!.problem, /removed/);
    });
  });
}

describe('version graph stand-in', () => {
  test('fixedVersions answers what it was given', async () => {
    assert.equal(await fixedVersions('diverged').relate('x', 'a', 'b'), 'diverged');
  });
});

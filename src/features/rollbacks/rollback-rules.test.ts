import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertRollback, statusBeforeDeployment } from '../bugs/bug-rules.ts';
import type { BugStatus } from '../bugs/bug-statuses.ts';
import { historyMarkdown, interruptedRollback, migrationFiles, rollbackChecklist, validationVerdict, type RollbackRecord } from './rollback-rules.ts';

const step = (action: string, from: BugStatus | null, to: BugStatus, release?: string) => ({ action, from, to, data: release ? { release } : null });

describe('which status a rollback returns a bug to', () => {
  const flow1 = [
    step('report', null, 'submitted'),
    step('confirm', 'submitted', 'confirmed'),
    step('start_analysis', 'confirmed', 'analyzing'),
    step('record_plan', 'analyzing', 'planned'),
    step('deploy_uat', 'planned', 'deployed_uat', 'v1.0.1'),
    step('approve_prod', 'deployed_uat', 'pending_prod'),
    step('deploy_prod', 'pending_prod', 'deployed_prod', 'v1.0.1'),
  ];

  test('a UAT rollback returns the bug to where it was before the UAT deploy', () => {
    assert.equal(statusBeforeDeployment(flow1.slice(0, 5), 'v1.0.1', 'uat'), 'planned');
    assert.equal(statusBeforeDeployment(flow1.slice(0, 6), 'v1.0.1', 'uat'), 'planned', 'also once approved');
  });

  test('a PROD rollback undoes the approval too: back in pending_prod, the next T2 would redeploy the same release', () => {
    assert.equal(statusBeforeDeployment(flow1, 'v1.0.1', 'prod'), 'deployed_uat');
    const flow2 = [step('confirm', 'submitted', 'confirmed'), step('queue_prod', 'confirmed', 'pending_prod', 'v1.0.1'), step('deploy_prod', 'pending_prod', 'deployed_prod', 'v1.0.1')];
    assert.equal(statusBeforeDeployment(flow2, 'v1.0.1', 'prod'), 'confirmed');
    const merged = [...flow2, step('approve_uat_merge', 'deployed_prod', 'pending_uat_merge'), step('merge_uat', 'pending_uat_merge', 'uat_merged', 'v1.1.1')];
    assert.equal(statusBeforeDeployment(merged, 'v1.1.1', 'uat'), 'deployed_prod');
  });

  test('a bug the deployment did not move, or of another release, is not touched', () => {
    assert.equal(statusBeforeDeployment(flow1, 'v1.0.2', 'prod'), null);
    assert.equal(statusBeforeDeployment(flow1.slice(0, 4), 'v1.0.1', 'uat'), null);
  });

  test('a bug already further on than the rolled-back environment is left, with why', () => {
    const bug = { id: 7, status: 'deployed_prod' as BugStatus, fixFlow: 'flow1' as const, severity: 'low' as const };
    assert.throws(() => assertRollback(bug, { to: 'planned', env: 'uat' }), /^DomainError: bug 7 is deployed_prod; a rollback of uat returns bugs that are deployed_uat, pending_prod, uat_merged: it was left as it is$/);
    assert.equal(assertRollback(bug, { to: 'deployed_uat', env: 'prod' }), 'deployed_uat');
    assert.throws(() => assertRollback({ ...bug, status: 'closed' }, { to: 'deployed_uat', env: 'prod' }), /is closed and is finished/);
  });
});

describe('migration paths', () => {
  test('globs: ** any folders, * within a name', () => {
    assert.deepEqual(migrationFiles(['db/migrations/2026/002.sql', 'db/migrations.sql'], ['db/migrations/**']), ['db/migrations/2026/002.sql']);
    assert.deepEqual(migrationFiles(['services/api/migrations/002.sql', 'migrations/003.sql', 'migrations/old/001.sql'], ['**/migrations/*.sql']), ['services/api/migrations/002.sql', 'migrations/003.sql']);
    assert.deepEqual(migrationFiles(['db.sql', 'db/x.sql'], ['db/*.sql']), ['db/x.sql']);
    assert.deepEqual(migrationFiles(['app.txt', 'db/migrations/002.sql', 'README.md'], ['db/migrations/**']), ['db/migrations/002.sql']);
  });
});

describe('validation and the checklist', () => {
  const record = (over: Partial<RollbackRecord> = {}): RollbackRecord => ({
    id: 3,
    system: 'shop',
    env: 'prod',
    status: 'stable',
    impact: 'regression',
    trigger: 'manual',
    reason: 'totals doubled',
    by: 'alice',
    deployed: { deploymentId: 9, releaseId: 2, version: 'v1.0.1', commit: 'b'.repeat(40), at: '2026-11-26T14:00:00.000Z' },
    target: { releaseId: 1, version: 'v1.0.0', commit: 'a'.repeat(40) },
    rollbackDeploymentId: 10,
    scope: ['application'],
    migration: null,
    bugs: [{ id: 1, from: 'deployed_prod', to: 'deployed_uat', result: 'reverted', reason: null }],
    smoke: { ok: true, env: 'prod', version: 'v1.0.0', baseUrl: 'http://x', startedAt: '', finishedAt: '', failedStep: null, steps: [] },
    validation: { verdict: 'stable', detail: 'smoke passed 0/0', monitoring: null },
    detail: null,
    rootCause: null,
    fixPlan: null,
    notified: true,
    createdAt: '2026-11-26T14:05:00.000Z',
    updatedAt: '2026-11-26T14:05:00.000Z',
    finishedAt: '2026-11-26T14:06:00.000Z',
    ...over,
  });

  test("SEED.md's seven items, done or not, with what shows it", () => {
    const items = rollbackChecklist(record());
    assert.deepEqual(
      items.map((i) => [i.item, i.done]),
      [
        ['Previous working commit/tag identified (git log)', true],
        ['Rollback scope defined (frontend / backend / both / DB)', true],
        ['Affected bug statuses reverted in system', true],
        ['Smoke test completed after rollback', true],
        ['Root cause of regression documented', false],
        ['Team + stakeholders notified', true],
        ['Fix plan for the reverted change recorded', false],
      ],
    );
    const left = rollbackChecklist(record({ bugs: [{ id: 1, from: 'closed', to: null, result: 'left', reason: 'closed' }] }));
    assert.equal(left[2]!.done, false);
    const followup = rollbackChecklist(record({ status: 'followup', target: { releaseId: null, version: null, commit: null }, scope: [], bugs: [], smoke: null, rollbackDeploymentId: null }));
    assert.deepEqual(followup.slice(0, 4).map((i) => [i.done, i.detail]), Array(4).fill([false, 'no rollback (impact ux): follow-up planned']));
  });

  test('stable only when smoke passed and monitoring saw no rollback-level breach', () => {
    const passed = record().smoke!;
    assert.equal(validationVerdict(passed, null).verdict, 'stable');
    assert.equal(validationVerdict(null, null).verdict, 'stable');
    assert.equal(validationVerdict(passed, { outcome: 'rollback', breaches: [{ metric: 'error_rate', value: 0.05, threshold: 0.005, action: 'rollback', at: '' }], samples: 4 }).verdict, 'escalate');
    assert.equal(validationVerdict(passed, { outcome: 'alert', breaches: [], samples: 4 }).verdict, 'stable');
    const failed = { ...passed, ok: false, failedStep: 'orders', steps: [{ name: 'orders', kind: 'http' as const, result: 'fail' as const, expected: 'status 200', actual: 'status 500', ms: 3, checks: [], request: '' }] };
    assert.match(validationVerdict(failed, null).detail, /smoke failed at "orders": expected status 200, got status 500/);
  });

  test('history.md: one section per rollback, in the system zone, with the checklist', () => {
    const md = historyMarkdown('shop', [record({ rootCause: 'a query\nsummed twice' })], (iso) => `${iso.slice(0, 16)} local`);
    assert.match(md, /^# Rollback history: shop\n\n## Rollback 3: prod, v1\.0\.1 → v1\.0\.0 \(stable\)\n/);
    assert.match(md, /- \*\*What was deployed\*\*: v1\.0\.1 \(bbbbbbbbbb\), deployed 2026-11-26T14:00 local \(deployment 9\)/);
    assert.match(md, /- \*\*Root cause\*\*: a query summed twice\n/);
    assert.match(md, /- \*\*Bugs\*\*: #1 deployed_prod → deployed_uat/);
    assert.match(md, /- \[ \] Fix plan for the reverted change recorded: not recorded yet/);
    assert.equal(historyMarkdown('shop', [], String), '# Rollback history: shop\n\nNo rollback has been recorded.\n');
  });

  test('interrupted while validating (decision record 0024): what it did, that the validation is owed, and the checklist says so', () => {
    const validating = record({ status: 'validating', smoke: null, validation: null, finishedAt: null });
    assert.deepEqual(interruptedRollback(validating, []), {
      done: ['prod deployed back to v1.0.0 (deployment 10)', 'bugs returned: #1 deployed_prod → deployed_uat', 'announced (rollback.executed)'],
      notDone: ['the validation (smoke steps and the watch window) did not finish: whether prod is stable on v1.0.0 is not known'],
      nextStep: 'validate prod by hand now (its smoke steps and metrics); then record the root cause and fix plan (tonic rollbacks document 3)',
    });
    const checklist = rollbackChecklist({ ...validating, status: 'interrupted' });
    assert.deepEqual(checklist[2], { item: 'Affected bug statuses reverted in system', done: true, detail: '#1 deployed_prod → deployed_uat' });
    assert.deepEqual(checklist[3], { item: 'Smoke test completed after rollback', done: false, detail: 'not run: the rollback was interrupted before its validation' });
  });

  test('interrupted mid-deploy: the environment may be half-changed, the bugs not returned; check and record what it runs', () => {
    const running = record({ status: 'running', rollbackDeploymentId: null, bugs: [], notified: false, smoke: null, validation: null, finishedAt: null });
    const progress = interruptedRollback(running, [11]);
    assert.deepEqual(progress.done, []);
    assert.deepEqual(progress.notDone, [
      'the deploy of v1.0.0 to prod did not finish (deployment 11: unknown): prod may run v1.0.1, v1.0.0, or part of each',
      'the bugs v1.0.1 had moved were not returned to their earlier status',
      'the validation (smoke steps and the watch window) did not finish: whether prod is stable on v1.0.0 is not known',
    ]);
    assert.equal(progress.nextStep, 'check what prod runs and record it (tonic env record --env prod); then roll back again if it still runs v1.0.1');
    const checklist = rollbackChecklist({ ...running, status: 'interrupted' });
    assert.deepEqual(checklist.map((c) => c.done), [true, true, false, false, false, false, false]);
    // Deployed back, stopped before the bugs moved: a down migration that ran is on the list too.
    const migrated = interruptedRollback(
      record({ status: 'running', bugs: [], notified: false, migration: { needed: true, files: ['db/002.sql'], command: ['migrate', 'down'], ok: true, output: [], detail: 'ran migrate down for 1 changed migration file(s): db/002.sql' } }),
      [],
    );
    assert.deepEqual(migrated.done, ['down migration: ran migrate down for 1 changed migration file(s): db/002.sql', 'prod deployed back to v1.0.0 (deployment 10)']);
    assert.match(migrated.nextStep, /^prod runs v1\.0\.0 again: return the bugs v1\.0\.1 had moved by hand/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assessRisk, createDiffAnalyzer } from '../../../src/adapters/analyze/diff-analyzer.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';

describe('the built-in analyzer', () => {
  let repo: TestRepo;
  let small: string;
  let second: string;
  let migration: string;
  before(async () => {
    repo = await createTestRepo();
    await repo.commit('base', { 'app.js': 'a\nb\n' });
    small = await repo.commit('fix b', { 'app.js': 'a\nB\n' });
    second = await repo.commit('and a test', { 'app.test.js': 'test\n' });
    migration = await repo.commit('add a column', { 'db/migrations/0002.sql': 'alter table t add c int;\n' });
  });
  after(() => repo.remove());

  test('analyses every bug of a run at once: files, lines, services, the diff of its own commits only', async () => {
    const results = await createDiffAnalyzer().analyze(repo.path, [
      { id: 1, commits: [small, second], services: ['api'] },
      { id: 2, commits: [migration], services: [] },
    ]);
    const one = results.get(1)!;
    assert.deepEqual(one.analysis.files, ['app.js', 'app.test.js']);
    assert.deepEqual([one.analysis.linesAdded, one.analysis.linesRemoved], [2, 1]);
    assert.deepEqual(one.analysis.services, ['api']);
    assert.equal(one.analysis.risk, 'low');
    assert.match(one.diff, /\+B/);
    assert.doesNotMatch(one.diff, /alter table/);
    const two = results.get(2)!;
    assert.deepEqual(two.analysis.migrations, ['db/migrations/0002.sql']);
    assert.equal(two.analysis.risk, 'high');
    assert.match(two.analysis.note, /migration/);
    assert.match(two.diff, /alter table t add c int/);
  });

  test('the built-in assessment: a plan from the commit subjects, validation steps where the fix lands first, no root cause', async () => {
    const bug = { title: 'Totals wrong', description: '', severity: 'low' as const, foundInEnv: 'prod' as const, module: 'checkout', fixFlow: 'flow2' as const };
    const results = await createDiffAnalyzer().analyze(repo.path, [{ id: 3, commits: [small, migration], services: ['api'], bug }]);
    const analysis = results.get(3)!.analysis;
    assert.equal(analysis.source, 'builtin');
    assert.equal(analysis.rootCause, null);
    assert.equal(analysis.fixPlan, 'Apply 2 commit(s): "fix b"; "add a column" (2 file(s), +2 -1)');
    assert.equal(analysis.migrationInvolved, true);
    assert.deepEqual(analysis.riskReasons, [analysis.note]);
    assert.deepEqual(
      analysis.validationSteps.map((s) => `${s.env}: ${s.check}`),
      [
        'prod: Do what the report describes ("Totals wrong") and confirm it no longer happens',
        'prod: Walk through the main workflow of the checkout module end to end',
        'prod: Confirm the migration ran (db/migrations/0002.sql) and the data it changes reads back correctly',
        'prod: Check the logs of api for new errors since the deploy',
        'prod: Check two or three features next to the change for regressions',
      ],
    );
  });

  test('risk grows with the size of the change', () => {
    assert.equal(assessRisk({ files: 1, lines: 10, migrations: 0 }).risk, 'low');
    assert.equal(assessRisk({ files: 6, lines: 10, migrations: 0 }).risk, 'medium');
    assert.equal(assessRisk({ files: 2, lines: 600, migrations: 0 }).risk, 'high');
  });
});

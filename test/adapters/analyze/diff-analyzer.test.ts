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

  test('risk grows with the size of the change', () => {
    assert.equal(assessRisk({ files: 1, lines: 10, migrations: 0 }).risk, 'low');
    assert.equal(assessRisk({ files: 6, lines: 10, migrations: 0 }).risk, 'medium');
    assert.equal(assessRisk({ files: 2, lines: 600, migrations: 0 }).risk, 'high');
  });
});

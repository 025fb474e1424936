import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { cachingSqlite } from '../../../src/adapters/db/prepared-statements.ts';

/** The wrapper's rows against better-sqlite3's own row objects, on the same file. */
describe('SQLite statements: rows read as arrays and built into objects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tonic-prepared-'));
  const plain = new SQLite(join(dir, 'db.sqlite'));
  const cached = cachingSqlite(plain);
  plain.exec(`
    create table t (id integer primary key, name text, score real, note text, data blob);
    insert into t (name, score, note, data) values ('a', 1.5, null, x'0102'), ('b"quoted\\', -2, 'x', null), ('ü', 0, '', x'');
  `);
  const bothWays = (sql: string, parameters: unknown[] = []) => ({
    expected: plain.prepare(sql).all(...parameters),
    actual: cached.prepare(sql).all(parameters),
  });

  test('give the same objects as better-sqlite3: every type, nulls, odd column names, parameters', () => {
    for (const [sql, parameters] of [
      ['select * from t order by id', []],
      ['select id, name as "weird ""name"" \\ key", score * 2 as "2x" from t where id > ? order by id desc', [1]],
      ['select count(*) as c, sum(score) as total from t', []],
      ['select * from t where name = ?', ['nobody']],
    ] as const) {
      const { expected, actual } = bothWays(sql, [...parameters]);
      assert.deepEqual(actual, expected, sql);
    }
  });

  test('a column named twice keeps the last value, as better-sqlite3 does', () => {
    const { expected, actual } = bothWays("select 1 as x, 2 as x, 'z' as y");
    assert.deepEqual(actual, [{ x: 2, y: 'z' }]);
    assert.deepEqual(actual, expected);
  });

  test('a column named __proto__ reads as better-sqlite3 reads it (the object literal would set the prototype)', () => {
    const sql = "select 'p' as __proto__, 1 as n";
    const [actual] = cached.prepare(sql).all([]) as object[];
    const [expected] = plain.prepare(sql).all() as object[];
    assert.deepEqual(Object.getOwnPropertyDescriptors(actual), Object.getOwnPropertyDescriptors(expected));
    assert.equal(Object.getPrototypeOf(actual), Object.getPrototypeOf(expected));
  });

  test('writes report their changes; insert … returning and iterate give rows; one statement per SQL text', () => {
    const insert = cached.prepare('insert into t (name) values (?)');
    assert.equal(insert.reader, false);
    assert.equal(Number(insert.run(['c']).changes), 1);
    const returning = cached.prepare('insert into t (name, score) values (?, ?) returning id, name, score');
    assert.deepEqual(returning.all(['d', 3]), [{ id: 5, name: 'd', score: 3 }]);
    assert.deepEqual([...cached.prepare('select id, name from t where id >= ? order by id').iterate([4])], [{ id: 4, name: 'c' }, { id: 5, name: 'd' }]);
    assert.equal(cached.prepare('select id from t'), cached.prepare('select id from t'));
  });

  test.after(() => {
    plain.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

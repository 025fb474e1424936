/**
 * A database that cannot be reached or opened stops `tonic serve` and `tonic migrate` with one
 * line saying where and what to check (never a stack trace, never the password).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort, runTonic } from '../support/processes.ts';

describe('a database that is not there', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'tonic-nodb-'));
  after(() => rmSync(cwd, { recursive: true, force: true }));

  test('PostgreSQL refusing connections: serve exits 1 naming the URL without its password', async () => {
    const port = await freePort(); // nothing listens there
    const serve = runTonic(['serve'], { PORT: String(await freePort()), DATABASE_URL: `postgres://tonic:hunter2secret@127.0.0.1:${port}/tonic` }, cwd);
    assert.equal(await serve.exited, 1);
    const output = serve.output();
    assert.match(output, new RegExp(`^error: cannot connect to the database at postgres://tonic:\\*\\*\\*@127\\.0\\.0\\.1:${port}/tonic: .*ECONNREFUSED.*; check DATABASE_URL and that PostgreSQL is running`, 'm'));
    assert.doesNotMatch(output, /hunter2secret/);
    assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
  });

  test('an SQLite home that cannot be created: migrate exits 1 naming the file and TONIC_HOME', async () => {
    const file = join(cwd, 'a-file');
    writeFileSync(file, '');
    const migrate = runTonic(['migrate'], { TONIC_HOME: join(file, 'home') }, cwd);
    assert.equal(await migrate.exited, 1);
    assert.match(migrate.output(), /^error: cannot open the SQLite database at .*a-file\/home\/tonic\.sqlite: ENOTDIR.*; check that TONIC_HOME \(or DATABASE_URL\) names a folder this user can write$/m);
  });
});

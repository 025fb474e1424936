/**
 * `tonic backup`, `tonic restore` and `tonic migrate` as a person types them on the server's
 * machine: real child processes on a real SQLite file under TONIC_HOME. (The PostgreSQL round trip
 * is in test/features/backup.)
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { runTonic } from './run-tonic.ts';

describe('tonic backup and restore', () => {
  const home = mkdtempSync(join(tmpdir(), 'tonic-cli-backup-'));
  const env = { TONIC_HOME: home };
  const database = join(home, 'tonic.sqlite');
  after(() => rmSync(home, { recursive: true, force: true }));

  test('backup writes one file with a manifest; restore brings the database back', async () => {
    assert.equal((await runTonic(['migrate'], env)).code, 0);
    const file = join(home, 'night.tonicbak');
    const backup = await runTonic(['backup', '--out', file], env);
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, new RegExp(`wrote ${file.replaceAll('/', '\\/')}`));
    assert.match(backup.stdout, /sqlite database from .*tonic\.sqlite, schema 2026-/);

    // Something happens after the backup; the restore takes it away again.
    const db = new SQLite(database);
    db.prepare("insert into users (username, role, display_name, created_at) values ('late', 'viewer', 'Late', '2026-11-26T00:00:00Z')").run();
    db.close();
    const restore = await runTonic(['restore', file], env);
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /restored the sqlite database of /);
    const check = new SQLite(database, { readonly: true });
    assert.equal((check.prepare("select count(*) as n from users where username = 'late'").get() as { n: number }).n, 0);
    check.close();

    const defaultPlace = await runTonic(['backup'], env);
    assert.equal(defaultPlace.code, 0, defaultPlace.stderr);
    assert.match(defaultPlace.stdout, /wrote .*\/backups\/tonic-\d{4}-\d{2}-\d{2}T\d{6}Z\.tonicbak/);
  });

  test('a truncated file is refused with the reason, exit status 1', async () => {
    const file = join(home, 'cut.tonicbak');
    writeFileSync(file, Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
    const restore = await runTonic(['restore', file], env);
    assert.equal(restore.code, 1);
    assert.match(restore.stderr, /^error: .*cut\.tonicbak is truncated/m);
    assert.ok(existsSync(database));
  });

  test('an older version will not run on a database a newer one migrated', async () => {
    const db = new SQLite(database);
    db.prepare("insert into kysely_migration (name, timestamp) values ('2099-01-01-0001-future', '2099-01-01T00:00:00.000Z')").run();
    db.close();
    const migrate = await runTonic(['migrate'], env);
    assert.equal(migrate.code, 1);
    assert.equal(migrate.stderr.trim(), 'error: the database was migrated by a newer Tonic Deploy (migration 2099-01-01-0001-future is unknown to this version): run that version or newer, or restore a backup made by this one');
    const serve = await runTonic(['serve'], { ...env, PORT: '0' });
    assert.equal(serve.code, 1);
    assert.match(serve.stderr, /migrated by a newer Tonic Deploy/);
  });
});

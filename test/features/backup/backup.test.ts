/**
 * `tonic backup` / `tonic restore` on every dialect: a database with bugs, releases, runs,
 * deployments, audit events and pending notifications survives the round trip (and its audit
 * chain still verifies); damaged, truncated, foreign and too-new backups and a restore under a
 * running server are refused with nothing replaced.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase, SchemaVersionError } from '../../../src/adapters/db/database.ts';
import type { DB } from '../../../src/adapters/db/schema.ts';
import { composeTonic, type Tonic } from '../../../src/compose.ts';
import { createReleaseStore } from '../../../src/features/releases/release-store.ts';
import { decodeBackup, encodeBackup } from '../../../src/features/backup/backup-format.ts';
import { restoreBackup, writeBackup } from '../../../src/features/backup/backup-service.ts';
import { leaveServerMarker, SERVER_APPLICATION_NAME } from '../../../src/features/backup/server-marker.ts';
import { ADMIN_USERNAME } from '../../../src/features/identity/identity-service.ts';
import { readiness } from '../../../src/http/readiness.ts';
import { createFakeClock } from '../../../src/shared/clock.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { ADMIN_TOKEN, fixedVersions, testSystem } from '../../support/test-tonic.ts';

const TABLES = ['bugs', 'bug_history', 'releases', 'release_bugs', 'runs', 'deployments', 'audit_events', 'outbox', 'users', 'api_tokens'] as const satisfies readonly (keyof DB)[];
const admin = { username: ADMIN_USERNAME, role: 'admin' as const };

type World = { database: TestDatabase; tonic: Tonic; dir: string; configFile: string; target: { databaseUrl: string; configFile: string; home: string } };

async function world(dialect: (typeof DIALECTS)[number]): Promise<World> {
  const database = await openTestDatabase(dialect);
  const dir = mkdtempSync(join(tmpdir(), 'tonic-backup-test-'));
  const configFile = join(dir, 'tonic.config.yaml');
  writeFileSync(configFile, '# the configuration as it was at backup time\nsystems: []\n');
  const clock = createFakeClock('2026-11-26T04:00:00Z');
  const tonic = composeTonic({ database, config: { file: configFile, systems: [testSystem()] }, clock, home: dir, versions: fixedVersions('same') });
  await tonic.identity.bootstrap(ADMIN_TOKEN);
  return { database, tonic, dir, configFile, target: { databaseUrl: database.url, configFile, home: dir } };
}

/** Bugs in several statuses, a release, a run and a deployment, their audit events and notifications. */
async function fill(w: World): Promise<void> {
  const { tonic } = w;
  await tonic.environments.record(admin, 'shop', 'prod', { version: 'v1.0.0', commit: 'a'.repeat(40) });
  await tonic.environments.record(admin, 'shop', 'uat', { version: 'v1.0.0', commit: 'a'.repeat(40) });
  const bugs: Awaited<ReturnType<Tonic['bugs']['report']>>[] = [];
  for (let i = 0; i < 5; i++) {
    bugs.push(await tonic.bugs.report(admin, 'shop', { title: `bug ${i}`, description: 'steps', severity: 'medium', foundInEnv: 'uat', module: 'checkout' }));
  }
  await tonic.bugs.confirm(admin, 'shop', bugs[0]!.id, { flow: 'auto' });
  await tonic.bugs.reject(admin, 'shop', bugs[1]!.id, { reason: 'not a bug' });
  const at = tonic.clock.now();
  const run = await tonic.runStore.claim(tonic.db, { system: 'shop', slot: 't1', scheduledFor: at, trigger: 'manual', instance: 'test', leaseUntil: at, at });
  await tonic.db.transaction().execute(async (trx) => {
    const release = await createReleaseStore().insert(trx, {
      system: 'shop',
      version: 'v1.0.1',
      tag: 'v1.0.1',
      commit: 'b'.repeat(40),
      baseCommit: 'a'.repeat(40),
      baseVersion: 'v1.0.0',
      kind: 'flow1',
      targetEnv: 'uat',
      notes: 'notes',
      runId: run!.id,
      bugs: [{ id: bugs[0]!.id, commits: ['c'.repeat(40)] }],
      at,
    });
    const deployment = await tonic.deploymentStore.start(trx, { system: 'shop', env: 'uat', runId: run!.id, releaseId: release.id, previousReleaseId: null, at });
    await tonic.deploymentStore.finish(trx, deployment.id, 'succeeded', at, null);
  });
}

async function counts(db: Tonic['db']): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of TABLES) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    result[table] = Number(row.n);
  }
  result.pendingNotifications = Number(
    (await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('sent_at', 'is', null).executeTakeFirstOrThrow()).n,
  );
  return result;
}

for (const dialect of DIALECTS) {
  describe(`backup and restore on ${dialect}`, () => {
    const worlds: World[] = [];
    const open = async () => {
      const w = await world(dialect);
      worlds.push(w);
      return w;
    };
    after(async () => {
      for (const w of worlds) {
        await w.tonic.close().catch(() => {});
        await w.database.close().catch(() => {});
        rmSync(w.dir, { recursive: true, force: true });
      }
    });

    test('a database with bugs, runs, deployments, audit events and pending notifications round-trips, and its audit chain verifies', async () => {
      const w = await open();
      await fill(w);
      const before = await counts(w.tonic.db);
      assert.ok(before.pendingNotifications! > 0 && before.runs === 1 && before.deployments === 1 && before.audit_events! > 5, JSON.stringify(before));

      const file = join(w.dir, 'nightly.tonicbak');
      const manifest = await writeBackup(w.target, file, w.tonic.clock);
      assert.equal(manifest.dialect, dialect);
      assert.deepEqual(manifest.parts.map((p) => p.name).sort(), [dialect === 'sqlite' ? 'database.sqlite' : 'database.sql', 'tonic.config.yaml'].sort());
      assert.equal(manifest.migrations.at(-1), (await sql<{ name: string }>`select max(name) as name from kysely_migration`.execute(w.tonic.db)).rows[0]!.name);

      // Life goes on after the backup: more bugs, and the configuration changes.
      await w.tonic.bugs.report(admin, 'shop', { title: 'reported after the backup', description: '', severity: 'low', foundInEnv: 'uat' });
      writeFileSync(w.configFile, '# edited after the backup\nsystems: []\n');
      // The server is stopped before a restore. (On PostgreSQL the idle pool may stay: it holds no locks.)
      if (dialect === 'sqlite') await w.tonic.db.destroy();

      const result = await restoreBackup(w.target, file);
      assert.deepEqual(result.migratedForward, []);
      assert.equal(result.configRestored, w.configFile);
      assert.match(readFileSync(w.configFile, 'utf8'), /as it was at backup time/);
      assert.match(readFileSync(`${w.configFile}.before-restore`, 'utf8'), /edited after the backup/, 'the replaced configuration is kept beside it');

      const reopened = await openDatabase({ url: w.database.url });
      try {
        assert.deepEqual(await counts(reopened.db), before);
        const titles = (await reopened.db.selectFrom('bugs').select('title').execute()).map((b) => b.title);
        assert.ok(!titles.includes('reported after the backup'));
        const clock = createFakeClock('2026-11-27T00:00:00Z');
        const tonic = composeTonic({ database: reopened, config: { file: '(test)', systems: [testSystem()] }, clock, home: w.dir, versions: fixedVersions('same') });
        const verified = await tonic.audit.verify(tonic.db);
        assert.equal(verified.ok, true, JSON.stringify(verified));
        assert.equal(verified.events, before.audit_events);
        // The restored database is a working one: the pipeline carries on where it was.
        const bug = await tonic.bugs.report(admin, 'shop', { title: 'after the restore', description: '', severity: 'low', foundInEnv: 'uat' });
        assert.equal(bug.id, Math.max(...(await tonic.db.selectFrom('bugs').select('id').execute()).map((b) => b.id)));
        assert.equal((await tonic.audit.verify(tonic.db)).ok, true);
      } finally {
        await reopened.close();
      }
    });

    test('truncated, damaged and foreign files are refused and nothing is replaced', async () => {
      const w = await open();
      await fill(w);
      const file = join(w.dir, 'good.tonicbak');
      await writeBackup(w.target, file, w.tonic.clock);
      const good = readFileSync(file);
      await w.tonic.bugs.report(admin, 'shop', { title: 'must survive a refused restore', description: '', severity: 'low', foundInEnv: 'uat' });
      const before = await counts(w.tonic.db);

      const variants: [string, Buffer, RegExp][] = [
        ['truncated.tonicbak', good.subarray(0, Math.floor(good.length / 2)), /is truncated/],
        ['foreign.tonicbak', Buffer.from('PK\x03\x04 a zip file from some other product'), /is not a Tonic Deploy backup/],
        ['other-product.tonicbak', gzipSync(Buffer.from('SQLite format 3\0 something else entirely')), /is not a Tonic Deploy backup/],
      ];
      // A part whose bytes do not match the manifest's checksum: re-pack the same manifest over altered content.
      const { manifest, parts } = decodeBackup(good);
      const altered = Buffer.from(parts.get(manifest.parts[0]!.name)!);
      altered[altered.length - 1] = altered[altered.length - 1]! ^ 0xff;
      const head = Buffer.from(`TONIC-DEPLOY-BACKUP 1\n${JSON.stringify(manifest)}\n`);
      variants.push(['tampered.tonicbak', gzipSync(Buffer.concat([head, altered, ...manifest.parts.slice(1).map((p) => parts.get(p.name)!)])), /does not match its checksum/]);

      for (const [name, bytes, message] of variants) {
        const path = join(w.dir, name);
        writeFileSync(path, bytes);
        await assert.rejects(restoreBackup(w.target, path), message, name);
      }
      await assert.rejects(restoreBackup(w.target, join(w.dir, 'missing.tonicbak')), /does not exist/);
      assert.deepEqual(await counts(w.tonic.db), before, 'every refused restore left the database as it was');
    });

    test('a backup from a newer version or another dialect is refused before anything is touched', async () => {
      const w = await open();
      await fill(w);
      const before = await counts(w.tonic.db);
      const { manifest, parts } = decodeBackup(await writeAndRead(w));
      const repack = (changes: Partial<typeof manifest>) =>
        encodeBackup({ ...manifest, ...changes }, manifest.parts.map((p) => ({ name: p.name, content: parts.get(p.name)! })));
      const newer = join(w.dir, 'newer.tonicbak');
      writeFileSync(newer, repack({ migrations: [...manifest.migrations, '2099-01-01-0001-future'] }));
      await assert.rejects(restoreBackup(w.target, newer), /made by a newer Tonic Deploy .*2099-01-01-0001-future/);
      const otherDialect = join(w.dir, 'other-dialect.tonicbak');
      writeFileSync(otherDialect, repack({ dialect: dialect === 'sqlite' ? 'postgres' : 'sqlite' }));
      await assert.rejects(restoreBackup(w.target, otherDialect), new RegExp(`holds a ${dialect === 'sqlite' ? 'postgres' : 'sqlite'} database but the target is ${dialect}`));
      assert.deepEqual(await counts(w.tonic.db), before);
    });

    test('a restore while a server runs on the database is refused', async () => {
      const w = await open();
      await fill(w);
      const file = join(w.dir, 'backup.tonicbak');
      await writeBackup(w.target, file, w.tonic.clock);
      const remove = leaveServerMarker(w.dir, { pid: process.pid, address: 'http://127.0.0.1:4100', database: w.database.location.replace(/ \(schema .*\)$/, ''), startedAt: '2026-11-26T04:00:00.000Z' });
      try {
        await assert.rejects(restoreBackup(w.target, file), /a Tonic server \(pid \d+, http:\/\/127\.0\.0\.1:4100.*is running on this database: stop it before restoring/);
      } finally {
        remove();
      }
      if (dialect === 'postgres') {
        // Another machine's server leaves no marker here, but its connections name themselves.
        const server = await openDatabase({ url: w.database.url, applicationName: SERVER_APPLICATION_NAME, poolSize: 1 });
        try {
          await sql`select 1`.execute(server.db);
          await assert.rejects(restoreBackup(w.target, file), /connection\(s\) of a Tonic server .* are open on .*: stop it before restoring/);
        } finally {
          await server.close();
        }
      }
    });

    test('an older version refuses a database a newer one has migrated, and is not ready on it', async () => {
      const w = await open();
      assert.deepEqual(await readiness(w.tonic), { ready: true, database: 'ok', schema: 'current' });
      await sql`insert into kysely_migration (name, timestamp) values ('2099-01-01-0001-future', '2099-01-01T00:00:00.000Z')`.execute(w.tonic.db);
      await assert.rejects(migrateToLatest(w.database), (error: unknown) => {
        assert.ok(error instanceof SchemaVersionError);
        assert.match(error.message, /migrated by a newer Tonic Deploy \(migration 2099-01-01-0001-future is unknown to this version\)/);
        return true;
      });
      const state = await readiness(w.tonic);
      assert.equal(state.ready, false);
      assert.equal(state.schema, 'ahead');
    });
  });
}

async function writeAndRead(w: World): Promise<Buffer> {
  const file = join(w.dir, `copy-${Math.random().toString(16).slice(2)}.tonicbak`);
  await writeBackup(w.target, file, w.tonic.clock);
  return readFileSync(file);
}

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/adapters/db/database.ts';
import { createAuditStore } from '../../src/features/audit/audit-store.ts';
import { runTonic } from './run-tonic.ts';

test('tonic audit verify checks a fresh SQLite database and says OK', { timeout: 180_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'tonic-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));

  const missing = await runTonic(['audit', 'verify'], { TONIC_HOME: home });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no database at .*tonic\.sqlite.*tonic migrate/);

  const migrate = await runTonic(['migrate'], { TONIC_HOME: home });
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.match(migrate.stdout, /^applied /m);

  const verify = await runTonic(['audit', 'verify'], { TONIC_HOME: home });
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /^audit chain OK: 0 streams, 0 events checked \(.*tonic\.sqlite\)$/m);
});

test('tonic audit verify names each break and exits 1 when an event was altered', { timeout: 180_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'tonic-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  assert.equal((await runTonic(['migrate'], { TONIC_HOME: home })).code, 0);

  const database = await openDatabase({ url: join(home, 'tonic.sqlite') });
  const audit = createAuditStore();
  await database.db.transaction().execute(async (trx) => {
    for (const action of ['bug.reported', 'bug.confirmed']) {
      await audit.append(trx, { stream: 'shop', actor: 'alice', action, subject: 'bug:1', at: new Date('2026-11-26T04:00:00Z') });
    }
  });
  await database.db.updateTable('audit_events').set({ actor: 'mallory' }).where('seq', '=', 1).execute();
  await database.close();

  const verify = await runTonic(['audit', 'verify'], { TONIC_HOME: home });
  assert.equal(verify.code, 1, verify.stderr);
  assert.match(verify.stdout, /^audit chain BROKEN: 1 break in 1 stream, 2 events checked/m);
  assert.match(verify.stdout, /^ {2}stream shop, seq 1 \(event id \d+\): .*altered/m);
});

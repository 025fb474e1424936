import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIGRATIONS, migrateDown, migrateToLatest } from '../../../src/adapters/db/database.ts';
import { DIALECTS, openTestDatabase } from '../../support/databases.ts';

for (const dialect of DIALECTS) {
  describe(`migrations on ${dialect}`, () => {
    test('names sort by date, run up, down and up again, and are idempotent', async () => {
      const names = Object.keys(MIGRATIONS);
      assert.deepEqual(names, [...names].sort());
      const handle = await openTestDatabase(dialect); // migrated to latest
      try {
        assert.deepEqual(await migrateToLatest(handle), [], 'a second run applies nothing');
        const tables = async () => (await handle.db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('kysely_')).sort();
        assert.deepEqual(await tables(), ['api_tokens', 'audit_events', 'audit_heads', 'bug_analyses', 'bug_history', 'bugs', 'deployment_logs', 'deployments', 'environments', 'monitoring_samples', 'monitoring_watches', 'outbox', 'release_bugs', 'releases', 'runs', 'scheduler_watermarks', 'users']);
        for (let i = 0; i < names.length; i++) await migrateDown(handle);
        assert.deepEqual(await tables(), []);
        const applied = await migrateToLatest(handle);
        assert.deepEqual(applied.map((r) => r.migrationName), names);
      } finally {
        await handle.close();
      }
    });
  });
}

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { precompiled, precompiledInsert } from '../../../src/adapters/db/precompiled.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../support/databases.ts';

const AT = '2026-11-26T10:00:00.000Z';

const usersByRole = precompiled((db, p: { role: string; after: string }) =>
  // 'developer' is a value fixed in the query: it stays, the placeholders change per call.
  db.selectFrom('users').select(['username', 'role']).where('role', 'in', [p.role, 'developer']).where('username', '>', p.after).orderBy('username'),
);
const insertUsers = precompiledInsert(['username', 'display_name', 'role', 'created_at'], (db, rows) => db.insertInto('users').values(rows as never));

for (const dialect of DIALECTS) {
  describe(`precompiled queries on ${dialect}`, () => {
    let handle: TestDatabase;
    test.before(async () => {
      handle = await openTestDatabase(dialect);
    });
    test.after(() => handle.close());

    const user = (username: string, role: string) => ({ username, display_name: username.toUpperCase(), role, created_at: AT });

    test('run with each call’s values, as the same query built by hand would, inside and outside a transaction', async () => {
      await insertUsers(3)(handle.db, [user('ann', 'manager'), user('bob', 'developer'), user('cy', 'viewer')]);
      await handle.db.transaction().execute(async (trx) => {
        await insertUsers(1)(trx, [user('dee', 'manager')]);
      });
      for (const [role, after] of [['manager', ''], ['viewer', 'b'], ['cto', 'zzz']] as const) {
        const { rows } = await usersByRole(handle.db, { role, after });
        const byHand = await handle.db.selectFrom('users').select(['username', 'role']).where('role', 'in', [role, 'developer']).where('username', '>', after).orderBy('username').execute();
        assert.deepEqual(rows, byHand, `${role} after "${after}"`);
      }
      assert.deepEqual((await usersByRole(handle.db, { role: 'viewer', after: 'b' })).rows.map((r) => r.username), ['bob', 'cy']);
    });

    test('a transaction rolled back takes the precompiled writes with it', async () => {
      await assert.rejects(
        handle.db.transaction().execute(async (trx) => {
          await insertUsers(2)(trx, [user('eve', 'viewer'), user('fay', 'viewer')]);
          throw new Error('refused');
        }),
        /refused/,
      );
      assert.equal((await handle.db.selectFrom('users').select('username').where('username', 'in', ['eve', 'fay']).execute()).length, 0);
    });

    test('a placeholder changed before it reaches the query is refused when compiled, naming it', async () => {
      const derived = precompiled((db, p: { id: number }) => db.selectFrom('users').selectAll().where('id', '=', (p.id as number) + 1));
      await assert.rejects(derived(handle.db, { id: 1 }), /precompiled query: id must reach the query as values, unchanged/);
    });
  });
}

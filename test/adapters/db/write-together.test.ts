import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CompiledQuery } from 'kysely';
import { precompiledInsert } from '../../../src/adapters/db/precompiled.ts';
import { writeTogether } from '../../../src/adapters/db/write-together.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../support/databases.ts';

const AT = '2026-11-26T10:00:00.000Z';
const insertUsers = precompiledInsert(['username', 'display_name', 'role', 'created_at'], (db, rows) => db.insertInto('users').values(rows as never));
const insertMessages = precompiledInsert(['system', 'event', 'payload', 'idempotency_key', 'next_attempt_at', 'created_at'], (db, rows) =>
  db.insertInto('outbox').values(rows as never).onConflict((oc) => oc.column('idempotency_key').doNothing()),
);
const user = (username: string) => ({ username, display_name: username.toUpperCase(), role: 'viewer', created_at: AT });
const message = (key: string) => ({ system: 'shop', event: 'bug.reported', payload: JSON.stringify({ key }), idempotency_key: key, next_attempt_at: AT, created_at: AT });

for (const dialect of DIALECTS) {
  describe(`writes run together on ${dialect}`, () => {
    let handle: TestDatabase;
    test.before(async () => {
      handle = await openTestDatabase(dialect);
    });
    test.after(() => handle.close());

    test('every write lands with its own values, whatever the number of values of each', async () => {
      await handle.db.transaction().execute(async (trx) => {
        await writeTogether(trx, [
          insertUsers(2).bind(trx, [user('wt-a'), user('wt-b')]),
          null,
          insertMessages(1).bind(trx, [message('wt-1')]),
          insertUsers(1).bind(trx, [user('wt-c')]),
        ]);
      });
      const users = await handle.db.selectFrom('users').select(['username', 'display_name']).where('username', 'like', 'wt-%').orderBy('username').execute();
      assert.deepEqual(users, [{ username: 'wt-a', display_name: 'WT-A' }, { username: 'wt-b', display_name: 'WT-B' }, { username: 'wt-c', display_name: 'WT-C' }]);
      const messages = await handle.db.selectFrom('outbox').select(['idempotency_key', 'payload']).where('idempotency_key', '=', 'wt-1').execute();
      assert.deepEqual(messages, [{ idempotency_key: 'wt-1', payload: '{"key":"wt-1"}' }]);
    });

    test('one write refused: none of them lands', async () => {
      await assert.rejects(
        handle.db.transaction().execute((trx) => writeTogether(trx, [insertMessages(1).bind(trx, [message('wt-2')]), insertUsers(1).bind(trx, [user('wt-a')])])),
        /unique|UNIQUE/,
      );
      assert.equal((await handle.db.selectFrom('outbox').select('id').where('idempotency_key', '=', 'wt-2').execute()).length, 0);
    });

    test('more values than PostgreSQL takes in one statement: written one by one, all of them', async () => {
      const users = Array.from({ length: 9_000 }, (_, i) => user(`wt-many-${i}`));
      const messages = Array.from({ length: 5_000 }, (_, i) => message(`wt-many-${i}`));
      await handle.db.transaction().execute(async (trx) => {
        const writes = [];
        for (let i = 0; i < users.length; i += 3_000) writes.push(insertUsers(3_000).bind(trx, users.slice(i, i + 3_000)));
        for (let i = 0; i < messages.length; i += 2_500) writes.push(insertMessages(2_500).bind(trx, messages.slice(i, i + 2_500)));
        await writeTogether(trx, writes); // 36,000 + 30,000 values
      });
      const count = async (table: 'users' | 'outbox', column: 'username' | 'idempotency_key') =>
        Number((await handle.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where(column, 'like', 'wt-many-%').executeTakeFirstOrThrow()).n);
      assert.equal(await count('users', 'username'), 9_000);
      assert.equal(await count('outbox', 'idempotency_key'), 5_000);
    });

    if (dialect === 'postgres') {
      test('a query whose text holds a $ that is not one of its values is refused, not shifted', async () => {
        const odd = CompiledQuery.raw("insert into users (username, display_name, role, created_at) values ($1, 'costs $2', 'viewer', $2)", ['wt-odd', AT]);
        await assert.rejects(writeTogether(handle.db, [insertUsers(1).bind(handle.db, [user('wt-d')]), { ...odd, parameters: ['wt-odd'] }]), /writeTogether: 1 values but placeholders up to \$2/);
      });
    }
  });
}

/**
 * Statement reuse for the hot paths. Kysely hands each query to the driver as SQL text; without
 * these wrappers SQLite would compile every statement again and PostgreSQL would parse and plan it
 * on every call. The same SQL text always gets the same prepared statement.
 */
import type { Database as SqliteDb } from 'better-sqlite3';
import type { PostgresPool, PostgresPoolClient, SqliteDatabase } from 'kysely';
import type pg from 'pg';

const MAX_STATEMENTS = 500;

/** better-sqlite3 with a bounded cache of prepared statements by SQL text. */
export function cachingSqlite(database: SqliteDb): SqliteDatabase {
  const cache = new Map<string, ReturnType<SqliteDb['prepare']>>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/** Data statements get a stable name, so each connection prepares them once. DDL stays unnamed. */
const NAMEABLE = /^\s*(select|insert|update|delete|with)\b/i;

export function namingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const nameFor = (sql: string): string | undefined => {
    if (!NAMEABLE.test(sql)) return undefined;
    let name = names.get(sql);
    if (!name && names.size < MAX_STATEMENTS) {
      name = `tonic_${names.size + 1}`;
      names.set(sql, name);
    }
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      let w = wrapped.get(client);
      if (!w) {
        w = {
          query: ((sqlOrCursor: string | object, parameters?: readonly unknown[]) => {
            if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as never);
            const name = nameFor(sqlOrCursor);
            return client.query(name ? { name, text: sqlOrCursor, values: parameters as unknown[] } : { text: sqlOrCursor, values: parameters as unknown[] });
          }) as unknown as PostgresPoolClient['query'],
          release: (destroy?: boolean) => client.release(destroy),
        };
        wrapped.set(client, w);
      }
      return w;
    },
    end: () => pool.end(),
  };
}

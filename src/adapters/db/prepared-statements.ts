/**
 * Statement reuse for the hot paths. Kysely hands each query to the driver as SQL text; without
 * these wrappers SQLite would compile every statement again and PostgreSQL would parse and plan it
 * on every call. The same SQL text always gets the same prepared statement.
 *
 * SQLite rows are also read as arrays and turned into objects here: better-sqlite3 builds each row
 * object through V8's per-property API, which costs more than running the query itself on a page
 * of bugs (a page of 51 summaries: about 550 µs as objects, 250 µs as arrays built into objects
 * by a function made for the statement's columns).
 */
import type { Database as SqliteDb, Statement as SqliteDbStatement } from 'better-sqlite3';
import type { PostgresPool, PostgresPoolClient, SqliteDatabase, SqliteStatement } from 'kysely';
import type pg from 'pg';

const MAX_STATEMENTS = 500;

/** better-sqlite3 with a bounded cache of prepared statements by SQL text. */
export function cachingSqlite(database: SqliteDb): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = arrayRows(database.prepare(sql));
        if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * A statement that returns rows reads them as arrays and builds each object with a function made
 * for its columns: the same objects (a repeated column name keeps the last value, as
 * better-sqlite3 does), with one fixed shape that V8 creates fast.
 */
function arrayRows(statement: SqliteDbStatement): SqliteStatement {
  const names = statement.reader ? statement.columns().map((c) => c.name) : [];
  // An object literal's "__proto__" key would set the prototype, not a field.
  if (!statement.reader || names.includes('__proto__')) return statement;
  statement.raw(true);
  const toRow = rowBuilder(names);
  return {
    reader: true,
    all(parameters) {
      const arrays = statement.all(parameters) as unknown[][];
      const rows = new Array<unknown>(arrays.length);
      for (let i = 0; i < arrays.length; i++) rows[i] = toRow(arrays[i]!);
      return rows;
    },
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const values of statement.iterate(parameters) as IterableIterator<unknown[]>) yield toRow(values);
    },
  };
}

/** `(values) => ({ "id": values[0], "title": values[1], … })` for these column names. */
function rowBuilder(names: readonly string[]): (values: readonly unknown[]) => Record<string, unknown> {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: values[${i}]`).join(', ');
  // The body is made of JSON-quoted column names only.
  return new Function('values', `return { ${fields} };`) as (values: readonly unknown[]) => Record<string, unknown>;
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
            const config = name ? { name, text: sqlOrCursor, values: parameters as unknown[] } : { text: sqlOrCursor, values: parameters as unknown[] };
            // With a callback: pg's own promise kept results alive after their request had finished,
            // long enough for V8 to move them to its old generation (about 3 MB more a minor
            // collection under the read benchmark; only full collections freed them). Decision record 0025.
            return new Promise((resolve, reject) => client.query(config, (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result))));
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

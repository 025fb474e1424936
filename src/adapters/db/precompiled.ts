/**
 * Queries built and compiled once, then run with new values: for the statements every change
 * runs (read the bug, update it, append its history, audit event and outbox message). Kysely
 * builds a query as a tree of frozen nodes and compiles it to SQL on every call, which costs more
 * than SQLite takes to run such a statement; a precompiled query keeps the SQL and the place of
 * each value, so a call only puts the values in (decision record 0023).
 *
 *   const getBug = precompiled((db, p: { id: number; system: string }) =>
 *     db.selectFrom('bugs').selectAll().where('id', '=', p.id).where('system', '=', p.system));
 *   const { rows } = await getBug(trx, { id, system });
 *
 * While the query is built, each `p.name` is a placeholder: pass it to the query builder as a
 * value, unchanged (compute derived values before the call and pass them as values of their own).
 * A placeholder that was read but did not end up as a value is refused when the query is compiled.
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { DB } from './schema.ts';

/** Stands for a value while the query is built: `values[name]`, or `values[row][name]` for a row of an insert. */
class Placeholder {
  constructor(
    readonly name: string,
    readonly row?: number,
  ) {}

  valueIn(values: unknown): unknown {
    const from = (this.row === undefined ? values : (values as readonly unknown[])[this.row]) as Record<string, unknown>;
    return from[this.name];
  }
}

/** Runs the query with these values; `bind` gives the query with its values without running it (see write-together.ts). */
export type Precompiled<P, R> = ((db: Kysely<DB>, values: P) => Promise<QueryResult<R>>) & { bind(db: Kysely<DB>, values: P): CompiledQuery<R> };

export function precompiled<P extends object, R>(build: (db: Kysely<DB>, p: P) => Compilable<R>): Precompiled<P, R> {
  // One compiled form per database: the dialect decides the SQL (placeholders, quoting).
  const byAdapter = new WeakMap<object, CompiledQuery>();
  const bind = (db: Kysely<DB>, values: P): CompiledQuery<R> => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      compiled = compile(db, build);
      byAdapter.set(adapter, compiled);
    }
    const parameters = compiled.parameters.map((v) => (v instanceof Placeholder ? v.valueIn(values) : v));
    return { ...compiled, parameters } as CompiledQuery<R>;
  };
  return Object.assign(async (db: Kysely<DB>, values: P) => db.executeQuery(bind(db, values)), { bind });
}

function compile<P extends object, R>(db: Kysely<DB>, build: (db: Kysely<DB>, p: P) => Compilable<R>): CompiledQuery {
  const read = new Set<string>();
  const placeholders = new Proxy({} as P, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      read.add(name);
      return new Placeholder(name);
    },
  });
  const query = build(db, placeholders).compile() as CompiledQuery;
  const used = new Set(query.parameters.filter((v): v is Placeholder => v instanceof Placeholder && v.row === undefined).map((v) => v.name));
  const lost = [...read].filter((name) => !used.has(name));
  if (lost.length > 0) {
    throw new Error(`precompiled query: ${lost.join(', ')} must reach the query as values, unchanged (compute derived values before the call): ${query.sql}`);
  }
  return query;
}

/**
 * A family of precompiled queries told apart by a shape (the columns an update sets, the number of
 * rows an insert writes): one compiled form per shape met.
 */
export function precompiledByShape<S, P, R>(keyOf: (shape: S) => string, build: (shape: S) => Precompiled<P, R>): (shape: S) => Precompiled<P, R> {
  const shapes = new Map<string, Precompiled<P, R>>();
  return (shape) => {
    const key = keyOf(shape);
    let query = shapes.get(key);
    if (!query) {
      query = build(shape);
      // Bounded: a rare shape (a run's insert of 731 rows) is compiled again when it comes back.
      if (shapes.size >= MAX_SHAPES) shapes.delete(shapes.keys().next().value!);
      shapes.set(key, query);
    }
    return query;
  };
}

const MAX_SHAPES = 64;

/**
 * An insert of `count` rows of these columns (the shape), run with the rows themselves as values:
 * `insertEvents(rows.length)(trx, rows)`. `build` gets the rows of placeholders to pass to `values(…)`.
 */
export function precompiledInsert<C extends string>(
  columns: readonly C[],
  build: (db: Kysely<DB>, rows: Record<C, unknown>[]) => Compilable<unknown>,
): (count: number) => Precompiled<readonly Record<C, unknown>[], unknown> {
  return precompiledByShape(
    (count: number) => String(count),
    (count) =>
      precompiled<readonly Record<C, unknown>[], unknown>((db) =>
        build(db, Array.from({ length: count }, (_, row) => Object.fromEntries(columns.map((c) => [c, new Placeholder(c, row)])) as Record<C, unknown>)),
      ),
  );
}

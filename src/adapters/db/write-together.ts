/**
 * Writes that go together at the end of a change (its history, audit events and outbox message)
 * sent as one statement on PostgreSQL, one round trip instead of three: `with w1 as (insert …),
 * w2 as (insert …) insert …`. SQLite runs in this process, where a statement costs no round trip,
 * and has no data-modifying WITH: there they run one after the other. Decision record 0023.
 *
 * Only for writes that touch different rows and read nothing the others write: PostgreSQL runs the
 * parts of one statement on the same snapshot, in no set order.
 */
import { PostgresAdapter, type CompiledQuery, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

const MAX_POSTGRES_VALUES = 65_535;

export async function writeTogether(db: Kysely<DB>, writes: readonly (CompiledQuery | null)[]): Promise<void> {
  const queries = writes.filter((w): w is CompiledQuery => w !== null);
  if (queries.length === 0) return;
  // PostgreSQL takes at most 65,535 values in one statement: a rare large batch goes one by one.
  const values = queries.reduce((n, query) => n + query.parameters.length, 0);
  if (queries.length === 1 || values > MAX_POSTGRES_VALUES || !(db.getExecutor().adapter instanceof PostgresAdapter)) {
    for (const query of queries) await db.executeQuery(query);
    return;
  }
  const parameters: unknown[] = [];
  const parts = queries.map((query) => {
    const offset = parameters.length;
    parameters.push(...query.parameters);
    // Each query numbers its values from $1: shifted past the values of the queries before it.
    let highest = 0;
    const shifted = query.sql.replace(/\$(\d+)/g, (_, n: string) => {
      highest = Math.max(highest, Number(n));
      return `$${Number(n) + offset}`;
    });
    if (highest !== query.parameters.length) throw new Error(`writeTogether: ${query.parameters.length} values but placeholders up to $${highest} in: ${query.sql}`);
    return shifted;
  });
  const last = parts.pop()!;
  const sql = `with ${parts.map((part, i) => `w${i + 1} as (${part})`).join(', ')} ${last}`;
  await db.executeQuery({ ...queries[queries.length - 1]!, sql, parameters });
}

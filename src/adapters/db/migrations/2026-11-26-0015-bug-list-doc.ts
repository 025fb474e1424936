// Frozen: a migration never imports application code and is never edited once released.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * `bugs.doc`: a bug as the bug list shows it, as JSON text, left open for the fields that depend on
 * who asks (decision record 0025). Every stored field of a bug's summary, in the summary's order,
 * from id to updatedAt; the JSON columns (services, fix_refs, conflict) are embedded as stored,
 * since Tonic writes them with JSON.stringify.
 *
 * PostgreSQL keeps it (a stored generated column, written with the row): writing the JSON on every
 * read cost the server five times the query. SQLite writes it when it is read (a virtual column),
 * which costs it less than handing Node the columns.
 *
 * A change to the summary's stored fields needs a migration that defines the column again; the
 * page test (test/features/bugs/bug-page-json.test.ts) compares the two.
 */
type Field = [key: string, column: string, kind: 'text' | 'number' | 'json'];

const FIELDS: Field[] = [
  ['id', 'id', 'number'], ['system', 'system', 'text'], ['title', 'title', 'text'], ['severity', 'severity', 'text'], ['status', 'status', 'text'],
  ['foundInEnv', 'found_in_env', 'text'], ['module', 'module', 'text'], ['services', 'services', 'json'], ['fixFlow', 'fix_flow', 'text'],
  ['flowReason', 'flow_reason', 'text'], ['flowHold', 'flow_hold', 'text'], ['flowOverrideReason', 'flow_override_reason', 'text'],
  ['reporter', 'reporter', 'text'], ['fixAttachedBy', 'fix_attached_by', 'text'], ['fixRefs', 'fix_refs', 'json'], ['conflict', 'conflict', 'json'],
  ['releaseId', 'release_id', 'number'], ['runsAt', 'runs_at', 'text'], ['version', 'version', 'number'], ['createdAt', 'created_at', 'text'],
  ['updatedAt', 'updated_at', 'text'],
];

/** The column's expression: `'{"id":' || id || ',"system":' || <system as a JSON string> || …`. */
function docExpression(postgres: boolean): string {
  const value = ([, column, kind]: Field) => {
    if (kind === 'json') return `coalesce(${column}, 'null')`;
    if (kind === 'number') return postgres ? `coalesce(${column}::text, 'null')` : `coalesce(${column}, 'null')`;
    return postgres ? `tonic_json_text(${column})` : `json_quote(${column})`;
  };
  return FIELDS.map((field, i) => `'${i ? ',' : '{'}"${field[0]}":' || ${value(field)}`).join(' || ');
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    // to_json is stable (it follows each type's output function); for text it depends on nothing,
    // which a generated column requires.
    await sql`
      create or replace function tonic_json_text(value text) returns text language sql immutable parallel safe
      as $$ select coalesce(to_json(value)::text, 'null') $$`.execute(db);
    await sql.raw(`alter table bugs add column doc text generated always as (${docExpression(true)}) stored`).execute(db);
    return;
  }
  await sql.raw(`alter table bugs add column doc text generated always as (${docExpression(false)}) virtual`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table bugs drop column doc`.execute(db);
  if (isPostgres(db)) await sql`drop function if exists tonic_json_text(text)`.execute(db);
}

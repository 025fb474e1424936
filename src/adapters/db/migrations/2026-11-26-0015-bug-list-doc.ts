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
 * Both databases keep it, written with the row by triggers: writing the JSON on every read cost
 * PostgreSQL five times the query, and SQLite 5 µs a bug read (most of a page's query). On
 * PostgreSQL a generated column cannot call to_json, which is only stable, and wrapped in an
 * immutable SQL function it was not inlined: 100 µs a row written, against 20 µs for the trigger.
 * SQLite cannot add a stored generated column to a table that exists.
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

/** The JSON text of a row: `'{"id":' || id || ',"system":' || <system as a JSON string> || …`; `row`: how columns are reached ("new." in a trigger). */
function docExpression(postgres: boolean, row = ''): string {
  const value = ([, column, kind]: Field) => {
    if (kind === 'json') return `coalesce(${row}${column}, 'null')`;
    if (kind === 'number') return `coalesce(${row}${column}${postgres ? '::text' : ''}, 'null')`;
    return postgres ? `coalesce(to_json(${row}${column})::text, 'null')` : `json_quote(${row}${column})`;
  };
  return FIELDS.map((field, i) => `'${i ? ',' : '{'}"${field[0]}":' || ${value(field)}`).join(' || ');
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`alter table bugs add column doc text`.execute(db);
    // Whatever a statement puts in doc, the trigger writes it again from the row.
    await sql
      .raw(
        `create function tonic_bug_doc() returns trigger language plpgsql as $$
        begin
          new.doc := ${docExpression(true, 'new.')};
          return new;
        end
        $$`,
      )
      .execute(db);
    await sql`create trigger bugs_doc before insert or update on bugs for each row execute function tonic_bug_doc()`.execute(db);
    await sql`update bugs set doc = null`.execute(db);
    return;
  }
  await sql`alter table bugs add column doc text`.execute(db);
  // SQLite cannot change NEW in a trigger: the row is written again (recursive triggers are off,
  // and doc is not among the columns whose update fires the second trigger).
  const rewrite = `update bugs set doc = ${docExpression(false, 'new.')} where id = new.id;`;
  await sql.raw(`create trigger bugs_doc_insert after insert on bugs begin ${rewrite} end`).execute(db);
  await sql.raw(`create trigger bugs_doc_update after update of ${FIELDS.map(([, column]) => column).join(', ')} on bugs begin ${rewrite} end`).execute(db);
  await sql.raw(`update bugs set doc = ${docExpression(false)}`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop trigger if exists bugs_doc on bugs`.execute(db);
    await sql`drop function if exists tonic_bug_doc()`.execute(db);
  } else {
    await sql`drop trigger if exists bugs_doc_insert`.execute(db);
    await sql`drop trigger if exists bugs_doc_update`.execute(db);
  }
  await sql`alter table bugs drop column doc`.execute(db);
}

/**
 * Opens the database: an SQLite file (WAL) by default, PostgreSQL when a postgres:// URL is given.
 * One set of migrations serves both (`./migrations`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, sql, PostgresDialect, SqliteDialect, type Migration, type MigrationResult } from 'kysely';
import pg from 'pg';
import * as core from './migrations/2026-11-26-0001-core.ts';
import * as releasesRuns from './migrations/2026-11-26-0002-releases-runs.ts';
import * as freezes from './migrations/2026-11-26-0003-freezes.ts';
import * as rollbacks from './migrations/2026-11-26-0006-rollbacks.ts';
import * as hotfixes from './migrations/2026-11-26-0004-hotfixes.ts';
import * as checklists from './migrations/2026-11-26-0005-checklists.ts';
import * as notifications from './migrations/2026-11-26-0008-notifications.ts';
import * as analysis from './migrations/2026-11-26-0009-analysis.ts';
import * as monitoring from './migrations/2026-11-26-0007-monitoring.ts';
import * as sessions from './migrations/2026-11-26-0010-sessions.ts';
import * as services from './migrations/2026-11-26-0011-services.ts';
import * as dashboard from './migrations/2026-11-26-0013-dashboard.ts';
import * as auditHeadFollows from './migrations/2026-11-26-0014-audit-head-follows.ts';
import * as bugListDoc from './migrations/2026-11-26-0015-bug-list-doc.ts';
import { listenPostgres, type Listening } from './pg-listen.ts';
import { cachingSqlite, namingPool } from './prepared-statements.ts';
import type { DB } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export type DatabaseHandle = {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Where it is, with any password removed: for logs and `tonic` output. */
  location: string;
  /** PostgreSQL: the schema in use (search_path); migrations keep their tables there too. */
  schema?: string;
  /** PostgreSQL only: LISTEN on a channel with a connection of its own (live dashboard updates). */
  listen?(channel: string, handlers: { onMessage(payload: string): void; onResume(): void; onError?(error: Error): void }): Promise<Listening>;
  close(): Promise<void>;
};

/** Every migration, in order. Names sort by date. */
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-26-0001-core': core,
  '2026-11-26-0002-releases-runs': releasesRuns,
  '2026-11-26-0003-freezes': freezes,
  '2026-11-26-0004-hotfixes': hotfixes,
  '2026-11-26-0005-checklists': checklists,
  '2026-11-26-0006-rollbacks': rollbacks,
  '2026-11-26-0007-monitoring': monitoring,
  '2026-11-26-0008-notifications': notifications,
  '2026-11-26-0009-analysis': analysis,
  '2026-11-26-0010-sessions': sessions,
  '2026-11-26-0011-services': services,
  '2026-11-26-0013-dashboard': dashboard,
  '2026-11-26-0014-audit-head-follows': auditHeadFollows,
  '2026-11-26-0015-bug-list-doc': bugListDoc,
};

export type OpenOptions = {
  /** `postgres://…` or a file path for SQLite (":memory:" too). */
  url: string;
  /** PostgreSQL: the schema to use (created if missing); tests isolate themselves with it. */
  schema?: string;
  poolSize?: number;
  /** PostgreSQL: names the connections (pg_stat_activity), so `tonic restore` can see a running server. */
  applicationName?: string;
};

export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (dialectOf(options.url) === 'postgres') {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      ...(options.applicationName ? { application_name: options.applicationName } : {}),
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new DatabaseUnavailableError(
        `cannot connect to the database at ${redactUrl(options.url)}: ${(error as Error).message}; check DATABASE_URL and that PostgreSQL is running and accepts this user`,
        { cause: error },
      );
    }
    try {
      if (options.schema) await client.query(`create schema if not exists "${options.schema.replaceAll('"', '')}"`);
    } finally {
      client.release();
    }
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: namingPool(pool) }) });
    const location = redactUrl(options.url) + (options.schema ? ` (schema ${options.schema})` : '');
    const listen: DatabaseHandle['listen'] = (channel, handlers) => listenPostgres({ connectionString: options.url, schema: options.schema, channel, ...handlers });
    return { db, dialect: 'postgres', location, schema: options.schema, listen, close: () => db.destroy() };
  }
  let database: SQLite.Database;
  try {
    if (options.url !== ':memory:') mkdirSync(dirname(options.url), { recursive: true });
    database = new SQLite(options.url);
  } catch (error) {
    throw new DatabaseUnavailableError(
      `cannot open the SQLite database at ${options.url}: ${(error as Error).message}; check that TONIC_HOME (or DATABASE_URL) names a folder this user can write`,
      { cause: error },
    );
  }
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachingSqlite(database) }) });
  return { db, dialect: 'sqlite', location: options.url, close: () => db.destroy() };
}

/** The URL with any password replaced by ***: safe for logs and messages. */
export function redactUrl(url: string): string {
  if (dialectOf(url) === 'sqlite') return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

function migrator(db: Kysely<DB>, schema?: string): Migrator {
  // Without the schema, Kysely looks for its lock table in every schema and may find another's.
  // Unordered: features land in parallel, so a database may have run a later-dated migration
  // before an earlier-dated one arrived; each migration stands alone, so the order between them is free.
  return new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS }, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) });
}

/** The database cannot be reached or opened: nothing was read or written. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

/** The database's schema is not one this version can run on. */
export class SchemaVersionError extends Error {
  override name = 'SchemaVersionError';
}

/** Names of the migrations applied to this database, in order; empty when it has none yet. */
export async function appliedMigrations(handle: Pick<DatabaseHandle, 'db' | 'schema'>): Promise<string[]> {
  const tables = await handle.db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration' && (handle.schema === undefined || t.schema === undefined || t.schema === handle.schema))) return [];
  const rows = await sql<{ name: string }>`select name from ${sql.table(handle.schema ? `${handle.schema}.kysely_migration` : 'kysely_migration')} order by name`.execute(handle.db);
  return rows.rows.map((r) => r.name);
}

export async function migrateToLatest(handle: Pick<DatabaseHandle, 'db' | 'schema'>): Promise<MigrationResult[]> {
  // A database a newer version has migrated is not ours to run on: its schema may mean other things.
  const unknown = (await appliedMigrations(handle)).filter((name) => !(name in MIGRATIONS));
  if (unknown.length > 0) {
    throw new SchemaVersionError(
      `the database was migrated by a newer Tonic Deploy (migration ${unknown.join(', ')} is unknown to this version): run that version or newer, or restore a backup made by this one`,
    );
  }
  const m = migrator(handle.db, handle.schema);
  const { error, results } = await m.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${cause}`.replace('  ', ' '), { cause: error });
  }
  return results ?? [];
}

export async function migrateDown(handle: Pick<DatabaseHandle, 'db' | 'schema'>): Promise<MigrationResult[]> {
  const { error, results } = await migrator(handle.db, handle.schema).migrateDown();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results ?? [];
}

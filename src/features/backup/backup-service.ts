/**
 * `tonic backup` and `tonic restore`: a consistent copy of the database (SQLite's online backup
 * API; `pg_dump` for PostgreSQL) plus the configuration file, in one file with a manifest; and
 * the way back, which checks everything before it replaces anything.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import { appliedMigrations, dialectOf, MIGRATIONS, openDatabase, redactUrl } from '../../adapters/db/database.ts';
import type { Clock } from '../../shared/clock.ts';
import { decodeBackup, encodeBackup, restorableBy, type BackupManifest } from './backup-format.ts';
import { runningServer } from './server-marker.ts';

const run = promisify(execFile);
const TOOL_TIMEOUT_MS = 10 * 60_000;
const DATABASE_PART = { sqlite: 'database.sqlite', postgres: 'database.sql' } as const;
const CONFIG_PART = 'tonic.config.yaml';

export class BackupError extends Error {
  override name = 'BackupError';
}

type Target = {
  /** DATABASE_URL or the SQLite file. */
  databaseUrl: string;
  /** The configuration file to include or restore, if any. */
  configFile: string | null;
  /** TONIC_HOME: where a running server leaves its marker. */
  home: string;
};

export async function writeBackup(target: Target, out: string, clock: Clock): Promise<BackupManifest> {
  const dialect = dialectOf(target.databaseUrl);
  const database = dialect === 'sqlite' ? await copySqlite(target.databaseUrl) : await dumpPostgres(target.databaseUrl);
  const parts: { name: string; content: Buffer }[] = [{ name: DATABASE_PART[dialect], content: database.content }];
  if (target.configFile && existsSync(target.configFile)) parts.push({ name: CONFIG_PART, content: readFileSync(target.configFile) });
  const file = encodeBackup({ createdAt: clock.now().toISOString(), dialect, source: database.location, migrations: database.migrations }, parts);
  // Written beside the destination and renamed: a reader never sees half a backup.
  const partial = `${out}.partial`;
  writeFileSync(partial, file);
  renameSync(partial, out);
  return decodeBackup(file).manifest;
}

export type RestoreResult = { manifest: BackupManifest; configRestored: string | null; migratedForward: string[] };

export async function restoreBackup(target: Target, file: string): Promise<RestoreResult> {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist: give the path of a file written by \`tonic backup\``);
  const { manifest, parts } = decodeBackup(readFileSync(file), file);
  const dialect = dialectOf(target.databaseUrl);
  if (manifest.dialect !== dialect) {
    throw new BackupError(
      `${file} holds a ${manifest.dialect} database but the target is ${dialect} (${redactUrl(target.databaseUrl)}): restore it into a ${manifest.dialect} database (set DATABASE_URL)`,
    );
  }
  const verdict = restorableBy(manifest, Object.keys(MIGRATIONS));
  if (!verdict.ok) throw new BackupError(verdict.reason);
  const running = await runningServer(target.home, target.databaseUrl);
  if (running) throw new BackupError(`${running}: stop it before restoring, so nothing writes to the database while it is replaced`);

  const content = parts.get(DATABASE_PART[dialect]);
  if (!content) throw new BackupError(`${file} has no ${DATABASE_PART[dialect]} part: it is not a complete backup`);
  if (dialect === 'sqlite') replaceSqlite(target.databaseUrl, content);
  else await replacePostgres(target.databaseUrl, content);

  let configRestored: string | null = null;
  const config = parts.get(CONFIG_PART);
  if (config && target.configFile) {
    if (existsSync(target.configFile) && !readFileSync(target.configFile).equals(config)) renameSync(target.configFile, `${target.configFile}.before-restore`);
    writeFileSync(target.configFile, config);
    configRestored = target.configFile;
  }
  // A backup from an older version is brought up to this version's schema at once.
  const { migrateToLatest } = await import('../../adapters/db/database.ts');
  const database = await openDatabase({ url: target.databaseUrl });
  try {
    const migratedForward = (await migrateToLatest(database)).map((r) => r.migrationName);
    return { manifest, configRestored, migratedForward };
  } finally {
    await database.close();
  }
}

async function copySqlite(path: string): Promise<{ content: Buffer; location: string; migrations: string[] }> {
  if (path === ':memory:' || !existsSync(path)) throw new BackupError(`no database at ${path}: set TONIC_HOME or DATABASE_URL to the server's`);
  const dir = mkdtempSync(join(tmpdir(), 'tonic-backup-'));
  try {
    const copy = join(dir, 'copy.sqlite');
    // The online backup API copies a consistent snapshot while a server may keep writing.
    const source = new SQLite(path, { readonly: true, fileMustExist: true });
    try {
      await source.backup(copy);
    } finally {
      source.close();
    }
    const check = new SQLite(copy, { readonly: true });
    let migrations: string[];
    try {
      migrations = migrationsIn(check);
    } finally {
      check.close();
    }
    return { content: readFileSync(copy), location: path, migrations };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function migrationsIn(database: SQLite.Database): string[] {
  const table = database.prepare("select name from sqlite_master where type = 'table' and name = 'kysely_migration'").get();
  if (!table) throw new BackupError('the database has no Tonic Deploy schema: is this the server\'s database? (run `tonic migrate` to create one)');
  return (database.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
}

async function dumpPostgres(url: string): Promise<{ content: Buffer; location: string; migrations: string[] }> {
  const database = await openDatabase({ url });
  let migrations: string[];
  try {
    migrations = await appliedMigrations(database);
  } finally {
    await database.close();
  }
  if (migrations.length === 0) throw new BackupError(`${redactUrl(url)} has no Tonic Deploy schema: is DATABASE_URL the server's?`);
  const { stdout } = await tool('pg_dump', ['--no-owner', '--no-privileges', '--format=plain', '--dbname', url], url);
  return { content: Buffer.from(stdout), location: redactUrl(url), migrations };
}

function replaceSqlite(path: string, content: Buffer): void {
  const incoming = join(dirname(path), `.${basename(path)}.restoring`);
  writeFileSync(incoming, content);
  try {
    const check = new SQLite(incoming, { readonly: true });
    try {
      const result = check.pragma('integrity_check', { simple: true });
      if (result !== 'ok') throw new BackupError(`the database in the backup fails SQLite's integrity check (${String(result)}): nothing was replaced`);
      migrationsIn(check);
    } finally {
      check.close();
    }
    if (existsSync(path)) {
      // Fold any write-ahead log into the old file first, so no stale log is replayed onto the new one.
      const old = new SQLite(path);
      try {
        old.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        old.close();
      }
      for (const suffix of ['-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    }
    renameSync(incoming, path);
  } finally {
    rmSync(incoming, { force: true });
  }
}

async function replacePostgres(url: string, dump: Buffer): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tonic-restore-'));
  try {
    // One transaction: the old schema is dropped and the dump loaded together, or nothing changes.
    const script = join(dir, 'restore.sql');
    writeFileSync(script, Buffer.concat([Buffer.from('drop schema public cascade;\ncreate schema public;\n'), dump]));
    await tool('psql', ['--quiet', '--no-psqlrc', '--single-transaction', '-v', 'ON_ERROR_STOP=1', '--dbname', url, '--file', script], url);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tool(name: 'pg_dump' | 'psql', args: string[], url: string): Promise<{ stdout: string }> {
  try {
    return await run(name, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 2 * 1024 * 1024 * 1024, env: { ...process.env, PGAPPNAME: `tonic-${name}` } });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new BackupError(`${name} is not installed: install PostgreSQL's client tools (Debian: apt-get install postgresql-client)`);
    const detail = (e.stderr ?? e.message).trim().split('\n').slice(0, 5).join(' | ');
    throw new BackupError(`${name} failed on ${redactUrl(url)}: ${detail.replaceAll(url, redactUrl(url))}${name === 'psql' ? ' (nothing was replaced)' : ''}`);
  }
}

/**
 * `tonic backup` and `tonic restore`: run on the server's machine against the database itself
 * (DATABASE_URL, or the SQLite file under TONIC_HOME) and the configuration file.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readSettings } from '../config/settings.ts';
import { systemClock } from '../shared/clock.ts';
import { noPositionals, parseCommand, UsageError } from './args.ts';
import { printJson, printUsage, type CliIo } from './cli-io.ts';
import { USAGE } from './usage.ts';

export async function runBackup(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.backup;
  const { values, positionals } = parseCommand(args, { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);
  const settings = readSettings(io.env, io.cwd);
  const { writeBackup } = await import('../features/backup/backup-service.ts');
  const stamp = systemClock.now().toISOString().replaceAll(':', '').replace(/\.\d+Z$/, 'Z');
  const out = values.out ? resolve(io.cwd, values.out) : join(settings.home, 'backups', `tonic-${stamp}.tonicbak`);
  mkdirSync(join(out, '..'), { recursive: true });
  const manifest = await guarded(io, () => writeBackup(targetOf(settings), out, systemClock));
  if (manifest === null) return 1;
  if (values.json) return printJson(io, { file: out, manifest });
  io.out(`wrote ${out}`);
  io.out(`  ${manifest.dialect} database from ${manifest.source}, schema ${manifest.migrations.at(-1) ?? '(none)'}`);
  for (const part of manifest.parts) io.out(`  ${part.name}: ${part.bytes} bytes, sha256 ${part.sha256.slice(0, 16)}…`);
  return 0;
}

export async function runRestore(args: string[], io: CliIo): Promise<number> {
  const usage = USAGE.restore;
  const { values, positionals } = parseCommand(args, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, usage);
  if (values.help) return printUsage(io, usage);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'which backup file?' : 'give one backup file', usage);
  const settings = readSettings(io.env, io.cwd);
  const { restoreBackup } = await import('../features/backup/backup-service.ts');
  const result = await guarded(io, () => restoreBackup(targetOf(settings), resolve(io.cwd, positionals[0]!)));
  if (result === null) return 1;
  if (values.json) return printJson(io, result);
  io.out(`restored the ${result.manifest.dialect} database of ${result.manifest.createdAt} (schema ${result.manifest.migrations.at(-1)})`);
  if (result.migratedForward.length > 0) io.out(`  then applied ${result.migratedForward.join(', ')}`);
  io.out(result.configRestored ? `  configuration written to ${result.configRestored}` : '  configuration not restored (no TONIC_CONFIG or tonic.config.yaml here)');
  return 0;
}

function targetOf(settings: ReturnType<typeof readSettings>) {
  return { databaseUrl: settings.databaseUrl, configFile: settings.configFile, home: settings.home };
}

/** Backup problems are the user's to fix: one line on stderr, exit status 1. */
async function guarded<T>(io: CliIo, work: () => Promise<T>): Promise<T | null> {
  const { BackupError } = await import('../features/backup/backup-service.ts');
  const { BackupFileError } = await import('../features/backup/backup-format.ts');
  try {
    return await work();
  } catch (error) {
    if (error instanceof BackupError || error instanceof BackupFileError) {
      io.err(`error: ${error.message}`);
      return null;
    }
    throw error;
  }
}

/**
 * `tonic audit verify`: walks the audit hash chain in the database itself (DATABASE_URL, or the
 * SQLite file under TONIC_HOME), so it works with the server stopped and trusts no API answer.
 */
import { existsSync } from 'node:fs';
import { readSettings } from '../config/settings.ts';
import { noPositionals, parseCommand, UsageError } from './args.ts';
import { printJson, printUsage, type CliIo } from './cli-io.ts';
import { USAGE } from './usage.ts';

export async function runAudit(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const usage = USAGE.auditVerify;
  if (sub === 'help' || sub === '--help' || sub === '-h') return printUsage(io, usage);
  if (sub !== 'verify') throw new UsageError(sub === undefined ? 'which audit command?' : `unknown command "audit ${sub}"`, usage);
  const { values, positionals } = parseCommand(rest, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, usage);
  if (values.help) return printUsage(io, usage);
  noPositionals(positionals, usage);

  const settings = readSettings(io.env, io.cwd);
  const { dialectOf, openDatabase } = await import('../adapters/db/database.ts');
  const { createAuditStore } = await import('../features/audit/audit-store.ts');
  const dialect = dialectOf(settings.databaseUrl);
  if (dialect === 'sqlite' && settings.databaseUrl !== ':memory:' && !existsSync(settings.databaseUrl)) {
    io.err(`error: no database at ${settings.databaseUrl}; set TONIC_HOME or DATABASE_URL to the server's, or create it with \`tonic migrate\``);
    return 1;
  }
  const database = await openDatabase({ url: settings.databaseUrl });
  try {
    const result = await createAuditStore().verify(database.db);
    if (values.json) {
      printJson(io, result);
    } else if (result.ok) {
      io.out(`audit chain OK: ${plural(result.streams, 'stream')}, ${plural(result.events, 'event')} checked (${database.location})`);
    } else {
      io.out(`audit chain BROKEN: ${plural(result.breaks.length, 'break')} in ${plural(result.streams, 'stream')}, ${plural(result.events, 'event')} checked (${database.location})`);
      for (const b of result.breaks) io.out(`  stream ${b.stream}, seq ${b.seq}${b.id ? ` (event id ${b.id})` : ''}: ${b.problem}`);
    }
    return result.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

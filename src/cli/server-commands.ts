/**
 * `tonic serve` and `tonic migrate`: the server's own process and its database schema. Loaded
 * only when run, so the API commands start without the server's modules.
 */
import { parseCommand, noPositionals } from './args.ts';
import { printUsage, type CliIo } from './cli-io.ts';
import { USAGE } from './usage.ts';

export async function runServe(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { help: { type: 'boolean', short: 'h' } }, USAGE.serve);
  if (values.help) return printUsage(io, USAGE.serve);
  noPositionals(positionals, USAGE.serve);
  const { closeOnSignals, startServer } = await import('../http/server.ts');
  const { readSettings } = await import('../config/settings.ts');
  const server = await startServer(readSettings(io.env, io.cwd));
  closeOnSignals(server.close);
  return 0;
}

export async function runMigrate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { down: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE.migrate);
  if (values.help) return printUsage(io, USAGE.migrate);
  noPositionals(positionals, USAGE.migrate);
  const { migrateDown, migrateToLatest, openDatabase } = await import('../adapters/db/database.ts');
  const { readSettings } = await import('../config/settings.ts');
  const database = await openDatabase({ url: readSettings(io.env, io.cwd).databaseUrl });
  try {
    const results = values.down ? await migrateDown(database) : await migrateToLatest(database);
    for (const r of results) io.out(`${r.direction === 'Up' ? 'applied' : 'reverted'} ${r.migrationName}`);
    if (results.length === 0) io.out(`${database.location}: already up to date`);
  } finally {
    await database.close();
  }
  return 0;
}

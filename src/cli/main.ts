/**
 * The `tonic` command line. Server-side commands (serve, migrate, audit verify) work on the
 * database directly; the rest talk to a running server over the API (TONIC_URL, TONIC_TOKEN).
 */
import { migrateDown, migrateToLatest, openDatabase } from '../adapters/db/database.ts';
import { ConfigError } from '../config/load-config.ts';
import { readSettings, SettingsError } from '../config/settings.ts';
import { closeOnSignals, startServer } from '../http/server.ts';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const server = await startServer();
        closeOnSignals(server.close);
        return 0;
      }
      case 'migrate': {
        const settings = readSettings();
        const database = await openDatabase({ url: settings.databaseUrl });
        try {
          const results = rest.includes('--down') ? await migrateDown(database.db) : await migrateToLatest(database.db);
          for (const r of results) console.log(`${r.direction === 'Up' ? 'applied' : 'reverted'} ${r.migrationName}`);
          if (results.length === 0) console.log(`${database.location}: already up to date`);
        } finally {
          await database.close();
        }
        return 0;
      }
      default:
        console.error(`unknown command ${command ?? ''}`.trim());
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SettingsError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

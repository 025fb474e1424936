/**
 * The dialects every store and use-case test runs on. `npm test` (scripts/run-tests.mjs) starts a
 * private PostgreSQL and sets TONIC_TEST_PG_URL; in CI a missing PostgreSQL is a failure, never a skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrateToLatest, openDatabase, type DatabaseHandle, type Dialect } from '../../src/adapters/db/database.ts';

export const DIALECTS: readonly Dialect[] = (process.env.TONIC_TEST_DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .map((d) => d.trim())
  .filter((d): d is Dialect => {
    if (d !== 'sqlite' && d !== 'postgres') throw new Error(`TONIC_TEST_DIALECTS lists "${d}": use sqlite and/or postgres`);
    return true;
  });

export type TestDatabase = DatabaseHandle & {
  /** Where it is: open it again with openDatabase({ url }) (several instances on one database). */
  url: string;
};

/**
 * A fresh, migrated database of the dialect: a temporary SQLite file, or a whole new PostgreSQL
 * database. (Not a schema: Kysely's migrator looks at every schema of the database, and fails when
 * another test drops its schema at that moment.)
 */
export async function openTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tonic-test-'));
    const url = join(dir, 'tonic.sqlite');
    const handle = await openDatabase({ url });
    await migrateToLatest(handle);
    return {
      ...handle,
      url,
      close: async () => {
        await handle.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const scratch = await createScratchPgDatabase();
  const handle = await openDatabase({ url: scratch.url, poolSize: 5 });
  await migrateToLatest(handle);
  return {
    ...handle,
    url: scratch.url,
    close: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

/** A whole new PostgreSQL database (for a server process given DATABASE_URL), dropped afterwards. */
export async function createScratchPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TONIC_TEST_PG_URL;
  if (!admin) throw new Error('PostgreSQL tests need TONIC_TEST_PG_URL: run them with `npm test`');
  const name = `scratch_${randomBytes(5).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // pg's Pool.end() resolves before its connections have closed; forcing the drop at once would
    // terminate them mid-close, and their "terminating connection" error would surface in whatever
    // test runs next. Wait for them to go (a short while), and force only then.
    drop: async () => {
      for (let i = 0; i < 40; i++) {
        try {
          return await run(`drop database if exists ${name}`);
        } catch (error) {
          if ((error as { code?: string }).code !== '55006') throw error; // object_in_use
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await run(`drop database if exists ${name} with (force)`);
    },
  };
}

/**
 * A running server leaves a marker in TONIC_HOME (and, on PostgreSQL, names its connections), so
 * that `tonic restore` can refuse to replace a database under a server's feet.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialectOf, openDatabase, redactUrl } from '../../adapters/db/database.ts';
import { sql } from 'kysely';

export const SERVER_APPLICATION_NAME = 'tonic-server';

type Marker = { pid: number; address: string; database: string; startedAt: string };

const markerPath = (home: string) => join(home, 'server.json');

/** Called by the server once it listens; the returned function removes the marker. */
export function leaveServerMarker(home: string, marker: Marker): () => void {
  const path = markerPath(home);
  mkdirSync(home, { recursive: true });
  writeFileSync(path, JSON.stringify(marker));
  return () => {
    try {
      const current = JSON.parse(readFileSync(path, 'utf8')) as Marker;
      if (current.pid === marker.pid) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  };
}

/** Describes a server using this database, or null when none is. */
export async function runningServer(home: string, databaseUrl: string): Promise<string | null> {
  const path = markerPath(home);
  if (existsSync(path)) {
    try {
      const marker = JSON.parse(readFileSync(path, 'utf8')) as Marker;
      if (marker.database === redactUrl(databaseUrl) && isAlive(marker.pid)) {
        return `a Tonic server (pid ${marker.pid}, ${marker.address}, since ${marker.startedAt}) is running on this database`;
      }
    } catch {
      // an unreadable marker says nothing
    }
  }
  if (dialectOf(databaseUrl) === 'postgres') {
    const database = await openDatabase({ url: databaseUrl, poolSize: 1 });
    try {
      const { rows } = await sql<{ n: number; clients: string | null }>`
        select count(*)::int as n, string_agg(distinct coalesce(client_addr::text, 'local'), ', ') as clients
        from pg_stat_activity where datname = current_database() and application_name = ${SERVER_APPLICATION_NAME}`.execute(database.db);
      const found = rows[0];
      if (found && found.n > 0) return `${found.n} connection(s) of a Tonic server (from ${found.clients}) are open on ${redactUrl(databaseUrl)}`;
    } finally {
      await database.close();
    }
  }
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

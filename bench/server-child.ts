/**
 * One HTTP server for the read benchmark, in its own process so the load generator (in the
 * runner) never shares its event loop and its memory can be measured alone.
 *
 *   node --import tsx bench/server-child.ts product|minimal <database url>
 *
 * product: Tonic as `tonic serve` wires it (openDatabase, migrateToLatest, composeTonic,
 *          bootstrap, buildApp) listening on 127.0.0.1:0.
 * minimal: a bare Fastify route that runs the same indexed query with a prepared statement on the
 *          same database (better-sqlite3 or pg directly) and answers JSON.stringify(rows).
 */
import SQLite from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { dialectOf, migrateToLatest, openDatabase } from '../src/adapters/db/database.ts';
import { composeTonic } from '../src/compose.ts';
import { SUMMARY_COLUMNS } from '../src/features/bugs/bug-view.ts';
import { buildApp } from '../src/http/app.ts';
import { systemClock } from '../src/shared/clock.ts';
import { BENCH_TOKEN, benchHome, benchSystem, exitWithParent, type ServerCommand, type ServerMessage } from './common.ts';

// The same page the product serves: the columns of a bug list (a summary), newest first.
const COLUMNS = SUMMARY_COLUMNS.join(', ');
const PAGE_SQL_SQLITE = `select ${COLUMNS} from bugs where system = ? and status = ? order by id desc limit 51`;
const PAGE_SQL_PG = `select ${COLUMNS} from bugs where system = $1 and status = $2 order by id desc limit 51`;

function send(message: ServerMessage): void {
  process.send?.(message);
}

async function product(url: string): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const database = await openDatabase({ url });
  await migrateToLatest(database);
  const tonic = composeTonic({ database, config: { file: '(bench)', systems: [benchSystem()] }, clock: systemClock, home: benchHome() });
  await tonic.identity.bootstrap(BENCH_TOKEN);
  const app = await buildApp(tonic);
  return { app, close: () => tonic.close() };
}

async function minimal(url: string): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  type Query = { Params: { system: string }; Querystring: { status?: string } };
  if (dialectOf(url) === 'sqlite') {
    const db = new SQLite(url);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const page = db.prepare(PAGE_SQL_SQLITE);
    app.get<Query>('/api/v1/systems/:system/bugs', async (req, reply) => {
      reply.type('application/json; charset=utf-8');
      return JSON.stringify(page.all(req.params.system, req.query.status ?? ''));
    });
    return { app, close: async () => void db.close() };
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  app.get<Query>('/api/v1/systems/:system/bugs', async (req, reply) => {
    const res = await pool.query({ name: 'bugs_page', text: PAGE_SQL_PG, values: [req.params.system, req.query.status ?? ''] });
    reply.type('application/json; charset=utf-8');
    return JSON.stringify(res.rows);
  });
  return { app, close: () => pool.end() };
}

async function main(): Promise<void> {
  exitWithParent();
  const [kind, url] = process.argv.slice(2);
  if ((kind !== 'product' && kind !== 'minimal') || !url) throw new Error('usage: server-child.ts product|minimal <database url>');
  const { app, close } = kind === 'product' ? await product(url) : await minimal(url);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const mem = process.memoryUsage();
  send({ type: 'ready', port, pid: process.pid, rss: mem.rss, heapUsed: mem.heapUsed });
  process.on('message', (command: ServerCommand) => {
    if (command.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', micros: user + system });
    } else if (command.type === 'memory') {
      const m = process.memoryUsage();
      send({ type: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers });
    } else if (command.type === 'stop') {
      void (async () => {
        await app.close();
        await close();
        process.exit(0);
      })();
    }
  });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});

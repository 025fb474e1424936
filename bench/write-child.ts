/**
 * The write benchmark, in its own process:
 *
 *   node --import tsx bench/write-child.ts <database url> <n>
 *
 * Sets up 3·(n + warm-up) bugs in deployed_uat / flow1 with bulk inserts, then approves them one
 * at a time, a third each way:
 *   - product:  the use case, `bugs.approveProd` (read, rules, update, history, audit chain,
 *               outbox, in one transaction), as composeTonic wires it;
 *   - raw:      the same rows written with the bare driver: a bugs update, a bug_history, an
 *               audit_events and an outbox insert, one transaction, prepared statements (the
 *               target's baseline);
 *   - raw-full: every statement the use case sends today (read the bug, update, history, audit
 *               head taken (its upsert … returning locks it on PostgreSQL) + event (a trigger moves
 *               the head), outbox), by hand with prepared statements: what the use case's SQL costs
 *               without the layers above it (informational).
 * The three alternate in blocks (rotating which goes first) so that drift (WAL checkpoints,
 * autovacuum, JIT, a noisy neighbour) weighs on each alike. Finally checks what each wrote.
 */
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { dialectOf, openDatabase } from '../src/adapters/db/database.ts';
import { composeTonic } from '../src/compose.ts';
import { BUG_COLUMNS } from '../src/features/bugs/bug-store.ts';
import type { Actor } from '../src/features/identity/identity-service.ts';
import { systemClock } from '../src/shared/clock.ts';
import { benchHome, benchSystem, exitWithParent, SYSTEM, type WriteMessage } from './common.ts';
import { generateBugs, insertPostgres, insertSqlite } from './seed.ts';

const WARM_UP = 300;
const BLOCK = 250;
const ACTOR: Actor = { username: 'manager', role: 'manager' };
const RAW_STREAM = `${SYSTEM}~raw`;
const RAW_FULL_STREAM = `${SYSTEM}~raw-full`;
const GENESIS = '0'.repeat(64);

type SetupRow = ReturnType<typeof generateBugs>[number] & { id: number };
type Approve = (bug: SetupRow) => Promise<void> | void;
type Cutoff = { runsAt: string; runsAtLocal: string };
type Head = { seq: number; hash: string };

/** The audit event's hash, as the audit chain defines it (so `audit verify` accepts raw-full's chain). */
function chainHash(stream: string, seq: number, at: string, subject: string, data: string, prev: string): string {
  return createHash('sha256').update(JSON.stringify([stream, seq, at, ACTOR.username, 'bug.approve_prod', subject, data, prev])).digest('hex');
}

/** The values one approval writes, computed the way the use case computes them. */
function approvalValues(bug: SetupRow, stream: string, head: Head, cutoff: Cutoff) {
  const iso = new Date().toISOString();
  const data = { runsAt: cutoff.runsAt, runsAtLocal: cutoff.runsAtLocal };
  const auditData = JSON.stringify({ from: 'deployed_uat', to: 'pending_prod', reason: null, ...data });
  const seq = head.seq + 1;
  const hash = chainHash(stream, seq, iso, `bug:${bug.id}`, auditData, head.hash);
  const summary = { id: bug.id, title: bug.title, severity: bug.severity, status: 'pending_prod', fixFlow: bug.fix_flow, module: bug.module, services: JSON.parse(bug.services) as string[] };
  return {
    iso,
    history: JSON.stringify(data),
    audit: { seq, data: auditData, prev: head.hash, hash },
    payload: JSON.stringify({ bug: summary, actor: ACTOR.username, reason: null, ...data }),
    key: `bug.approved_prod:${bug.id}:v${bug.version + 1}`,
  };
}

const SQL = {
  get: `select ${BUG_COLUMNS.join(', ')} from bugs where id = $1 and system = $2`,
  update: "update bugs set status = 'pending_prod', runs_at = $1, version = $2, updated_at = $3 where id = $4 and version = $5",
  history: "insert into bug_history (bug_id, action, from_status, to_status, actor, reason, data, at) values ($1, 'approve_prod', 'deployed_uat', 'pending_prod', $2, null, $3, $4)",
  head: 'insert into audit_heads (stream, seq, hash) values ($1, 0, $2) on conflict (stream) do update set stream = excluded.stream returning seq, hash',
  audit: "insert into audit_events (stream, seq, at, actor, action, subject, data, prev_hash, hash) values ($1, $2, $3, $4, 'bug.approve_prod', $5, $6, $7, $8)",
  outbox: "insert into outbox (system, event, payload, idempotency_key, next_attempt_at, created_at) values ($1, 'bug.approved_prod', $2, $3, $4, $5) on conflict (idempotency_key) do nothing",
};
/** better-sqlite3 takes ? placeholders. */
const qmarks = (sql: string) => sql.replace(/\$\d+/g, '?');

function sqliteSides(file: string, cutoff: Cutoff): { raw: Approve; rawFull: Approve; close: () => void } {
  const db = new SQLite(file);
  // The pragmas openDatabase sets.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const s = Object.fromEntries(Object.entries(SQL).map(([k, v]) => [k, db.prepare(qmarks(v))])) as Record<keyof typeof SQL, SQLite.Statement>;
  const rawHead: Head = { seq: 0, hash: GENESIS };

  const raw = db.transaction((bug: SetupRow) => {
    const v = approvalValues(bug, RAW_STREAM, rawHead, cutoff);
    if (s.update.run(cutoff.runsAt, bug.version + 1, v.iso, bug.id, bug.version).changes !== 1) throw new Error(`raw: bug ${bug.id} not updated`);
    s.history.run(bug.id, ACTOR.username, v.history, v.iso);
    s.audit.run(RAW_STREAM, v.audit.seq, v.iso, ACTOR.username, `bug:${bug.id}`, v.audit.data, v.audit.prev, v.audit.hash);
    s.outbox.run(SYSTEM, v.payload, v.key, v.iso, v.iso);
    rawHead.seq = v.audit.seq;
    rawHead.hash = v.audit.hash;
  });

  const rawFull = db.transaction((bug: SetupRow) => {
    const row = s.get.get(bug.id, SYSTEM) as { status: string; version: number } | undefined;
    if (row?.status !== 'deployed_uat') throw new Error(`raw-full: bug ${bug.id} is not deployed_uat`);
    const head = s.head.get(RAW_FULL_STREAM, GENESIS) as Head;
    const v = approvalValues({ ...bug, version: row.version }, RAW_FULL_STREAM, head, cutoff);
    if (s.update.run(cutoff.runsAt, row.version + 1, v.iso, bug.id, row.version).changes !== 1) throw new Error(`raw-full: bug ${bug.id} not updated`);
    s.history.run(bug.id, ACTOR.username, v.history, v.iso);
    s.audit.run(RAW_FULL_STREAM, v.audit.seq, v.iso, ACTOR.username, `bug:${bug.id}`, v.audit.data, v.audit.prev, v.audit.hash);
    s.outbox.run(SYSTEM, v.payload, v.key, v.iso, v.iso);
  });

  return { raw: (bug) => raw(bug), rawFull: (bug) => rawFull(bug), close: () => db.close() };
}

async function postgresSides(url: string, cutoff: Cutoff): Promise<{ raw: Approve; rawFull: Approve; close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const q = <R extends pg.QueryResultRow = pg.QueryResultRow>(name: keyof typeof SQL, values: unknown[]) => client.query<R>({ name: `bench_${name}`, text: SQL[name], values });
  const inTransaction = async (work: () => Promise<void>) => {
    await client.query('begin');
    try {
      await work();
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  };
  const rawHead: Head = { seq: 0, hash: GENESIS };

  const raw = (bug: SetupRow) =>
    inTransaction(async () => {
      const v = approvalValues(bug, RAW_STREAM, rawHead, cutoff);
      if ((await q('update', [cutoff.runsAt, bug.version + 1, v.iso, bug.id, bug.version])).rowCount !== 1) throw new Error(`raw: bug ${bug.id} not updated`);
      await q('history', [bug.id, ACTOR.username, v.history, v.iso]);
      await q('audit', [RAW_STREAM, v.audit.seq, v.iso, ACTOR.username, `bug:${bug.id}`, v.audit.data, v.audit.prev, v.audit.hash]);
      await q('outbox', [SYSTEM, v.payload, v.key, v.iso, v.iso]);
      rawHead.seq = v.audit.seq;
      rawHead.hash = v.audit.hash;
    });

  const rawFull = (bug: SetupRow) =>
    inTransaction(async () => {
      const row = (await q<{ status: string; version: number }>('get', [bug.id, SYSTEM])).rows[0];
      if (row?.status !== 'deployed_uat') throw new Error(`raw-full: bug ${bug.id} is not deployed_uat`);
      const head = (await q<Head>('head', [RAW_FULL_STREAM, GENESIS])).rows[0]!;
      const v = approvalValues({ ...bug, version: row.version }, RAW_FULL_STREAM, head, cutoff);
      if ((await q('update', [cutoff.runsAt, row.version + 1, v.iso, bug.id, row.version])).rowCount !== 1) throw new Error(`raw-full: bug ${bug.id} not updated`);
      await q('history', [bug.id, ACTOR.username, v.history, v.iso]);
      await q('audit', [RAW_FULL_STREAM, v.audit.seq, v.iso, ACTOR.username, `bug:${bug.id}`, v.audit.data, v.audit.prev, v.audit.hash]);
      await q('outbox', [SYSTEM, v.payload, v.key, v.iso, v.iso]);
    });

  return { raw, rawFull, close: () => client.end() };
}

type Side = { name: 'product' | 'raw' | 'rawFull'; stream: string; approve: Approve; bugs: SetupRow[]; done: number; ms: number };

async function main(): Promise<void> {
  exitWithParent();
  const [url, nText] = process.argv.slice(2);
  const n = Number(nText);
  if (!url || !Number.isInteger(n) || n < BLOCK) throw new Error(`usage: write-child.ts <database url> <n ≥ ${BLOCK}>`);
  const sqlite = dialectOf(url) === 'sqlite';

  // Setup: fresh deployed_uat / flow1 bugs, inserted directly.
  const rows = generateBugs({ count: 3 * (n + WARM_UP), system: SYSTEM, seed: 7, until: new Date(), status: 'deployed_uat', fixFlow: 'flow1' });
  const ids = sqlite ? insertSqlite(url, rows) : await insertPostgres(url, rows);
  const bugs: SetupRow[] = rows.map((row, i) => ({ ...row, id: ids[i]! }));

  const database = await openDatabase({ url });
  const tonic = composeTonic({ database, config: { file: '(bench)', systems: [benchSystem()] }, clock: systemClock, home: benchHome() });
  // The hand-written sides write the cutoff the use case computes (the next T2), without computing it.
  const firstBug = bugs.shift()!;
  const probe = await tonic.bugs.approveProd(ACTOR, SYSTEM, firstBug.id);
  if (!probe.runsAt || !probe.runsAtLocal) throw new Error('approveProd answered no runsAt');
  const cutoff = { runsAt: probe.runsAt, runsAtLocal: probe.runsAtLocal };
  const hand = sqlite ? sqliteSides(url, cutoff) : await postgresSides(url, cutoff);

  const sides: Side[] = [
    { name: 'product', stream: SYSTEM, approve: async (bug) => void (await tonic.bugs.approveProd(ACTOR, SYSTEM, bug.id)), bugs: [], done: 0, ms: 0 },
    { name: 'raw', stream: RAW_STREAM, approve: hand.raw, bugs: [], done: 0, ms: 0 },
    { name: 'rawFull', stream: RAW_FULL_STREAM, approve: hand.rawFull, bugs: [], done: 0, ms: 0 },
  ];
  bugs.forEach((bug, i) => sides[i % 3]!.bugs.push(bug));
  const run = async (side: Side, count: number, measure: boolean) => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) await side.approve(side.bugs[side.done++]!);
    if (measure) side.ms += performance.now() - t0;
  };
  for (const side of sides) await run(side, WARM_UP - 1, false);
  for (let done = 0, block = 0; done < n; done += BLOCK, block++) {
    const count = Math.min(BLOCK, n - done);
    // Rotate which side goes first.
    for (let k = 0; k < 3; k++) await run(sides[(block + k) % 3]!, count, true);
  }

  // Each side wrote what it should have, and the chains with a head verify.
  const c = (row: { c: unknown }) => Number(row.c);
  const checks: string[] = [];
  let ok = true;
  let outboxExpected = 1; // the probe
  for (const side of sides) {
    const idList = side.bugs.slice(0, side.done).map((b) => b.id);
    if (side.name === 'product') idList.push(firstBug.id);
    outboxExpected += side.done;
    const pending = await tonic.db.selectFrom('bugs').select((eb) => eb.fn.countAll().as('c')).where('id', 'in', idList).where('status', '=', 'pending_prod').executeTakeFirstOrThrow();
    const history = await tonic.db.selectFrom('bug_history').select((eb) => eb.fn.countAll().as('c')).where('bug_id', 'in', idList).executeTakeFirstOrThrow();
    const audit = await tonic.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('c')).where('stream', '=', side.stream).executeTakeFirstOrThrow();
    ok &&= c(pending) === idList.length && c(history) === idList.length && c(audit) === idList.length;
    checks.push(`${side.name} ${c(pending)}/${c(history)}/${c(audit)} of ${idList.length}`);
  }
  const outbox = c(await tonic.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('c')).where('event', '=', 'bug.approved_prod').executeTakeFirstOrThrow());
  const chain = await tonic.audit.verify(tonic.db);
  ok &&= outbox === outboxExpected && chain.ok;
  const check = `${ok ? 'ok' : 'MISMATCH'}: pending_prod/history/audit ${checks.join(', ')}; outbox ${outbox}; audit chains ${chain.ok ? 'verify' : 'BROKEN'}`;
  await hand.close();
  await tonic.close();

  const rate = (side: Side) => ({ seconds: side.ms / 1000, perSecond: n / (side.ms / 1000) });
  const [product, raw, rawFull] = sides.map(rate) as [ReturnType<typeof rate>, ReturnType<typeof rate>, ReturnType<typeof rate>];
  const message: WriteMessage = { type: 'result', result: { n, product, raw, rawFull, ratio: product.perSecond / raw.perSecond, check } };
  process.send?.(message);
  process.exit(0);
}

main().catch((error: unknown) => {
  const message: WriteMessage = { type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  process.send?.(message);
  process.exit(1);
});

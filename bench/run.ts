/**
 * Tonic Deploy benchmark: `npm run bench`.
 *
 * In one run, on SQLite and then on PostgreSQL (a private cluster; SKIPPED when PostgreSQL is not
 * installed):
 *   1. Reading: 100,000 bugs seeded with bulk inserts; autocannon (10 connections, in this
 *      process) against the product (`buildApp`, in a child process) and against a minimal
 *      Fastify route running the same indexed query with a prepared statement on the same
 *      database (in another child process, measured after the product, alone on the machine).
 *   2. Writing: `approveProd` through the use case vs the same rows written with the bare driver.
 *   3. Memory: the product server process's RSS after paging through all 100,000 bugs and after
 *      the read benchmark.
 *   4. T1 (bench/t1.ts): one T1 run for 1,000 confirmed Flow 1 bugs (fresh database, real git
 *      repository) vs the same 1,000 `git cherry-pick -x` in a bash loop, in alternating turns.
 *   5. The dashboard (bench/dashboard.ts), once, on SQLite: the production bundle gzipped, and the
 *      board with 10,000 bugs opened in Chromium after sign-in (median of 5 page loads), then filtered.
 * Prints a table, PASS/FAIL per target and a final `BENCH_RESULT {json}` line.
 *
 * Knobs (environment): BENCH_DIALECTS=sqlite,postgres  BENCH_DURATION=10  BENCH_WARMUP=3
 *   BENCH_CONNECTIONS=10  BENCH_BUGS=100000  BENCH_WRITES_SQLITE=6000  BENCH_WRITES_PG=3000
 *   BENCH_STRICT=1 (exit 1 when a target fails; by default only errors do)
 *   BENCH_PAGING=0 (skip paging through every bug before the read benchmark)
 *   BENCH_T1=0 (skip part 4)  BENCH_T1_BUGS=1000  BENCH_T1_ROUNDS=2 (turns of each side)
 *   BENCH_DASHBOARD=0 (skip part 5)  BENCH_BOARD_BUGS=10000  BENCH_BOARD_OPENS=5
 *   BENCH_CPU_PROF=<dir> (writes .cpuprofile files of each child into <dir>/<dialect>-<child>/;
 *   summarise one with bench/profile-summary.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import pg from 'pg';
import { migrateToLatest, openDatabase, type Dialect } from '../src/adapters/db/database.ts';
// @ts-expect-error: plain JavaScript module without type declarations
import { findPgBinaries, startPgCluster } from '../scripts/pg-cluster.mjs';
import { BENCH_TOKEN, BUG_COUNT, PAGE_QUERY, SYSTEM, type ServerMessage, type WriteMessage } from './common.ts';
import { generateBugs, insertPostgres, insertSqlite } from './seed.ts';
import { benchDashboard, dashboardReport, dashboardVerdicts, DASHBOARD_BUGS, DASHBOARD_TARGETS, type DashboardResult } from './dashboard.ts';
import { benchT1, t1Report, t1Verdict, T1_SETTINGS, T1_TARGET, T1_TARGET_NAME, type T1Result } from './t1.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const SETTINGS = {
  dialects: (process.env.BENCH_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim()) as Dialect[],
  duration: env('BENCH_DURATION', 10),
  warmup: env('BENCH_WARMUP', 3),
  connections: env('BENCH_CONNECTIONS', 10),
  bugs: env('BENCH_BUGS', BUG_COUNT),
  writes: { sqlite: env('BENCH_WRITES_SQLITE', 6000), postgres: env('BENCH_WRITES_PG', 3000) } as Record<Dialect, number>,
  cpuProf: process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : null,
  /** Page through every bug once before the read benchmark (0: skip, e.g. to profile the read alone). */
  paging: process.env.BENCH_PAGING !== '0',
  /** Part 4, T1 (bench/t1.ts; its own knobs in T1_SETTINGS). */
  t1: process.env.BENCH_T1 !== '0',
  /** Part 5, the dashboard (bench/dashboard.ts; its own knobs there). */
  dashboard: process.env.BENCH_DASHBOARD !== '0',
};
const TARGETS = { readRatio: 0.75, p99Ms: 20, writeRatio: 0.5, rssMb: 200 };
const HARD_LIMIT_MS = 9 * 60_000;
const PAGE_PATH = `/api/v1/systems/${SYSTEM}/bugs?${PAGE_QUERY}`;
const AUTH = { authorization: `Bearer ${BENCH_TOKEN}` };

// ---------------------------------------------------------------------------------------------
// Clean-up: children, the PostgreSQL cluster and temporary directories go whatever happens.

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
let cluster: { url: string; stop(): Promise<void>; stopSync(): void } | null = null;

function cleanupSync(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
  cluster?.stopSync();
  cluster = null;
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    process.exit(130);
  });
}
setTimeout(() => {
  console.error(`benchmark exceeded ${HARD_LIMIT_MS / 60_000} minutes: aborting`);
  process.exit(2);
}, HARD_LIMIT_MS).unref();

/** The run's temporary directory (SQLite file, TONIC_HOME of the children), made on first use. */
let runDir: string | null = null;
function benchDir(): string {
  if (!runDir) {
    runDir = mkdtempSync(join(os.tmpdir(), 'tonic-bench-'));
    tempDirs.push(runDir);
  }
  return runDir;
}

// ---------------------------------------------------------------------------------------------
// Child processes.

/**
 * The server children run as a bundle built like `npm start` builds dist/tonic.mjs (esbuild,
 * dependencies external): plain JavaScript, no TypeScript loader thread in the measured process,
 * with the Node flags `npm start` gives the server (SERVER_NODE_FLAGS).
 */
const built = new Set<string>();

async function bundled(script: string): Promise<string> {
  // Inside the project (dist/ is ignored by git), so the bundle's imports find node_modules.
  const out = join(HERE, '..', 'dist', 'bench', `${script.replace(/\.ts$/, '')}.bundle.mjs`);
  if (!built.has(out)) {
    built.add(out);
    await build({ entryPoints: [join(HERE, script)], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning', absWorkingDir: join(HERE, '..') });
  }
  return out;
}

/** The Node flags `npm start` runs the server with (package.json), given to every child alike. */
const SERVER_NODE_FLAGS: string[] = (() => {
  const start = (JSON.parse(readFileSync(join(HERE, '..', 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = /exec node ((?:--\S+ )*)dist\/tonic\.mjs/.exec(start);
  if (!flags) throw new Error(`package.json's start script is not "… exec node [flags] dist/tonic.mjs serve": ${start}`);
  return flags[1]!.trim().split(/\s+/).filter(Boolean);
})();

async function spawnChild(script: string, args: string[], label: string): Promise<ChildProcess> {
  const execArgv: string[] = [...SERVER_NODE_FLAGS];
  if (SETTINGS.cpuProf) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(SETTINGS.cpuProf, label)}`);
  const env = { ...process.env, TONIC_BENCH_HOME: benchDir() };
  const child = fork(await bundled(script), args, { execArgv, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function nextMessage<T>(child: ChildProcess, accept: (m: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => finish(new Error(`${what}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (m: T) => {
      const error = (m as { type?: string; message?: string }).type === 'error' ? (m as { message: string }).message : null;
      if (error) finish(new Error(`${what}: ${error}`));
      else if (accept(m)) finish(null, m);
    };
    const onExit = (code: number | null, signal: string | null) => finish(new Error(`${what}: child exited (${signal ?? `code ${code}`})`));
    function finish(error: Error | null, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolvePromise(value as T);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Resident set size and its peak, read by the kernel for another process (MB). */
function procMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

// ---------------------------------------------------------------------------------------------
// Load.

type Load = { rps: number; p50: number; p99: number; max: number; requests: number; kbPerResponse: number; cpuMicrosPerResponse: number };
/** `cpu`: the server process's CPU time so far (µs, user + system). */
type Target = { name: string; url: string; headers: Record<string, string>; cpu: () => Promise<number> };
type Tally = { latencies: number[]; seconds: number; bytes: number; cpuMicros: number };

/** One autocannon run; every response's latency is kept so rounds can be merged exactly. */
async function cannon(target: Target, seconds: number, tally: Tally | null): Promise<void> {
  // Without a callback autocannon returns its instance (an EventEmitter) made thenable.
  const options = { url: target.url, connections: SETTINGS.connections, duration: seconds, headers: target.headers };
  const cpuBefore = tally ? await target.cpu() : 0;
  const instance = autocannon(options) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  if (tally) instance.on('response', (_client, _status, bytes, ms) => {
    tally.latencies.push(ms);
    tally.bytes += bytes;
  });
  const r = await instance;
  if (r.non2xx || r.errors || r.timeouts) throw new Error(`load against ${target.name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  if (tally) {
    tally.seconds += r.duration;
    tally.cpuMicros += (await target.cpu()) - cpuBefore;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/**
 * Warm both servers up, then alternate them in turns of a quarter of SETTINGS.duration
 * (a b b a b a a b: SETTINGS.duration seconds each in all), so a machine that speeds up or slows
 * down during the run (a shared VM does) weighs on both alike. Returns each side's merged figures.
 */
async function compare(a: Target, b: Target): Promise<[Load, Load]> {
  await cannon(a, SETTINGS.warmup, null);
  await cannon(b, SETTINGS.warmup, null);
  const tallies = new Map<Target, Tally>([[a, { latencies: [], seconds: 0, bytes: 0, cpuMicros: 0 }], [b, { latencies: [], seconds: 0, bytes: 0, cpuMicros: 0 }]]);
  const turn = SETTINGS.duration / 4;
  for (const t of [a, b, b, a, b, a, a, b]) await cannon(t, turn, tallies.get(t)!);
  return [a, b].map((t) => {
    const tally = tallies.get(t)!;
    const sorted = Float64Array.from(tally.latencies).sort();
    const list = Array.from(sorted);
    return {
      rps: list.length / tally.seconds,
      p50: percentile(list, 50),
      p99: percentile(list, 99),
      max: list[list.length - 1] ?? NaN,
      requests: list.length,
      kbPerResponse: tally.bytes / Math.max(1, list.length) / 1024,
      cpuMicrosPerResponse: tally.cpuMicros / Math.max(1, list.length),
    };
  }) as [Load, Load];
}

// ---------------------------------------------------------------------------------------------
// One dialect.

type ReadSide = Load & { startMs: number };
type DialectResult = {
  dialect: Dialect;
  seed: { bugs: number; deployedUat: number; seconds: number };
  product: ReadSide;
  minimal: ReadSide;
  readRatio: number;
  memory: { readyMb: number; afterAllBugsMb: number; afterReadMb: number; peakMb: number; heapUsedMb: number; pagedBugs: number; pagingSeconds: number; minimalAfterReadMb: number };
  write: { n: number; productPerSecond: number; rawPerSecond: number; rawFullPerSecond: number; ratio: number; check: string };
};

const log = (message: string) => console.log(`  · ${message}`);
const mb = (bytes: number) => bytes / 1024 / 1024;

async function startServer(kind: 'product' | 'minimal', url: string, label: string) {
  const t0 = performance.now();
  const child = await spawnChild('server-child.ts', [kind, url], label);
  const ready = await nextMessage<ServerMessage>(child, (m) => m.type === 'ready', 60_000, `${kind} server`);
  if (ready.type !== 'ready') throw new Error('unreachable');
  const cpu = async () => {
    child.send({ type: 'cpu' });
    const m = await nextMessage<ServerMessage>(child, (m) => m.type === 'cpu', 10_000, `${kind} CPU time`);
    return m.type === 'cpu' ? m.micros : NaN;
  };
  return { child, base: `http://127.0.0.1:${ready.port}`, pid: ready.pid, startMs: performance.now() - t0, cpu };
}

async function runDialect(dialect: Dialect, url: string): Promise<DialectResult> {
  // Schema through the product's migrations, then 100,000 bugs straight through the driver.
  const t0 = performance.now();
  const handle = await openDatabase({ url });
  await migrateToLatest(handle);
  await handle.close();
  const rows = generateBugs({ count: SETTINGS.bugs, system: SYSTEM, seed: 42, until: new Date('2026-11-26T00:00:00Z') });
  const deployedUat = rows.filter((r) => r.status === 'deployed_uat').length;
  if (dialect === 'sqlite') insertSqlite(url, rows);
  else await insertPostgres(url, rows);
  const seedSeconds = (performance.now() - t0) / 1000;
  log(`seeded ${rows.length.toLocaleString('en')} bugs (${deployedUat.toLocaleString('en')} deployed_uat) in ${seedSeconds.toFixed(1)} s`);

  // The product.
  const product = await startServer('product', url, `${dialect}-product`);
  const readyMem = procMemory(product.pid);
  log(`product server up in ${(product.startMs / 1000).toFixed(1)} s, pid ${product.pid}, RSS ${readyMem.rssMb.toFixed(0)} MB`);
  const first = (await (await fetch(`${product.base}${PAGE_PATH}`, { headers: AUTH })).json()) as { items: { status: string }[]; nextCursor: string | null };
  if (first.items.length !== 50 || first.items.some((b) => b.status !== 'deployed_uat') || !first.nextCursor) {
    throw new Error(`product page is not 50 deployed_uat bugs with a next cursor: ${JSON.stringify(first).slice(0, 300)}`);
  }
  // Load every bug through the API (pages of 200), the server's realistic worst case for memory.
  const tp = performance.now();
  let paged = 0;
  for (let cursor: string | null = SETTINGS.paging ? '' : null; cursor !== null; ) {
    const res = await fetch(`${product.base}/api/v1/systems/${SYSTEM}/bugs?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { headers: AUTH });
    if (res.status !== 200) throw new Error(`paging: HTTP ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { items: unknown[]; nextCursor: string | null };
    paged += page.items.length;
    cursor = page.nextCursor;
  }
  const pagingSeconds = (performance.now() - tp) / 1000;
  if (SETTINGS.paging && paged !== SETTINGS.bugs) throw new Error(`paging through every bug found ${paged}, not ${SETTINGS.bugs}`);
  const afterAll = procMemory(product.pid);
  if (SETTINGS.paging) log(`paged through all ${paged.toLocaleString('en')} bugs in ${pagingSeconds.toFixed(1)} s; RSS ${afterAll.rssMb.toFixed(0)} MB`);
  // The machine's limit for the same page, started now so both can be measured in turns.
  const minimal = await startServer('minimal', url, `${dialect}-minimal`);
  const rowsBack = (await (await fetch(`${minimal.base}${PAGE_PATH}`)).json()) as { status: string }[];
  if (rowsBack.length !== 51 || rowsBack.some((b) => b.status !== 'deployed_uat')) throw new Error('minimal page is not 51 deployed_uat rows');
  const [productLoad, minimalLoad] = await compare(
    { name: 'product', url: `${product.base}${PAGE_PATH}`, headers: AUTH, cpu: product.cpu },
    { name: 'minimal', url: `${minimal.base}${PAGE_PATH}`, headers: {}, cpu: minimal.cpu },
  );
  const afterRead = procMemory(product.pid);
  const minimalMem = procMemory(minimal.pid);
  product.child.send({ type: 'memory' });
  const heap = await nextMessage<ServerMessage>(product.child, (m) => m.type === 'memory', 10_000, 'product memory');
  await stopChild(product.child);
  await stopChild(minimal.child);
  log(`product: ${productLoad.rps.toFixed(0)} req/s, p99 ${productLoad.p99.toFixed(1)} ms; RSS ${afterRead.rssMb.toFixed(0)} MB (peak ${afterRead.peakMb.toFixed(0)} MB)`);
  log(`minimal: ${minimalLoad.rps.toFixed(0)} req/s, p99 ${minimalLoad.p99.toFixed(1)} ms; RSS ${minimalMem.rssMb.toFixed(0)} MB`);

  // Writing.
  const writer = await spawnChild('write-child.ts', [url, String(SETTINGS.writes[dialect])], `${dialect}-write`);
  const written = await nextMessage<WriteMessage>(writer, (m) => m.type === 'result', 180_000, 'write benchmark');
  if (written.type !== 'result') throw new Error('unreachable');
  await new Promise<void>((r) => (writer.exitCode !== null ? r() : writer.once('exit', () => r())));
  const w = written.result;
  log(`approvals: use case ${w.product.perSecond.toFixed(0)}/s, raw ${w.raw.perSecond.toFixed(0)}/s, raw-full ${w.rawFull.perSecond.toFixed(0)}/s (${w.n} each; ${w.check})`);
  if (!w.check.startsWith('ok')) throw new Error(`write benchmark wrote the wrong rows: ${w.check}`);

  return {
    dialect,
    seed: { bugs: rows.length, deployedUat, seconds: seedSeconds },
    product: { ...productLoad, startMs: product.startMs },
    minimal: { ...minimalLoad, startMs: minimal.startMs },
    readRatio: productLoad.rps / minimalLoad.rps,
    memory: {
      readyMb: readyMem.rssMb,
      afterAllBugsMb: afterAll.rssMb,
      afterReadMb: afterRead.rssMb,
      peakMb: afterRead.peakMb,
      heapUsedMb: heap.type === 'memory' ? mb(heap.heapUsed) : NaN,
      pagedBugs: paged,
      pagingSeconds,
      minimalAfterReadMb: minimalMem.rssMb,
    },
    write: { n: w.n, productPerSecond: w.product.perSecond, rawPerSecond: w.raw.perSecond, rawFullPerSecond: w.rawFull.perSecond, ratio: w.ratio, check: w.check },
  };
}

// ---------------------------------------------------------------------------------------------
// Report.

function table(head: string[], body: (string | number)[][]): string {
  const cells = [head, ...body.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

type Verdict = { target: string; dialect: Dialect; value: number; limit: string; status: 'PASS' | 'FAIL' | 'SKIPPED' | 'ERROR' };
const TARGET_NAMES = ['read ratio product/minimal', 'read product p99 (ms)', 'write ratio use case/raw', 'server RSS (MB)'];

function verdicts(r: DialectResult): Verdict[] {
  const v = (target: string, value: number, pass: boolean, limit: string): Verdict => ({ target, dialect: r.dialect, value: Number(value.toFixed(3)), limit, status: pass ? 'PASS' : 'FAIL' });
  const rss = Math.max(r.memory.afterAllBugsMb, r.memory.afterReadMb);
  return [
    v('read ratio product/minimal', r.readRatio, r.readRatio >= TARGETS.readRatio, `>= ${TARGETS.readRatio}`),
    v('read product p99 (ms)', r.product.p99, r.product.p99 < TARGETS.p99Ms, `< ${TARGETS.p99Ms}`),
    v('write ratio use case/raw', r.write.ratio, r.write.ratio >= TARGETS.writeRatio, `>= ${TARGETS.writeRatio}`),
    v('server RSS (MB)', rss, rss < TARGETS.rssMb, `< ${TARGETS.rssMb}`),
  ];
}

async function main(): Promise<number> {
  const started = new Date();
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: started.toISOString(),
  };
  console.log('Tonic Deploy benchmark');
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GiB; node ${machine.node}; ${machine.os}`);
  console.log(`date:    ${machine.date}`);
  console.log(
    `setup:   ${SETTINGS.bugs.toLocaleString('en')} bugs; autocannon ${SETTINGS.connections} connections in the runner process; product and minimal servers ` +
      `each in its own child process (a bundle built like npm start builds dist/tonic.mjs), loaded one at a time: ${SETTINGS.warmup} s warm-up each, ` +
      `then ${SETTINGS.duration} s each in alternating turns of ${SETTINGS.duration / 4} s (ABBABAAB)`,
  );
  console.log(`read:    GET ${PAGE_PATH} (a page of 50; Bearer token on the product)`);
  if (SETTINGS.t1) console.log(`T1:      ${T1_SETTINGS.bugs.toLocaleString('en')} confirmed Flow 1 bugs: runNow vs a bash loop of git cherry-pick -x, ${T1_SETTINGS.rounds} turn(s) each, alternating`);
  if (SETTINGS.dashboard) console.log(`board:   ${DASHBOARD_BUGS.toLocaleString('en')} bugs on SQLite, the board opened in Chromium after sign-in; the production bundle gzipped`);

  const results: DialectResult[] = [];
  const skipped: { dialect: Dialect; reason: string }[] = [];
  const errors: { dialect: Dialect; reason: string }[] = [];
  const t1Results: T1Result[] = [];
  const t1Errors: { dialect: Dialect; reason: string }[] = [];
  for (const dialect of SETTINGS.dialects) {
    console.log(`\n[${dialect}]`);
    const t0 = performance.now();
    let url: string;
    if (dialect === 'sqlite') {
      url = join(benchDir(), 'tonic.sqlite');
    } else {
      if (!findPgBinaries()) {
        const reason = 'PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)';
        console.log(`SKIPPED postgres: ${reason}`);
        skipped.push({ dialect, reason });
        continue;
      }
      try {
        cluster = await startPgCluster();
      } catch (error) {
        const reason = `the private PostgreSQL cluster did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
        console.log(`SKIPPED postgres: ${reason}`);
        skipped.push({ dialect, reason });
        continue;
      }
      url = cluster!.url;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const version = (await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
      await client.end();
      log(`private PostgreSQL ${version} cluster at ${url} (fsync, synchronous_commit and full_page_writes off, as for the tests)`);
    }
    try {
      results.push(await runDialect(dialect, url));
    } catch (error) {
      // One dialect failing still lets the other run and the report print.
      const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.log(`ERROR ${dialect}: ${reason}`);
      errors.push({ dialect, reason: reason.split('\n')[0]! });
      for (const child of [...children]) child.kill('SIGKILL');
    }
    // 4. T1 (bench/t1.ts): its own repository, a fresh SQLite file or PostgreSQL schema per turn.
    if (SETTINGS.t1) {
      try {
        t1Results.push(await benchT1(dialect, dialect === 'postgres' ? url : null, log));
      } catch (error) {
        const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
        console.log(`ERROR ${dialect} T1: ${reason}`);
        t1Errors.push({ dialect, reason: reason.split('\n')[0]! });
      }
    }
    if (cluster) {
      await cluster.stop();
      cluster = null;
    }
    log(`${dialect} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }

  // 5. The dashboard: once, on SQLite, with the product server child of part 1.
  let dashboard: DashboardResult | null = null;
  let dashboardError: string | null = null;
  if (SETTINGS.dashboard) {
    console.log('\n[dashboard]');
    try {
      dashboard = await benchDashboard(log, async (url) => {
        const server = await startServer('product', url, 'dashboard-product');
        return { base: server.base, stop: () => stopChild(server.child) };
      });
    } catch (error) {
      dashboardError = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.log(`ERROR dashboard: ${dashboardError}`);
      dashboardError = dashboardError.split('\n')[0]!;
    }
  }

  const f0 = (x: number) => x.toFixed(0);
  const f1 = (x: number) => x.toFixed(1);
  const f2 = (x: number) => x.toFixed(2);
  console.log('\nReading: GET bugs?status=deployed_uat, 50 per page (CPU µs/resp: the server process\'s CPU time over the responses it sent)');
  console.log(
    table(
      ['dialect', 'server', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'KB/resp', 'CPU µs/resp', 'responses', 'ratio'],
      results.flatMap((r) => [
        [r.dialect, 'product (buildApp)', f0(r.product.rps), f1(r.product.p50), f1(r.product.p99), f1(r.product.max), f1(r.product.kbPerResponse), f0(r.product.cpuMicrosPerResponse), r.product.requests, f2(r.readRatio)],
        [r.dialect, 'minimal (driver)', f0(r.minimal.rps), f1(r.minimal.p50), f1(r.minimal.p99), f1(r.minimal.max), f1(r.minimal.kbPerResponse), f0(r.minimal.cpuMicrosPerResponse), r.minimal.requests, ''],
      ]),
    ),
  );
  console.log('\nWriting: approve-prod (flow1, deployed_uat → pending_prod), one at a time, one transaction each');
  console.log('  raw: 4 writes (bugs update, bug_history, audit_events, outbox); raw-full: the use case\'s own statements by hand');
  console.log(
    table(
      ['dialect', 'approvals', 'use case /s', 'raw /s', 'ratio', 'raw-full /s', 'use case/raw-full'],
      results.map((r) => [r.dialect, r.write.n, f0(r.write.productPerSecond), f0(r.write.rawPerSecond), f2(r.write.ratio), f0(r.write.rawFullPerSecond), f2(r.write.productPerSecond / r.write.rawFullPerSecond)]),
    ),
  );
  console.log('\nMemory: product server process (RSS from /proc/<pid>/status)');
  console.log(
    table(
      ['dialect', 'ready MB', 'after all bugs MB', 'after read MB', 'peak MB', 'heap used MB', 'minimal MB'],
      results.map((r) => [r.dialect, f0(r.memory.readyMb), f0(r.memory.afterAllBugsMb), f0(r.memory.afterReadMb), f0(r.memory.peakMb), f0(r.memory.heapUsedMb), f0(r.memory.minimalAfterReadMb)]),
    ),
  );

  if (SETTINGS.t1) console.log(`\n${t1Report(t1Results)}`);
  if (dashboard) console.log(`\n${dashboardReport(dashboard)}`);

  const all: Verdict[] = results.flatMap(verdicts);
  for (const s of skipped) for (const target of TARGET_NAMES) all.push({ target, dialect: s.dialect, value: NaN, limit: '', status: 'SKIPPED' });
  for (const e of errors) for (const target of TARGET_NAMES) all.push({ target, dialect: e.dialect, value: NaN, limit: '', status: 'ERROR' });
  if (SETTINGS.t1) {
    all.push(...t1Results.map(t1Verdict));
    for (const s of skipped) all.push({ target: T1_TARGET_NAME, dialect: s.dialect, value: NaN, limit: '', status: 'SKIPPED' });
    for (const e of t1Errors) all.push({ target: T1_TARGET_NAME, dialect: e.dialect, value: NaN, limit: '', status: 'ERROR' });
  }
  if (dashboard) all.push(...dashboardVerdicts(dashboard).map((v) => ({ ...v, dialect: 'sqlite' as const })));
  console.log('\nTargets');
  console.log(table(['target', 'dialect', 'value', 'limit', 'result'], all.map((v) => [v.target, v.dialect, Number.isNaN(v.value) ? '-' : String(v.value), v.limit, v.status])));
  for (const s of skipped) console.log(`SKIPPED ${s.dialect}: ${s.reason}`);
  for (const e of errors) console.log(`ERROR ${e.dialect}: ${e.reason}`);
  for (const e of t1Errors) console.log(`ERROR ${e.dialect} T1: ${e.reason}`);
  if (dashboardError) console.log(`ERROR dashboard: ${dashboardError}`);
  const failed = all.filter((v) => v.status === 'FAIL').length;
  const seconds = (Date.now() - started.getTime()) / 1000;
  const notes = [
    ...skipped.map((s) => `${s.dialect} SKIPPED`),
    ...errors.map((e) => `${e.dialect} ERROR`),
    ...t1Errors.map((e) => `${e.dialect} T1 ERROR`),
    ...(dashboardError ? ['dashboard ERROR'] : []),
    ...(dashboard?.skipped ? ['board SKIPPED'] : []),
  ];
  const measured = all.filter((v) => v.status === 'PASS' || v.status === 'FAIL').length;
  const verdict = measured === 0 ? 'NOTHING MEASURED' : failed === 0 ? `ALL ${measured} MEASURED TARGETS PASS` : `${failed} OF ${measured} MEASURED TARGETS FAIL`;
  console.log(`\n${verdict}${notes.length ? ` (${notes.join(', ')})` : ''}; took ${f0(seconds)} s`);
  const t1 = SETTINGS.t1 ? { settings: T1_SETTINGS, target: T1_TARGET, results: t1Results, errors: t1Errors } : null;
  const dashboardResult = SETTINGS.dashboard ? { targets: DASHBOARD_TARGETS, result: dashboard, error: dashboardError } : null;
  console.log(`BENCH_RESULT ${JSON.stringify({ machine, settings: SETTINGS, targets: TARGETS, results, verdicts: all, skipped, errors, t1, dashboard: dashboardResult, seconds })}`);
  // A run that measured everything exits 0 whatever the verdicts (BENCH_STRICT=1: 1 when a target fails).
  return errors.length > 0 || t1Errors.length > 0 || dashboardError !== null || (process.env.BENCH_STRICT === '1' && failed > 0) ? 1 : 0;
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    console.error(`\nbenchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });

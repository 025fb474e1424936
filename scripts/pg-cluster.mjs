#!/usr/bin/env node
// Throwaway PostgreSQL cluster for tests.
//
//   import { startPgCluster } from './pg-cluster.mjs';
//   const pg = await startPgCluster({ log: (m) => console.error(m) });
//   // ... use pg.url ...
//   await pg.stop();
//
// Run directly (`node scripts/pg-cluster.mjs`) to start a cluster, print its
// URL on stdout and keep it running until SIGINT/SIGTERM.
//
// The cluster lives in a fresh temp dir (removed by stop()), listens on
// 127.0.0.1 on a free port, uses trust auth and durability switched off
// (fsync, synchronous_commit, full_page_writes) because the data is
// disposable. PostgreSQL refuses to run as root, so when we are root every
// server-side command runs as the `postgres` OS user (created if missing).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REQUIRED_BINARIES = ['initdb', 'pg_ctl', 'postgres'];
const DEBIAN_PG_ROOT = '/usr/lib/postgresql';
const PG_OS_USER = 'postgres';
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;
// Longest path the kernel accepts for a unix socket (sun_path, minus NUL).
const MAX_SOCKET_PATH = 107;

const INSTALL_HINT =
  'Install PostgreSQL (Debian/Ubuntu: `apt-get update && apt-get install -y postgresql`; ' +
  'binaries land in /usr/lib/postgresql/<version>/bin, which is searched automatically), ' +
  'or point the tests at an existing server with TONIC_TEST_PG_URL=postgres://user@host:port/db.';

export class PgClusterError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PgClusterError';
  }
}

// ---------------------------------------------------------------------------
// Binary discovery
// ---------------------------------------------------------------------------

function isExecutableFile(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function hasServerBinaries(dir) {
  return REQUIRED_BINARIES.every((b) => isExecutableFile(path.join(dir, b)));
}

function compareVersionsDesc(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Directory holding initdb, pg_ctl and postgres, or null.
 * PATH is searched first, then /usr/lib/postgresql/<version>/bin (highest
 * version first). If the PATH entry is a symlink into a full PostgreSQL bin
 * dir (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb), that
 * real dir is returned so psql/pg_isready of the same version are found too.
 */
export function findPgBinaries() {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir || !hasServerBinaries(dir)) continue;
    try {
      const real = path.dirname(fs.realpathSync(path.join(dir, 'initdb')));
      if (real !== dir && hasServerBinaries(real)) return real;
    } catch {
      // fall through to the PATH dir itself
    }
    return path.resolve(dir);
  }
  let versions;
  try {
    versions = fs.readdirSync(DEBIAN_PG_ROOT);
  } catch {
    return null;
  }
  versions = versions.filter((v) => /^\d+(\.\d+)*$/.test(v)).sort(compareVersionsDesc);
  for (const v of versions) {
    const dir = path.join(DEBIAN_PG_ROOT, v, 'bin');
    if (hasServerBinaries(dir)) return dir;
  }
  return null;
}

/** A client tool (psql, pg_isready): from binDir if present, else PATH, else null. */
function findClientTool(binDir, name) {
  const local = path.join(binDir, name);
  if (isExecutableFile(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

// ---------------------------------------------------------------------------
// Process helpers
// ---------------------------------------------------------------------------

/** Environment without PG* variables (PGDATA, PGPORT, PGHOST, PGOPTIONS...) that could redirect our commands. */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PG')) env[k] = v;
  }
  return { ...env, LC_ALL: 'C', ...extra };
}

function commandLine(file, args) {
  return [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Run a command, capturing output. With asPg and running as root, it runs as
 * the postgres OS user via runuser. Never rejects; returns a result object.
 */
function run(cmd, args, { asPg = false, cwd, timeoutMs = 120_000, env = cleanEnv() } = {}) {
  const [file, argv] = asPg && IS_ROOT ? ['runuser', ['-u', PG_OS_USER, '--', cmd, ...args]] : [cmd, args];
  const printable = commandLine(file, argv);
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    let timedOut = false;
    const done = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ command: printable, stdout, stderr, timedOut, ...result });
    };
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', (error) => done({ code: null, signal: null, error }));
    child.on('close', (code, signal) => done({ code, signal }));
  });
}

function indent(text, maxLines = 40) {
  const lines = text.trimEnd().split('\n');
  const shown = lines.length > maxLines ? ['...', ...lines.slice(-maxLines)] : lines;
  return shown.map((l) => `    ${l}`).join('\n');
}

function failure(step, result, hint, extra = '') {
  const parts = [`PostgreSQL test cluster: ${step} failed.`, `  command: ${result.command}`];
  if (result.error) parts.push(`  error: ${result.error.message}`);
  else if (result.timedOut) parts.push('  error: timed out (killed)');
  else parts.push(`  exit: ${result.signal ? `signal ${result.signal}` : `code ${result.code}`}`);
  if (result.stderr.trim()) parts.push(`  stderr:\n${indent(result.stderr)}`);
  if (result.stdout.trim()) parts.push(`  stdout:\n${indent(result.stdout, 15)}`);
  if (extra) parts.push(extra);
  parts.push(`  what to do: ${hint}`);
  return new PgClusterError(parts.join('\n'));
}

function readTail(file, maxLines = 40) {
  try {
    return indent(fs.readFileSync(file, 'utf8'), maxLines);
  } catch {
    return '    (no log written)';
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tcpProbe(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const finish = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.once('connect', () => finish(true));
    sock.once('error', () => finish(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pgOsIds() {
  const uid = spawnSync('id', ['-u', PG_OS_USER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', PG_OS_USER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function ensurePgOsUser(log) {
  let ids = pgOsIds();
  if (ids) return ids;
  log(`creating system user "${PG_OS_USER}" (PostgreSQL refuses to run as root)`);
  const res = await run('useradd', [
    '--system', '--user-group', '--no-create-home',
    '--home-dir', '/var/lib/postgresql', '--shell', '/usr/sbin/nologin', PG_OS_USER,
  ]);
  ids = pgOsIds();
  if (!ids) {
    throw failure('creating the postgres OS user', res,
      `create it by hand (\`useradd --system --user-group ${PG_OS_USER}\`), or run the tests as a non-root user.`);
  }
  return ids;
}

// ---------------------------------------------------------------------------
// Cluster lifecycle
// ---------------------------------------------------------------------------

/**
 * Start a disposable PostgreSQL cluster.
 * @param {{ log?: (msg: string) => void }} [options]
 * @returns {Promise<{ url: string, port: number, dataDir: string, stop: () => Promise<void>, stopSync: () => void }>}
 */
export async function startPgCluster({ log = () => {} } = {}) {
  const binDir = findPgBinaries();
  if (!binDir) {
    throw new PgClusterError(
      'PostgreSQL test cluster: no PostgreSQL server binaries (initdb, pg_ctl, postgres) found ' +
        `on PATH or in ${DEBIAN_PG_ROOT}/*/bin.\n  what to do: ${INSTALL_HINT}`,
    );
  }
  const bin = (name) => path.join(binDir, name);
  log(`using PostgreSQL binaries in ${binDir}`);

  let ids = null;
  if (IS_ROOT) {
    if (!findClientTool('/usr/sbin', 'runuser')) {
      throw new PgClusterError(
        'PostgreSQL test cluster: running as root but `runuser` (util-linux) is missing, so PostgreSQL cannot be ' +
          `started as the "${PG_OS_USER}" user.\n  what to do: install util-linux, or run the tests as a non-root user.`,
      );
    }
    ids = await ensurePgOsUser(log);
  }

  const baseDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'tonic-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const logFile = path.join(baseDir, 'postgres.log');
  let started = false;
  let stopPromise = null;

  const pgCtlStopArgs = ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'];

  const removeBaseDir = () => fsp.rm(baseDir, { recursive: true, force: true });

  // Last resort when pg_ctl stop fails: signal the postmaster directly (SIGQUIT = immediate shutdown).
  const killPostmaster = () => {
    try {
      const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
      return pid;
    } catch {
      return null;
    }
  };

  const stop = () => {
    stopPromise ??= (async () => {
      if (started) {
        const res = await run(bin('pg_ctl'), pgCtlStopArgs, { asPg: true, cwd: baseDir, timeoutMs: 90_000 });
        if (res.code !== 0) {
          const pid = killPostmaster();
          log(
            `pg_ctl stop failed (${res.stderr.trim() || `exit ${res.code}`}); ` +
              (pid ? `sent SIGQUIT to postmaster ${pid}` : 'no postmaster.pid found'),
          );
          if (pid) await sleep(1000);
        }
        started = false;
      }
      await removeBaseDir();
      log('PostgreSQL test cluster stopped and removed');
    })();
    return stopPromise;
  };

  // Synchronous variant for process 'exit' handlers, where async work cannot run.
  const stopSync = () => {
    if (stopPromise) return;
    stopPromise = Promise.resolve();
    if (started) {
      const [file, argv] = IS_ROOT
        ? ['runuser', ['-u', PG_OS_USER, '--', bin('pg_ctl'), ...pgCtlStopArgs]]
        : [bin('pg_ctl'), pgCtlStopArgs];
      const res = spawnSync(file, argv, { cwd: baseDir, env: cleanEnv(), stdio: 'ignore', timeout: 90_000 });
      if (res.status !== 0) killPostmaster();
      started = false;
    }
    fs.rmSync(baseDir, { recursive: true, force: true });
  };

  try {
    if (ids) await fsp.chown(baseDir, ids.uid, ids.gid);

    if (IS_ROOT) {
      const access = await run('test', ['-w', baseDir, '-a', '-x', baseDir], { asPg: true, cwd: '/' });
      if (access.code !== 0) {
        throw failure(`checking that the "${PG_OS_USER}" user can use ${baseDir}`, access,
          `a parent of os.tmpdir() (${os.tmpdir()}) is not accessible to "${PG_OS_USER}"; ` +
            'set TMPDIR to a world-traversable directory such as /tmp.');
      }
    }

    // initdb
    log(`initdb in ${dataDir}`);
    const init = await run(
      bin('initdb'),
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { asPg: true, cwd: baseDir },
    );
    if (init.code !== 0) {
      throw failure('initdb', init,
        `the stderr above usually names the cause; check free disk space and permissions of ${os.tmpdir()} ` +
          '(override with TMPDIR), or set TONIC_TEST_PG_URL to use an existing server instead.');
    }

    const quoted = (s) => `'${s.replace(/'/g, "''")}'`;
    await fsp.appendFile(
      path.join(dataDir, 'postgresql.conf'),
      [
        '',
        '# --- tonic-deploy test cluster (scripts/pg-cluster.mjs) ---',
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = ${quoted(baseDir)}`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 200',
        '',
      ].join('\n'),
    );

    // Start; retry with another port if someone grabbed ours between probe and bind.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const socketPath = path.join(baseDir, `.s.PGSQL.${port}`);
      if (socketPath.length > MAX_SOCKET_PATH) {
        throw new PgClusterError(
          `PostgreSQL test cluster: unix socket path ${socketPath} is longer than ${MAX_SOCKET_PATH} bytes.\n` +
            '  what to do: set TMPDIR to a short directory such as /tmp.',
        );
      }
      log(`starting postgres on 127.0.0.1:${port}`);
      const res = await run(
        bin('pg_ctl'),
        ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port}`],
        { asPg: true, cwd: baseDir, timeoutMs: 90_000 },
      );
      if (res.code === 0) {
        started = true;
        break;
      }
      // pg_ctl may have left a half-started postmaster behind (e.g. on timeout).
      if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
        started = true;
        await run(bin('pg_ctl'), pgCtlStopArgs, { asPg: true, cwd: baseDir, timeoutMs: 90_000 });
        started = false;
      }
      const serverLog = readTail(logFile);
      if (attempt < 3 && /could not bind|address already in use/i.test(serverLog)) {
        log(`port ${port} was taken, retrying with another port`);
        await fsp.rm(logFile, { force: true });
        continue;
      }
      throw failure('starting postgres (pg_ctl start)', res,
        'read the server log above; common causes are lack of shared memory, a full disk, or ' +
          'another process using the port. Set TONIC_TEST_PG_URL to use an existing server instead.',
        `  server log:\n${serverLog}`);
    }

    // Wait until the server accepts connections over TCP.
    const pgIsReady = findClientTool(binDir, 'pg_isready');
    const deadline = Date.now() + 30_000;
    let last = null;
    for (;;) {
      if (pgIsReady) {
        last = await run(pgIsReady, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-t', '2']);
        if (last.code === 0) break;
      } else if (await tcpProbe(port)) {
        break;
      }
      if (Date.now() > deadline) {
        throw failure('waiting for postgres to accept connections',
          last ?? { command: `TCP connect 127.0.0.1:${port}`, code: 1, signal: null, stdout: '', stderr: 'connection refused' },
          'read the server log above.', `  server log:\n${readTail(logFile)}`);
      }
      await sleep(200);
    }

    const psql = findClientTool(binDir, 'psql');
    if (psql) {
      const q = await run(
        psql,
        ['-X', '-q', '-A', '-t', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', 'select 1'],
        { timeoutMs: 30_000, env: cleanEnv({ PGCONNECT_TIMEOUT: '10' }) },
      );
      if (q.code !== 0 || q.stdout.trim() !== '1') {
        throw failure("running `select 1` with psql", q, 'read the server log above.',
          `  server log:\n${readTail(logFile)}`);
      }
    }

    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    log(`PostgreSQL test cluster ready at ${url}`);
    return { url, port, dataDir, stop, stopSync };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

// ---------------------------------------------------------------------------
// CLI: node scripts/pg-cluster.mjs
// ---------------------------------------------------------------------------

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const log = (m) => console.error(`[pg-cluster] ${m}`);
  let cluster;
  try {
    cluster = await startPgCluster({ log });
  } catch (err) {
    console.error(err instanceof PgClusterError ? err.message : err);
    process.exit(1);
  }
  console.log(cluster.url);
  log('running; press Ctrl-C (SIGINT) or send SIGTERM to stop');
  const keepAlive = setInterval(() => {}, 1 << 30);
  process.on('exit', () => cluster.stopSync());
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      if (stopping) return;
      stopping = true;
      log(`${sig} received, stopping`);
      clearInterval(keepAlive);
      try {
        await cluster.stop();
        process.exit(0);
      } catch (err) {
        console.error(err);
        process.exit(1);
      }
    });
  }
}

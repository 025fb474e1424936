#!/usr/bin/env node
// Test runner: `npm test [-- <filter>... | --<node-test-flag>=<value>...]`
//
// Runs every *.test.ts under src/ and test/ (recursively, sorted, node_modules
// skipped) with `node --import tsx --test --test-concurrency=2`.
//   - Plain arguments are substring filters on the file paths (a file runs if
//     its path contains any of them), e.g. `npm test -- src/db/`.
//   - Arguments starting with `-` are passed to node's test runner, e.g.
//     `npm test -- --test-name-pattern=approval` (use the `=` form).
//
// PostgreSQL: TONIC_TEST_PG_URL is used if set; otherwise a private cluster is
// started (scripts/pg-cluster.mjs) and stopped afterwards. Without PostgreSQL
// binaries this fails under CI and, locally, runs only the sqlite dialect.
// The child gets TONIC_TEST_PG_URL and TONIC_TEST_DIALECTS (sqlite[,postgres]).
// An explicitly set TONIC_TEST_DIALECTS without "postgres" skips PostgreSQL.
//
// Our own messages go to stderr; node:test's output is passed through as is.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPgBinaries, startPgCluster, PgClusterError } from './pg-cluster.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIRS = ['src', 'test'];
const SKIP_DIRS = new Set(['node_modules', '.git']);

const log = (msg) => console.error(`[run-tests] ${msg}`);
const isTruthy = (v) => v !== undefined && !['', '0', 'false', 'no'].includes(v.trim().toLowerCase());

function collectTestFiles() {
  const files = [];
  const walk = (relDir) => {
    let entries;
    try {
      entries = fs.readdirSync(path.join(ROOT, relDir), { withFileTypes: true });
    } catch (err) {
      if (err.code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const rel = `${relDir}/${e.name}`;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(rel);
      } else if (e.isFile() && e.name.endsWith('.test.ts')) {
        files.push(rel);
      }
    }
  };
  for (const dir of TEST_DIRS) walk(dir);
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function banner(lines) {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = '!'.repeat(width);
  return ['', bar, ...lines.map((l) => `! ${l.padEnd(width - 4)} !`), bar, ''].join('\n');
}

const signalNumber = (sig) => os.constants.signals[sig] ?? 1;

async function main() {
  const args = process.argv.slice(2);
  const nodeTestFlags = args.filter((a) => a.startsWith('-'));
  const filters = args.filter((a) => !a.startsWith('-')).map((f) => f.replace(/^\.\//, ''));

  const allFiles = collectTestFiles();
  const files = filters.length ? allFiles.filter((f) => filters.some((s) => f.includes(s))) : allFiles;
  if (allFiles.length === 0) {
    log(`no *.test.ts files found under ${TEST_DIRS.join('/, ')}/`);
    return 1;
  }
  if (files.length === 0) {
    log(`no test file path contains any of: ${filters.map((f) => JSON.stringify(f)).join(', ')}`);
    return 1;
  }

  const ci = isTruthy(process.env.CI);
  const childEnv = { ...process.env };
  let cluster = null;
  let child = null;
  let interrupted = null;
  let noPgWarning = null;

  const onSignal = (sig) => {
    if (interrupted) {
      // Second signal: stop waiting, clean up synchronously and leave.
      log(`${sig} received again, forcing exit`);
      child?.kill('SIGKILL');
      cluster?.stopSync();
      process.exit(128 + signalNumber(sig));
    }
    interrupted = sig;
    log(`${sig} received, stopping`);
    if (child && child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, onSignal);
  // Last resort if we die without reaching the finally below.
  process.on('exit', () => cluster?.stopSync());

  try {
    const presetDialects = process.env.TONIC_TEST_DIALECTS?.trim();
    const presetUrl = process.env.TONIC_TEST_PG_URL?.trim();
    if (presetDialects && !presetDialects.split(',').map((d) => d.trim()).includes('postgres')) {
      log(`TONIC_TEST_DIALECTS=${presetDialects} is set: not using PostgreSQL`);
    } else if (presetUrl) {
      log('using PostgreSQL from TONIC_TEST_PG_URL');
      childEnv.TONIC_TEST_DIALECTS = 'sqlite,postgres';
    } else if (findPgBinaries()) {
      try {
        cluster = await startPgCluster({ log: (m) => log(m) });
      } catch (err) {
        if (interrupted) {
          log('interrupted while starting PostgreSQL');
          return 128 + signalNumber(interrupted);
        }
        console.error(err instanceof PgClusterError ? err.message : err);
        log('could not start the PostgreSQL test cluster (see above). To run without it locally: TONIC_TEST_DIALECTS=sqlite npm test');
        return 1;
      }
      if (interrupted) return 128 + signalNumber(interrupted);
      childEnv.TONIC_TEST_PG_URL = cluster.url;
      childEnv.TONIC_TEST_DIALECTS = 'sqlite,postgres';
    } else if (ci) {
      console.error(
        banner([
          'ERROR: PostgreSQL is required in CI (CI is set) but was not found.',
          'No initdb/pg_ctl/postgres on PATH or in /usr/lib/postgresql/*/bin.',
          'Install it (apt-get update && apt-get install -y postgresql; .ci/run does this)',
          'or set TONIC_TEST_PG_URL=postgres://user@host:port/db.',
        ]),
      );
      return 1;
    } else {
      noPgWarning = banner([
        'WARNING: PostgreSQL not found - PostgreSQL tests will be SKIPPED.',
        'Only the sqlite dialect runs (TONIC_TEST_DIALECTS=sqlite).',
        'CI runs both dialects. To run PostgreSQL tests locally, install it',
        '(Debian: apt-get install -y postgresql) or set TONIC_TEST_PG_URL.',
      ]);
      console.error(noPgWarning);
      childEnv.TONIC_TEST_DIALECTS = 'sqlite';
    }

    const nodeArgs = ['--import', 'tsx', '--test', '--test-concurrency=2', ...nodeTestFlags, ...files];
    log(`running ${files.length} test file(s) with TONIC_TEST_DIALECTS=${childEnv.TONIC_TEST_DIALECTS ?? '(unset)'}`);
    child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env: childEnv, stdio: 'inherit' });
    const { code, signal } = await new Promise((resolve) => {
      child.on('error', (err) => {
        log(`could not start node: ${err.message}`);
        resolve({ code: 1, signal: null });
      });
      child.on('exit', (c, s) => resolve({ code: c, signal: s }));
    });
    if (noPgWarning) log('reminder: PostgreSQL tests were SKIPPED (PostgreSQL not found)');
    if (signal) return 128 + signalNumber(signal);
    if (interrupted && code === 0) return 128 + signalNumber(interrupted);
    return code ?? 1;
  } finally {
    if (cluster) {
      try {
        await cluster.stop();
      } catch (err) {
        log(`failed to stop the PostgreSQL test cluster: ${err.message}`);
      }
    }
  }
}

process.exitCode = await main();
// Do not wait for stray handles (e.g. a lingering signal listener); we are done.
process.exit(process.exitCode);

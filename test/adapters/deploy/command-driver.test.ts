/**
 * The `command` deploy driver running real child processes: arguments and environment, output,
 * exit codes, and the timeout that stops the command with everything it started.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createCommandDriver } from '../../../src/adapters/deploy/command-driver.ts';
import { DeployFailure, type DeployTarget } from '../../../src/adapters/deploy/deploy-driver.ts';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'tonic-command-driver-')));
after(() => rmSync(dir, { recursive: true, force: true }));

const target = (over: Partial<DeployTarget> = {}): DeployTarget => ({
  system: 'shop',
  env: 'uat',
  service: 'api',
  version: 'v1.2.3',
  tag: 'v1.2.3',
  commit: 'c0ffee'.padEnd(40, '0'),
  workdir: dir,
  ...over,
});

type Line = { stream: string; line: string };

async function run(command: string[], options: { timeoutMs?: number; workdir?: string; env?: Record<string, string>; target?: Partial<DeployTarget> } = {}) {
  const driver = createCommandDriver({ command, timeoutMs: options.timeoutMs ?? 10_000, workdir: options.workdir, env: options.env });
  const lines: Line[] = [];
  const started = Date.now();
  let error: unknown = null;
  try {
    await driver.deploy(target(options.target), (stream, line) => lines.push({ stream, line }));
  } catch (e) {
    error = e;
  }
  return { lines, error, ms: Date.now() - started, out: (stream: string) => lines.filter((l) => l.stream === stream).map((l) => l.line) };
}

/** A node program given as `node -e <source> ...args`. */
const node = (source: string, ...args: string[]) => [process.execPath, '-e', source, ...args];
const PRINT_ARGV_AND_ENV = `console.log(JSON.stringify({ argv: process.argv.slice(1), cwd: process.cwd(), env: Object.fromEntries(Object.entries(process.env).filter(([k]) => (k.startsWith('TONIC_') && !k.startsWith('TONIC_TEST_')) || k === 'EXTRA')) }))`;

/** Running, as opposed to gone or a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe('command driver', () => {
  test('placeholders are filled inside each argument; unknown ones stay as written', async () => {
    const r = await run(node(PRINT_ARGV_AND_ENV, '{version}', 'tag={tag}', '--commit={commit}', '{env}/{service}/{system}', '{workdir}', '{nope}', '{VERSION}'));
    assert.equal(r.error, null);
    const printed = JSON.parse(r.out('stdout')[0]!) as { argv: string[]; cwd: string };
    assert.deepEqual(printed.argv, ['v1.2.3', 'tag=v1.2.3', `--commit=${target().commit}`, 'uat/api/shop', dir, '{nope}', '{VERSION}']);
  });

  test('no shell: values and arguments with shell syntax reach the program literally and run nothing', async () => {
    const marker = (name: string) => join(dir, name);
    const hostile = [`$(touch ${marker('a')})`, `; touch ${marker('b')}`, `\`touch ${marker('c')}\``, `| touch ${marker('d')}`, '&&', "'quoted'", '"double"', '*'];
    const r = await run(node(PRINT_ARGV_AND_ENV, ...hostile, '{version}'), { target: { version: `v1.0.0$(touch ${marker('e')})` } });
    assert.equal(r.error, null);
    const printed = JSON.parse(r.out('stdout')[0]!) as { argv: string[]; env: Record<string, string> };
    assert.deepEqual(printed.argv, [...hostile, `v1.0.0$(touch ${marker('e')})`]);
    assert.equal(printed.env.TONIC_VERSION, `v1.0.0$(touch ${marker('e')})`);
    for (const name of ['a', 'b', 'c', 'd', 'e']) assert.equal(existsSync(marker(name)), false, `${name} was created: a shell ran`);
  });

  test('the values are also TONIC_* environment variables, next to the configured env; the command runs in the target workdir', async () => {
    const r = await run(node(PRINT_ARGV_AND_ENV), { env: { EXTRA: 'from config', TONIC_VERSION: 'config cannot override this' } });
    assert.equal(r.error, null);
    const printed = JSON.parse(r.out('stdout')[0]!) as { cwd: string; env: Record<string, string> };
    assert.deepEqual(printed.env, {
      EXTRA: 'from config',
      TONIC_VERSION: 'v1.2.3',
      TONIC_TAG: 'v1.2.3',
      TONIC_COMMIT: target().commit,
      TONIC_ENV: 'uat',
      TONIC_SERVICE: 'api',
      TONIC_SYSTEM: 'shop',
      TONIC_WORKDIR: dir,
    });
    assert.equal(printed.cwd, dir);
  });

  test('a configured workdir (with placeholders) is where the command runs', async () => {
    mkdirSync(join(dir, 'shop-uat'), { recursive: true });
    const r = await run(node(PRINT_ARGV_AND_ENV), { workdir: `${dir}/{system}-{env}` });
    assert.equal(r.error, null);
    assert.equal((JSON.parse(r.out('stdout')[0]!) as { cwd: string }).cwd, join(dir, 'shop-uat'));
  });

  test('stdout and stderr are logged line by line, each in order, the last line even without a newline', async () => {
    const source = `
      process.stdout.write('one\\ntwo\\n');
      process.stderr.write('warn 1\\n');
      for (let i = 3; i <= 120; i++) console.log('line ' + i);
      process.stderr.write('warn 2\\n');
      process.stdout.write('tail without newline');`;
    const r = await run(node(source));
    assert.equal(r.error, null);
    assert.deepEqual(r.out('stdout'), ['one', 'two', ...Array.from({ length: 118 }, (_, i) => `line ${i + 3}`), 'tail without newline']);
    assert.deepEqual(r.out('stderr'), ['warn 1', 'warn 2']);
    assert.match(r.lines[0]!.line, /^\$ .*node/, 'the log starts with the command it runs');
  });

  test('a non-zero exit is a DeployFailure naming the code, with the output kept', async () => {
    const r = await run(node(`console.error('migration 0042 failed'); process.exit(3)`));
    assert.ok(r.error instanceof DeployFailure, String(r.error));
    assert.match(r.error.message, /exited with 3\b/);
    assert.deepEqual(r.out('stderr'), ['migration 0042 failed']);
  });

  test('a command killed by a signal is a DeployFailure naming the signal', async () => {
    const r = await run(node(`process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000)`));
    assert.ok(r.error instanceof DeployFailure, String(r.error));
    assert.match(r.error.message, /SIGTERM/);
  });

  test('a command that hangs is stopped at the timeout together with the processes it started', async () => {
    const pidFile = join(dir, 'sleep.pid');
    const r = await run(['sh', '-c', `sleep 60 & echo $! > '${pidFile}'; echo waiting; wait`], { timeoutMs: 800 });
    const sleepPid = Number(readFileSync(pidFile, 'utf8'));
    try {
      assert.ok(r.error instanceof DeployFailure, String(r.error));
      assert.match(r.error.message, /did not finish within/);
      assert.ok(r.ms >= 700 && r.ms < 5_000, `stopped after ${r.ms} ms`);
      assert.deepEqual(r.out('stdout'), ['waiting']);
      assert.ok(r.out('tonic').some((l) => /timed out after 800 ms/.test(l)));
      assert.ok(await waitUntil(() => !isRunning(sleepPid), 3_000), `the child process ${sleepPid} (sleep 60) is still running`);
    } finally {
      if (isRunning(sleepPid)) process.kill(sleepPid, 'SIGKILL');
    }
  });

  test('a command that exits 0 leaving a background process (a server it started) succeeds at once, and the process keeps running', async () => {
    // Deploy scripts often end with `./server &`: the server inherits stdout. The exit code decides.
    const pidFile = join(dir, 'server.pid');
    const r = await run(['sh', '-c', `sleep 30 & echo $! > '${pidFile}'; echo started`], { timeoutMs: 4_000 });
    const serverPid = Number(readFileSync(pidFile, 'utf8'));
    try {
      assert.equal(r.error, null, `the deploy failed: ${String(r.error)}`);
      assert.ok(r.ms < 2_000, `the deploy took ${r.ms} ms: it waited for the background process`);
      assert.deepEqual(r.out('stdout'), ['started']);
      assert.ok(isRunning(serverPid), 'the started server was stopped');
    } finally {
      if (isRunning(serverPid)) process.kill(serverPid, 'SIGKILL');
    }
  });

  test('a program that does not exist is a clear failure naming it, at once', async () => {
    const r = await run(['/nonexistent/bin/deploy-tonic', '{version}']);
    assert.ok(r.error instanceof DeployFailure, String(r.error));
    assert.match(r.error.message, /cannot run \/nonexistent\/bin\/deploy-tonic/);
    assert.match(r.error.message, /ENOENT/);
    assert.ok(r.ms < 2_000);
  });

  test('a working directory that does not exist is a failure naming it', async () => {
    const r = await run(node('console.log(1)'), { workdir: join(dir, 'missing-folder') });
    assert.ok(r.error instanceof DeployFailure, String(r.error));
    assert.match(r.error.message, /missing-folder/);
  });

  test('an empty command is refused', async () => {
    const r = await run([]);
    assert.ok(r.error instanceof DeployFailure);
    assert.match(r.error.message, /empty/);
  });
});

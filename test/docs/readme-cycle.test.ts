/**
 * The README's demo cycle, run as written: its shell block is taken from README.md and executed by
 * bash line by line (npm start included), in a fresh TONIC_HOME on a free port. A line whose comment
 * says "refused" must fail; every other line must succeed. If the README changes, this runs the
 * new text: the commands people copy cannot rot.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../support/processes.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TIMEOUT_MS = 240_000;

/** Signals every process of the group and waits until none is left (SIGKILL after 10 s). */
async function stopGroup(pgid: number, signal: NodeJS.Signals): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pgid, signal);
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(-pgid, 'SIGKILL');
}

/** The first ```sh block after the sentence that introduces the cycle. */
export function readmeCycle(readme: string): string[] {
  const from = readme.indexOf('The whole cycle, as a newcomer would do it:');
  assert.ok(from >= 0, 'README.md no longer introduces the demo cycle with "The whole cycle, as a newcomer would do it:"');
  const start = readme.indexOf('```sh\n', from) + '```sh\n'.length;
  const end = readme.indexOf('\n```', start);
  return readme.slice(start, end).split('\n');
}

/** Each command becomes a checked step; comments and blank lines stay as they are. */
function script(lines: string[]): string {
  const out = ['set -u', "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT"];
  for (const line of lines) {
    const command = line.replace(/\s+#.*$/, '').trim();
    if (command === '' || command.startsWith('#')) continue;
    const shown = JSON.stringify(line.trim());
    if (/&$/.test(command)) {
      // The server starts in the background; wait for it as a person would before the next line.
      out.push(command, `for i in $(seq 1 600); do node -e "fetch(process.env.TONIC_URL + '/api/v1/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && break; sleep 0.2; done`);
    } else if (/#.*\brefused\b/.test(line)) {
      out.push(`echo "$ ${command.replaceAll('"', '\\"')}"`, `if ${command}; then echo "NOT REFUSED: "${shown}; exit 1; fi`);
    } else {
      out.push(`echo "$ ${command.replaceAll('"', '\\"')}"`, `${command} || { echo "FAILED: "${shown}; exit 1; }`);
    }
  }
  return out.join('\n');
}

test("the README's demo cycle runs as written: Flow 1 on shop, Flow 2 on billing, a critical bug refused", { timeout: TIMEOUT_MS }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'tonic-readme-'));
  try {
    const port = await freePort();
    const file = join(home, 'cycle.sh');
    writeFileSync(file, script(readmeCycle(readFileSync(join(ROOT, 'README.md'), 'utf8'))));
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TONIC_') && k !== 'DATABASE_URL'));
    // Its own process group: whatever the script started in the background (npm, and the server
    // npm started) is stopped with it, even when npm does not pass the signal on.
    const child = spawn('bash', [file], {
      cwd: ROOT,
      env: { ...env, TONIC_HOME: home, PORT: String(port), TONIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((ok) => child.once('exit', ok));
    const timer = setTimeout(() => stopGroup(child.pid!, 'SIGKILL'), TIMEOUT_MS - 10_000);
    const code = await exited;
    clearTimeout(timer);
    await stopGroup(child.pid!, 'SIGTERM');
    assert.equal(code, 0, output);
    // What the cycle promises in its comments.
    assert.match(output, /confirmed.*Flow 1/i);
    assert.match(output, /v1\.0\.1/);
    assert.match(output, /v1\.1\.1/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

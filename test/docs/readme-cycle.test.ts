/**
 * The README's demo cycle, run as written: its shell block is taken from README.md and executed by
 * bash line by line (npm start included), in a fresh TONIC_HOME on a free port. A line whose comment
 * says "refused" must fail; every other line must succeed. If the README changes, this runs the
 * new text: the commands people copy cannot rot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { freePort } from '../support/processes.ts';
import { runShellScript, shellScript } from './doc-shell.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TIMEOUT_MS = 240_000;

/** The first ```sh block after the sentence that introduces the cycle. */
export function readmeCycle(readme: string): string[] {
  const from = readme.indexOf('The whole cycle, as a newcomer would do it:');
  assert.ok(from >= 0, 'README.md no longer introduces the demo cycle with "The whole cycle, as a newcomer would do it:"');
  const start = readme.indexOf('```sh\n', from) + '```sh\n'.length;
  const end = readme.indexOf('\n```', start);
  return readme.slice(start, end).split('\n');
}

test("the README's demo cycle runs as written: Flow 1 on shop, Flow 2 on billing, a critical bug refused", { timeout: TIMEOUT_MS }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'tonic-readme-'));
  try {
    const port = await freePort();
    const file = join(home, 'cycle.sh');
    writeFileSync(file, shellScript(readmeCycle(readFileSync(join(ROOT, 'README.md'), 'utf8'))));
    // Its own process group: whatever the script started in the background (npm, and the server
    // npm started) is stopped with it, even when npm does not pass the signal on.
    const { code, output } = await runShellScript(file, {
      cwd: ROOT,
      env: { TONIC_HOME: home, PORT: String(port), TONIC_URL: `http://127.0.0.1:${port}` },
      timeoutMs: TIMEOUT_MS - 10_000,
    });
    assert.equal(code, 0, output);
    // What the cycle promises in its comments.
    assert.match(output, /confirmed.*Flow 1/i);
    assert.match(output, /v1\.0\.1/);
    assert.match(output, /v1\.1\.1/);
    assert.match(output, /\d+ +uat +stable +regression +v1\.0\.2 → v1\.0\.1 +smoke step "orders" failed/, 'the bad fix was rolled back');
    assert.match(output, /rollback \d+ on prod: stable/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

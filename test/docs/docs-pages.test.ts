/**
 * Every shell command the pages of docs/ show is run as written: the ```sh blocks of each page
 * become one bash script (test/docs/doc-shell.ts), run in a fresh folder and TONIC_HOME on free
 * ports (the documented ports 4100 and 4101 are replaced by free ones; `node bin/tonic.js` finds
 * the repository's bin through a link). operations.md runs on PostgreSQL when the suite has it, as
 * several instances share one database there. The full example of configuring.md must load.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load-config.ts';
import { createScratchPgDatabase, DIALECTS } from '../support/databases.ts';
import { freePort } from '../support/processes.ts';
import { runShellScript, shellBlocks, shellScript } from './doc-shell.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = join(ROOT, 'docs');
const TIMEOUT_MS = 300_000;

type Page = { file: string; postgres: boolean; promises: (output: string) => void };

const PAGES: Page[] = [
  {
    file: 'getting-started.md',
    postgres: false,
    promises: (out) => {
      assert.match(out, /confirmed.*Flow 1/i);
      assert.match(out, /v1\.0\.1/);
      assert.match(out, /every step passed/);
      assert.match(out, /^# Rollback runbook: Demo shop \(shop\)$/m);
    },
  },
  {
    file: 'configuring.md',
    postgres: false,
    promises: (out) => {
      assert.match(out, /wrote .*tonic\.config\.yaml/);
    },
  },
  {
    file: 'operations.md',
    postgres: DIALECTS.includes('postgres'),
    promises: (out) => {
      assert.match(out, /"ready":true/);
      assert.match(out, /tonic_runs/);
      assert.match(out, /every step passed/);
      assert.match(out, /restored the (sqlite|postgres) database/);
    },
  },
];

test('every page of docs/ that shows shell commands is run by this test', () => {
  const withShell = readdirSync(DOCS).filter((f) => f.endsWith('.md') && /^```sh$/m.test(readFileSync(join(DOCS, f), 'utf8')));
  assert.deepEqual(withShell.sort(), PAGES.map((p) => p.file).sort());
});

for (const page of PAGES) {
  test(`docs/${page.file}: every shell command runs as written`, { timeout: TIMEOUT_MS }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonic-docs-'));
    const pg = page.postgres ? await createScratchPgDatabase() : null;
    try {
      symlinkSync(join(ROOT, 'bin'), join(dir, 'bin'));
      mkdirSync(join(dir, 'home'));
      const [port, second] = [await freePort(), await freePort()];
      const lines = shellBlocks(readFileSync(join(DOCS, page.file), 'utf8')).map((l) => l.replaceAll('4101', String(second)).replaceAll('4100', String(port)));
      assert.ok(lines.length > 0);
      const file = join(dir, 'page.sh');
      writeFileSync(file, shellScript(lines));
      const { code, output } = await runShellScript(file, {
        cwd: dir,
        env: { TONIC_HOME: join(dir, 'home'), PORT: String(port), TONIC_URL: `http://127.0.0.1:${port}`, ...(pg ? { DATABASE_URL: pg.url } : {}) },
        timeoutMs: TIMEOUT_MS - 20_000,
      });
      assert.equal(code, 0, output);
      page.promises(output);
    } finally {
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('the full example of docs/configuring.md is a valid configuration', () => {
  const text = readFileSync(join(DOCS, 'configuring.md'), 'utf8');
  const from = text.indexOf('## The whole file');
  assert.ok(from >= 0, 'configuring.md no longer has its "## The whole file" section');
  const yaml = /```yaml\n([\s\S]*?)^```$/m.exec(text.slice(from))![1]!;
  const env = { TELEGRAM_BOT_TOKEN: '123456:test', DEPLOY_HOOK_SECRET: 'deploy-hook-secret-0123', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x', OPENAI_API_KEY: 'sk-test' };
  const config = parseConfig(yaml, 'configuring.md', env);
  assert.equal(config.systems.length, 1);
  const shop = config.systems[0]!;
  assert.equal(shop.t1, '20:00');
  assert.deepEqual(shop.pipelineSeverities, ['low', 'medium']);
  assert.ok(shop.channels.length >= 2);
  assert.ok(shop.rollback?.downMigration);
});

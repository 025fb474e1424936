import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load-config.ts';
import { starterConfigYaml } from '../../src/config/starter-config.ts';
import { runTonic } from './run-tonic.ts';

test('tonic init writes a starter config that parses, and will not overwrite it without --force', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tonic-init-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const first = await runTonic(['init'], {}, dir);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /wrote tonic\.config\.yaml/);
  const file = join(dir, 'tonic.config.yaml');
  const config = parseConfig(readFileSync(file, 'utf8'), file, {});
  assert.equal(config.systems.length, 1);
  assert.deepEqual(config.systems[0]!.pipelineSeverities, ['low', 'medium']);

  writeFileSync(file, '# my own edits\n');
  const again = await runTonic(['init'], {}, dir);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^error: tonic\.config\.yaml already exists; pass --force/);
  assert.equal(readFileSync(file, 'utf8'), '# my own edits\n', 'the existing file is left alone');

  const other = join(dir, 'conf', 'staging.yaml');
  const forced = await runTonic(['init', '--path', other, '--force'], {}, dir);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /TONIC_CONFIG=/);
  parseConfig(readFileSync(other, 'utf8'), other, {});
});

test('the starter config walks through all nine adaptation steps of SEED.md', () => {
  const text = starterConfigYaml();
  for (let step = 1; step <= 9; step++) assert.match(text, new RegExp(`# Step ${step}: `), `Step ${step} is explained`);
  assert.match(text, /# Step 3: notification channels/, 'says where notifications go');
  assert.match(text, /Tonic keeps the\s+#\s+status, fix_flow and found_in_env/);
});

test('the starter config\'s commented freeze example is a valid freeze section once uncommented', () => {
  const text = starterConfigYaml();
  const uncommented = text.replace(/^ {4}# (freeze:\n(?: {4}# {3}.*\n)+)/m, (_, block: string) => `    ${block.replace(/^ {4}# /gm, '    ')}`);
  assert.notEqual(uncommented, text, 'the example is there, commented');
  const freeze = parseConfig(uncommented, '/tmp/tonic.config.yaml', {}).systems[0]!.freeze;
  assert.deepEqual(freeze.flags, { all: null, modules: ['financial'], until: '2026-02-05' });
  assert.deepEqual(freeze.holidays, { country: 'GB', region: 'ENG', types: ['public'] });
  assert.deepEqual([freeze.lunarNewYear, freeze.monthEndClose, freeze.goLive?.label, freeze.windows.length], [{ days: 3 }, { businessDays: 2, modules: ['financial'] }, 'ACME go-live', 1]);
});

test('the starter config carries a commented checklist with all seven probes that parses once uncommented', () => {
  const text = starterConfigYaml();
  const lines = text.split('\n');
  const start = lines.indexOf('    # checklist:');
  assert.ok(start > 0, 'a commented checklist section');
  let end = start + 1;
  while (lines[end]?.startsWith('    #   ')) end++;
  const uncommented = [...lines.slice(0, start), ...lines.slice(start, end).map((l) => l.replace(/^ {4}# /, '    ')), ...lines.slice(end)].join('\n');
  const checklist = parseConfig(uncommented, '/etc/tonic/tonic.config.yaml', {}).systems[0]!.checklist!;
  for (const probe of ['backup', 'monitoring', 'onCall', 'freeze', 'rollbackPath', 'dependencies', 'headroom'] as const) assert.ok(checklist[probe], probe);
  assert.equal(checklist.headroom?.mode, 'warn');
  assert.deepEqual(checklist.backup?.envs, ['prod']);
  assert.equal(parseConfig(text, '/etc/tonic/tonic.config.yaml', {}).systems[0]!.checklist, undefined, 'commented out, it is not active');
});

test('the commented analyzer example is a valid configuration once uncommented', () => {
  const lines = starterConfigYaml().split('\n');
  const start = lines.indexOf('    # analyzer:');
  assert.ok(start > 0, 'the starter config shows an analyzer example');
  lines[start] = '    analyzer:';
  for (let i = start + 1; lines[i]?.startsWith('    #   '); i++) {
    if (!lines[i]!.startsWith('    #   #')) lines[i] = `      ${lines[i]!.slice('    #   '.length)}`;
  }
  const config = parseConfig(lines.join('\n'), '/etc/tonic/tonic.config.yaml', { OPENAI_API_KEY: 'sk-example' });
  const analyzer = config.systems[0]!.analyzer;
  assert.equal(analyzer.provider, 'openai-compatible');
  assert.deepEqual(analyzer.provider === 'openai-compatible' && [analyzer.baseUrl, analyzer.model, analyzer.apiKey, analyzer.neverSend], [
    'https://api.openai.com/v1',
    'gpt-4o-mini',
    'sk-example',
    ['.env*', '*.pem', 'config/secrets/**'],
  ]);
});

test('the commented monitoring example of the starter config is valid once uncommented', () => {
  const text = starterConfigYaml();
  const lines = text.split('\n');
  const start = lines.indexOf('    # monitoring:');
  assert.ok(start > 0, 'the starter config shows a monitoring section');
  let end = start;
  while (lines[end]?.startsWith('    #')) end++;
  const uncommented = [...lines.slice(0, start), ...lines.slice(start, end).map((l) => l.replace(/^ {4}# /, '    ')), ...lines.slice(end)].join('\n');
  const monitoring = parseConfig(uncommented, 'tonic.config.yaml', {}).systems[0]!.monitoring!;
  assert.equal(monitoring.windowMs, 600_000);
  assert.equal(monitoring.memoryLimitBytes, 512 * 1024 * 1024);
  assert.deepEqual(monitoring.provider, { kind: 'prometheus', url: 'http://prometheus.internal:9090', selectors: { uat: 'job="my-app-uat"', prod: 'job="my-app-prod"' }, rateWindow: '1m' });
  assert.equal(monitoring.metrics.cpu.sustainedSamples, 4);
  assert.match(monitoring.metrics.authSuccess.query!, /^100 \* sum\(rate\(logins_total\{outcome="ok",\$selector\}/);
  assert.equal(monitoring.metrics.authSuccess.action, 'rollback');
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfigFile, parseConfig } from './load-config.ts';

const FILE = '/etc/tonic/tonic.config.yaml';

/** A valid, minimal system; `extra` lines are appended inside the system's mapping. */
function system(name = 'shop', overrides: { timeZone?: string; t1?: string; t2?: string; uatUrl?: string; prodUrl?: string; extra?: string } = {}): string {
  return [
    `  - name: ${name}`,
    `    timeZone: ${overrides.timeZone ?? 'Asia/Hong_Kong'}`,
    '    schedule:',
    `      t1: ${overrides.t1 ?? '20:00'}`,
    `      t2: ${overrides.t2 ?? '22:00'}`,
    '    environments:',
    '      uat:',
    `        url: ${overrides.uatUrl ?? `https://uat.${name}.example`}`,
    '        line: develop',
    '      prod:',
    `        url: ${overrides.prodUrl ?? `https://${name}.example`}`,
    '        line: main',
    ...(overrides.extra ? [overrides.extra] : []),
    '',
  ].join('\n');
}

const file = (...systems: string[]) => `systems:\n${systems.join('')}`;

/** The problems parseConfig reports for `text`; fails when the file is accepted. */
function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, FILE, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.ok(error.problems.length > 0);
    assert.ok(error.message.startsWith(`${FILE} is not valid:`), error.message);
    for (const p of error.problems) assert.ok(error.message.includes(`  - ${p}`), 'the message lists every problem');
    return error.problems;
  }
  assert.fail('expected the configuration to be refused');
}

/** Exactly one problem, and it starts with the key path. */
function oneProblem(text: string, keyPath: string, what: RegExp, env: NodeJS.ProcessEnv = {}): void {
  const found = problems(text, env);
  assert.equal(found.length, 1, found.join('\n'));
  assert.ok(found[0]!.startsWith(`${keyPath}: `), `expected the problem to name ${keyPath}: ${found[0]}`);
  assert.match(found[0]!, what);
}

describe('tonic.config.yaml', () => {
  test('a minimal valid file parses, with the defaults filled in', () => {
    const config = parseConfig(file(system()), FILE, {});
    assert.equal(config.file, FILE);
    assert.deepEqual(config.systems, [
      {
        name: 'shop',
        title: 'shop',
        timeZone: 'Asia/Hong_Kong',
        // Unquoted 20:00 is a string in YAML 1.2, not the sexagesimal number 1200.
        t1: '20:00',
        t2: '22:00',
        repositoryPath: null,
        repositoryUrl: null,
        fixBranch: null,
        push: false,
        environments: {
          uat: { url: 'https://uat.shop.example', line: 'develop', deploy: null, health: null },
          prod: { url: 'https://shop.example', line: 'main', deploy: null, health: null },
        },
        minGapMinutes: 60,
        graceMinutes: 30,
        modules: [],
        pipelineSeverities: ['low', 'medium'],
        people: { viewer: [], developer: [], manager: [], admin: [], cto: [] },
        allowSelfApproval: false,
        analyzer: { provider: 'builtin' },
      },
    ]);
  });

  test('optional keys are taken as written; the repository path is relative to the file', () => {
    const extra = [
      '    title: The Shop',
      '    repository: { path: ../repos/shop }',
      '    modules: [checkout, financial]',
      '    severityPolicy: { pipeline: [low] }',
      '    people: { manager: [dana], cto: [chen] }',
      '    approvals: { allowSelfApproval: true }',
    ].join('\n');
    const [shop] = parseConfig(file(system('shop', { extra }), system('billing', { timeZone: 'Europe/London', t1: '"01:00"', t2: '"03:30"' })), FILE, {}).systems;
    assert.equal(shop?.title, 'The Shop');
    assert.equal(shop?.repositoryPath, '/etc/repos/shop');
    assert.deepEqual(shop?.modules, ['checkout', 'financial']);
    assert.deepEqual(shop?.pipelineSeverities, ['low']);
    assert.deepEqual(shop?.people, { viewer: [], developer: [], manager: ['dana'], admin: [], cto: ['chen'] });
    assert.equal(shop?.allowSelfApproval, true);
  });

  test('${VAR} takes its value from the environment', () => {
    const text = file(system('shop', { prodUrl: 'https://${PROD_HOST}/app' }));
    assert.equal(parseConfig(text, FILE, { PROD_HOST: 'shop.example' }).systems[0]?.environments.prod.url, 'https://shop.example/app');
  });

  test('an unknown key is named with its path', () => {
    oneProblem(file(system('shop', { extra: '    colour: red' })), 'systems[0].colour', /unknown key/);
    oneProblem(`${file(system())}extra: 1\n`, 'extra', /unknown key/);
    // A misspelt key is both unknown and leaves the real one missing: both are said.
    assert.deepEqual(problems(file(system('shop', { extra: '    approvals: { allowSelfApprovals: true }' }))).map((p) => p.slice(0, p.indexOf(': '))).sort(), [
      'systems[0].approvals.allowSelfApproval',
      'systems[0].approvals.allowSelfApprovals',
    ]);
  });

  test('a missing required key is named with its path', () => {
    oneProblem(file(system()).replace('    timeZone: Asia/Hong_Kong\n', ''), 'systems[0].timeZone', /required key is missing/);
    oneProblem(file(system()).replace(/ {6}prod:\n.*\n.*\n/, ''), 'systems[0].environments.prod', /required key is missing/);
    oneProblem(file(system()).replace('      t2: 22:00\n', ''), 'systems[0].schedule.t2', /required key is missing/);
  });

  test('a time zone that is not an IANA zone', () => {
    oneProblem(file(system('shop', { timeZone: 'Asia/Atlantis' })), 'systems[0].timeZone', /"Asia\/Atlantis" is not an IANA time zone/);
    oneProblem(file(system('shop', { timeZone: 'HKT' })), 'systems[0].timeZone', /not an IANA time zone/);
  });

  test('T1 and T2 less than 60 minutes apart', () => {
    oneProblem(file(system('shop', { t1: '20:00', t2: '20:59' })), 'systems[0].schedule', /T1 20:00 and T2 20:59 are 59 minutes apart; leave at least 60 minutes/);
    oneProblem(file(system('shop', { t1: '"23:30"', t2: '"00:15"' })), 'systems[0].schedule', /45 minutes apart/);
    oneProblem(file(system('shop', { t1: '22:00', t2: '22:00' })), 'systems[0].schedule', /0 minutes apart/);
    // Exactly an hour is enough.
    assert.equal(parseConfig(file(system('shop', { t1: '21:00', t2: '22:00' })), FILE, {}).systems[0]?.t1, '21:00');
  });

  test('two systems with the same name', () => {
    oneProblem(file(system('shop'), system('billing'), system('shop', { uatUrl: 'https://uat2.example', prodUrl: 'https://prod2.example' })), 'systems[2].name', /"shop" is declared twice/);
  });

  test('a time that is not 24-hour HH:MM', () => {
    for (const bad of ['"24:00"', '"7:00"', '"22:00:00"', '10pm', '"22.00"']) {
      oneProblem(file(system('shop', { t2: bad })), 'systems[0].schedule.t2', /HH:MM/);
    }
  });

  test('a URL that is not http(s)', () => {
    oneProblem(file(system('shop', { prodUrl: 'shop.example' })), 'systems[0].environments.prod.url', /expected an http\(s\) URL, got "shop.example"/);
    oneProblem(file(system('shop', { uatUrl: 'ftp://uat.example' })), 'systems[0].environments.uat.url', /http\(s\) URL/);
  });

  test('a severity in severityPolicy that is not one', () => {
    oneProblem(file(system('shop', { extra: '    severityPolicy: { pipeline: [low, urgent] }' })), 'systems[0].severityPolicy.pipeline[1]', /"urgent"/);
  });

  test('${VAR} with VAR unset names the key and the variable', () => {
    oneProblem(file(system('shop', { prodUrl: 'https://${PROD_HOST}/' })), 'systems[0].environments.prod.url', /uses \$\{PROD_HOST\} but the environment variable PROD_HOST is not set/);
  });

  test('a YAML syntax error says where', () => {
    const found = problems(`${file(system())}  - name: [unclosed\n`);
    assert.ok(found.length >= 1);
    assert.match(found[0]!, /^YAML syntax: .* at line \d+, column \d+/);
    assert.match(problems('systems:\n  - name: shop\n   timeZone: x\n')[0]!, /^YAML syntax: .*line 3/);
  });

  test('an empty file asks for systems', () => {
    const found = problems('');
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^\(root\)/);
  });

  test('problems of one kind are listed together, one per key', () => {
    const found = problems(file(system('shop', { t2: '"24:00"', prodUrl: 'shop.example', extra: '    colour: red' }), system('billing', { timeZone: 'Asia/Hong_Kong', extra: '    modules: [Checkout]' })));
    const paths = found.map((p) => p.slice(0, p.indexOf(': ')));
    assert.deepEqual(paths.sort(), ['systems[0].colour', 'systems[0].environments.prod.url', 'systems[0].schedule.t2', 'systems[1].modules[0]'].sort());

    const semantic = problems(file(system('shop', { timeZone: 'Asia/Atlantis', t2: '20:30' }), system('shop', { uatUrl: 'https://a.example', prodUrl: 'https://a.example' })));
    assert.deepEqual(
      semantic.map((p) => p.slice(0, p.indexOf(': '))),
      ['systems[0].timeZone', 'systems[0].schedule', 'systems[1].name', 'systems[1].environments'],
    );

    const unset = problems(file(system('shop', { prodUrl: 'https://${PROD_HOST}/', extra: '    title: ${TITLE}' })));
    assert.deepEqual(unset.map((p) => p.slice(0, p.indexOf(': '))).sort(), ['systems[0].environments.prod.url', 'systems[0].title']);
  });

  test('every problem in the file is reported at once, whatever its kind', () => {
    // The file's own promise: "Every problem is reported at once". One fix-and-retry per kind of
    // mistake is what it exists to spare people.
    const found = problems(
      file(
        system('shop', { extra: '    colour: red' }), // unknown key
        system('billing', { timeZone: 'Asia/Atlantis', t1: '21:30' }), // bad zone, T1/T2 30 minutes apart
        system('shop', { uatUrl: 'https://uat3.example', prodUrl: 'https://${PROD_HOST}/' }), // duplicate name, unset variable
      ),
    );
    const paths = found.map((p) => p.slice(0, p.indexOf(': ')));
    for (const expected of ['systems[0].colour', 'systems[1].timeZone', 'systems[1].schedule', 'systems[2].name', 'systems[2].environments.prod.url']) {
      assert.ok(paths.includes(expected), `${expected} is not reported; reported: ${found.join(' | ')}`);
    }
  });

  test('monitoring: SEED.md defaults with the overrides written; each mistake named by its key path', () => {
    const extra = [
      '    monitoring:',
      '      windowMinutes: 5',
      '      provider: { kind: prometheus, url: "http://prom.internal:9090", selectors: { prod: \'job="shop"\' } }',
      '      metrics: { errorRate: { threshold: 1, action: alert }, cpu: { action: ignore } }',
    ].join('\n');
    const monitoring = parseConfig(file(system('shop', { extra })), FILE, {}).systems[0]!.monitoring!;
    assert.equal(monitoring.windowMs, 300_000);
    assert.equal(monitoring.pollMs, 15_000);
    assert.deepEqual(monitoring.provider, { kind: 'prometheus', url: 'http://prom.internal:9090', selectors: { uat: '', prod: 'job="shop"' }, rateWindow: '1m' });
    assert.deepEqual([monitoring.metrics.errorRate.action, monitoring.metrics.cpu.action, monitoring.metrics.authSuccess.action], ['alert', 'ignore', 'rollback']);

    const section = (...lines: string[]) => file(system('shop', { extra: ['    monitoring:', ...lines.map((l) => `      ${l}`)].join('\n') }));
    oneProblem(section('metrics: { errorRate: { action: panic } }'), 'systems[0].monitoring.metrics.errorRate.action', /must be one of rollback, alert, ignore/);
    oneProblem(section('metrics: { latency: { threshold: 5 } }'), 'systems[0].monitoring.metrics.latency', /unknown key/);
    oneProblem(section('windowMinutes: 1', 'pollSeconds: 90'), 'systems[0].monitoring.pollSeconds', /90 s is longer than the watch window/);
    oneProblem(section('provider: { kind: prometheus, url: "http://p:9090", rateWindow: soon }'), 'systems[0].monitoring.provider.rateWindow', /"soon" is not a Prometheus duration/);
    assert.ok(problems(section('provider: { kind: prometheus }')).some((p) => p.startsWith('systems[0].monitoring.provider')));
  });

  test('loadConfigFile reads a file, and says how to create one when it is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonic-config-'));
    try {
      const path = join(dir, 'tonic.config.yaml');
      writeFileSync(path, file(system('shop', { extra: '    repository: { path: repo }' })));
      const config = loadConfigFile(path, {});
      assert.equal(config.file, path);
      assert.equal(config.systems[0]?.repositoryPath, join(dir, 'repo'));
      assert.throws(
        () => loadConfigFile(join(dir, 'missing.yaml'), {}),
        (error: unknown) => error instanceof ConfigError && /file not found \(run `tonic init`/.test(error.problems[0] ?? ''),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tonic.config.yaml: the analyzer section', () => {
  const withAnalyzer = (...lines: string[]) => file(system('shop', { extra: ['    analyzer:', ...lines.map((l) => `      ${l}`)].join('\n') }));

  test('an OpenAI-compatible endpoint, its key from the environment, the defaults filled in and the never-send globs added to', () => {
    const text = withAnalyzer('provider: openai-compatible', 'baseUrl: https://api.openai.com/v1/', 'model: gpt-4o-mini', 'apiKey: ${OPENAI_API_KEY}', 'neverSend: ["secrets/**"]');
    const [shop] = parseConfig(text, FILE, { OPENAI_API_KEY: 'sk-from-env' }).systems;
    assert.deepEqual(shop?.analyzer, {
      provider: 'openai-compatible',
      baseUrl: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      apiKey: 'sk-from-env',
      apiVersion: null,
      timeoutMs: 60_000,
      maxInputChars: 40_000,
      neverSend: ['.env*', '*.pem', 'secrets/**'],
      responseFormat: 'json_object',
    });
    const azure = parseConfig(
      withAnalyzer('provider: openai-compatible', 'baseUrl: https://acme.openai.azure.com/openai/deployments/gpt4o', 'model: gpt-4o', 'apiKey: k', 'apiVersion: 2024-10-21', 'timeoutSeconds: 20'),
      FILE,
      {},
    ).systems[0]?.analyzer;
    assert.equal(azure?.provider === 'openai-compatible' && `${azure.apiVersion} ${azure.timeoutMs}`, '2024-10-21 20000');
    assert.deepEqual(parseConfig(withAnalyzer('provider: builtin'), FILE, {}).systems[0]?.analyzer, { provider: 'builtin' });
  });

  test('an OpenAI-compatible provider without baseUrl or model is refused, naming each key', () => {
    const found = problems(withAnalyzer('provider: openai-compatible'));
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(found[0]!, /^systems\[0\]\.analyzer\.baseUrl: required when provider is openai-compatible: the endpoint base, e\.g\. https:\/\/api\.openai\.com\/v1/);
    assert.match(found[1]!, /^systems\[0\]\.analyzer\.model: required when provider is openai-compatible/);
  });

  test('a base URL that is not one, or that names the path Tonic adds', () => {
    oneProblem(withAnalyzer('provider: openai-compatible', 'baseUrl: localhost:11434', 'model: llama3.1'), 'systems[0].analyzer.baseUrl', /expected an http\(s\) URL/);
    oneProblem(withAnalyzer('provider: openai-compatible', 'baseUrl: http://127.0.0.1:11434/v1/chat/completions', 'model: llama3.1'), 'systems[0].analyzer.baseUrl', /without \/chat\/completions \(Tonic adds it\)/);
    oneProblem(withAnalyzer('provider: openai-compatible', 'baseUrl: https://x.example/v1?api-version=1', 'model: m'), 'systems[0].analyzer.baseUrl', /set apiVersion instead/);
  });

  test('an unknown provider, an empty key, a timeout out of range', () => {
    oneProblem(withAnalyzer('provider: anthropic'), 'systems[0].analyzer.provider', /must be one of builtin, openai-compatible/);
    oneProblem(withAnalyzer('provider: openai-compatible', 'baseUrl: http://127.0.0.1:1234/v1', 'model: m', 'apiKey: ${EMPTY}'), 'systems[0].analyzer.apiKey', /is empty/, { EMPTY: '' });
    oneProblem(withAnalyzer('provider: openai-compatible', 'baseUrl: http://127.0.0.1:1234/v1', 'model: m', 'timeoutSeconds: 0'), 'systems[0].analyzer.timeoutSeconds', /greater or equal to 1, got 0/);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../config/load-config.ts';

const FILE = '/etc/tonic/tonic.config.yaml';

const withChecklist = (checklist: string) => `systems:
  - name: shop
    timeZone: Asia/Hong_Kong
    schedule: { t1: "20:00", t2: "22:00" }
    environments:
      uat: { url: "https://uat.shop.example", line: develop }
      prod: { url: "https://shop.example", line: main }
    checklist:
${checklist
  .split('\n')
  .map((l) => `      ${l}`)
  .join('\n')}
`;

function problems(checklist: string): string[] {
  try {
    parseConfig(withChecklist(checklist), FILE, {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected the checklist to be refused');
}

describe('the checklist section of tonic.config.yaml', () => {
  test('every probe configured: defaults filled in, paths relative to the file, commands split', () => {
    const config = parseConfig(
      withChecklist(`timeoutSeconds: 10
backup:
  folder: backups
  pattern: "shop-*.dump"
  backupCommand: "./backup.sh {system} --now"
  envs: [prod]
monitoring: { prometheus: "http://127.0.0.1:9090", requireGroups: [shop] }
onCall:
  rotation:
    start: "2026-11-02"
    people:
      - { name: alice, telegram: "1001" }
      - { name: bob, user: robert, email: bob@example.com }
  acknowledgeWithinMinutes: 30
freeze: {}
rollbackPath: { mode: warn }
dependencies:
  targets:
    - { name: payments, http: "http://127.0.0.1:7000/health", expectStatus: 204 }
    - { name: db, tcp: "127.0.0.1:5432", timeoutSeconds: 2 }
headroom: { minDiskFreePercent: 15 }`),
      FILE,
      {},
    );
    const c = config.systems[0]!.checklist!;
    assert.deepEqual(c.backup, {
      mode: 'block',
      timeoutMs: 10_000,
      envs: ['prod'],
      maxAgeMinutes: 1440,
      source: { kind: 'folder', path: '/etc/tonic/backups', pattern: 'shop-*.dump' },
      backupCommand: ['./backup.sh', '{system}', '--now'],
      backupTimeoutMs: 3_600_000,
      workdir: '/etc/tonic',
    });
    assert.deepEqual(c.monitoring, { mode: 'block', timeoutMs: 10_000, envs: ['uat', 'prod'], kind: 'prometheus', url: 'http://127.0.0.1:9090', requireGroups: ['shop'] });
    assert.equal(c.onCall?.rotation?.handoverAt, '09:00');
    assert.equal(c.onCall?.rotation?.everyDays, 7);
    assert.deepEqual(c.onCall?.rotation?.people[1], { name: 'bob', user: 'robert', telegram: null, email: 'bob@example.com', slack: null, phone: null });
    assert.equal(c.rollbackPath?.mode, 'warn');
    assert.deepEqual(c.freeze, { mode: 'block', timeoutMs: 10_000, envs: ['uat', 'prod'] });
    assert.deepEqual(c.dependencies?.targets, [
      { name: 'payments', timeoutMs: 5_000, kind: 'http', url: 'http://127.0.0.1:7000/health', expectStatus: 204 },
      { name: 'db', timeoutMs: 2_000, kind: 'tcp', host: '127.0.0.1', port: 5432 },
    ]);
    assert.equal(c.headroom?.minDiskFreePercent, 15);
    assert.equal(c.headroom?.maxMemoryUsedPercent, 80);
    assert.equal(c.headroom?.source.kind, 'command');
  });

  test('a system without the section has no checklist', () => {
    const text = withChecklist('{}').replace(/ {4}checklist:\n.*\n$/s, '');
    assert.equal(parseConfig(text, FILE, {}).systems[0]!.checklist, undefined);
  });

  test('malformed probe configuration is refused, each problem naming its key path and what to do', () => {
    assert.deepEqual(problems('backup: { file: /b/db.dump, url: "https://b.example/last" }'), [
      'systems[0].checklist.backup: give exactly one of file, folder, command or url to find the newest backup (got file and url)',
    ]);
    assert.deepEqual(problems('backup: { maxAgeHours: 24 }'), ['systems[0].checklist.backup: give exactly one of file, folder, command or url to find the newest backup (none given)']);
    assert.match(problems('freeze: { mode: stop }')[0]!, /^systems\[0\]\.checklist\.freeze\.mode: must be one of block, warn/);
    assert.match(problems('monitoring: {}')[0]!, /^systems\[0\]\.checklist\.monitoring: give either prometheus .* or url .*, not neither/);
    assert.match(problems('monitoring: { prometheus: "ftp://x" }')[0]!, /^systems\[0\]\.checklist\.monitoring\.prometheus: expected an http\(s\) URL/);
    assert.match(problems('onCall: { acknowledgeWithinMinutes: 30 }')[0]!, /^systems\[0\]\.checklist\.onCall: give either person .* or rotation/);
    assert.match(problems('onCall: { rotation: { start: "2026-02-30", people: [{ name: a, telegram: "1" }] } }')[0]!, /rotation\.start: "2026-02-30" is not a calendar date/);
    assert.match(problems('onCall: { person: { name: a, email: "not-an-address" } }')[0]!, /^systems\[0\]\.checklist\.onCall\.person\.email: /);
    assert.match(problems('dependencies: { targets: [{ name: db, tcp: "db" }] }')[0]!, /^systems\[0\]\.checklist\.dependencies\.targets\[0\]\.tcp: /);
    assert.match(problems('dependencies: { targets: [{ name: db, tcp: "db:70000" }] }')[0]!, /tcp: port 70000 is not from 1 to 65535/);
    assert.match(problems('dependencies: { targets: [{ name: db }] }')[0]!, /targets\[0\]: give either http \(a URL\) or tcp \(host:port\), not neither/);
    assert.match(problems('backup: { command: "echo \'unbalanced" }')[0]!, /backup\.command: cannot be split into a program and arguments: unbalanced ' quote/);
    assert.match(problems('headroom: { maxMemoryUsedPercent: 120 }')[0]!, /headroom\.maxMemoryUsedPercent: /);
    assert.match(problems('bakup: { file: x }')[0]!, /^systems\[0\]\.checklist\.bakup: unknown key/);
  });
});

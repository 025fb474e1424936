import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeDeploy, judgeStep, shellQuote, unknownPlaceholders } from './rehearsal-rules.ts';
import { rollbackRunbook, runbookServicesOf, type RunbookInput, type RunbookService } from './runbook-rules.ts';

const command = (argv: string[]) => ({ driver: 'command' as const, command: argv, workdir: null, timeoutMs: 600_000, env: {} });
const service = (name: string, argv: string[]): RunbookService => ({
  name,
  deploy: { uat: command(argv), prod: command(argv) },
  health: { uat: null, prod: { url: `https://${name}.example/health`, expectStatus: 200, expectVersion: true, timeoutMs: 60_000 } },
});

function input(overrides: Partial<RunbookInput> = {}): RunbookInput {
  return {
    system: 'shop',
    title: 'Shop',
    timeZone: 'Asia/Hong_Kong',
    repository: '/srv/shop',
    lines: { uat: 'develop', prod: 'main' },
    services: [service('shop', ['./deploy.sh', '{env}', '{tag}'])],
    workdir: '/srv/shop',
    downMigration: null,
    dbaContact: null,
    smoke: null,
    notified: [],
    renderedAt: '2026-11-26 10:00 HKT',
    ...overrides,
  };
}

describe('the rollback runbook', () => {
  test('undoes several services in the reverse of their deploy order, each with its own command and health check', () => {
    const text = rollbackRunbook(
      input({ services: [service('db-migrator', ['migrate', '{tag}']), service('backend', ['deploy-api', '{env}', '{version}']), service('frontend', ['deploy-web', '{version}'])] }),
    );
    const prod = text.slice(text.indexOf('### PROD'), text.indexOf('### UAT'));
    assert.match(prod, /3\. \*\*Services, in reverse deploy order\*\* \(frontend → backend → db-migrator\)/);
    const order = ['   1. frontend', '   2. backend', '   3. db-migrator'].map((line) => prod.indexOf(line));
    assert.ok(order.every((i) => i > 0) && order[0]! < order[1]! && order[1]! < order[2]!, prod);
    assert.match(prod, /deploy-api prod <previous_tag>\n/);
    assert.match(prod, /curl -fsS https:\/\/backend\.example\/health` must answer HTTP 200 and report <previous_tag>/);
    assert.match(text, /- \[ \] Rollback scope defined \(frontend \/ backend \/ both \/ DB\): services frontend, backend, db-migrator/);
  });

  test('one implicit service when the system declares none; the previous release fills the placeholders when it is known', () => {
    const services = runbookServicesOf({
      name: 'shop',
      environments: {
        uat: { url: 'http://u', line: 'develop', deploy: command(['./deploy.sh', '{env}', '{tag}']), health: null },
        prod: { url: 'http://p', line: 'main', deploy: command(['./deploy.sh', '{env}', '{tag}']), health: null },
      },
    });
    assert.deepEqual(services.map((s) => s.name), ['shop']);
    const text = rollbackRunbook(
      input({
        services,
        state: { prod: { version: 'v1.4.1', commit: 'a'.repeat(40), previous: { version: 'v1.4.0', commit: 'b'.repeat(40) } } },
        downMigration: { command: ['npm', 'run', 'migrate:down', '--', '--from', '{from}', '--to', '{to}'], migrationPaths: ['db/migrations/**'], workdir: null, timeoutMs: 600_000 },
        dbaContact: 'dba@shop.example',
      }),
    );
    assert.match(text, /PROD runs v1\.4\.1 \(aaaaaaaaaa\); before it, v1\.4\.0 \(bbbbbbbbbb\): the rollback target below\./);
    assert.match(text, /npm run migrate:down -- --from v1\.4\.1 --to v1\.4\.0/);
    assert.match(text, /\.\/deploy\.sh prod v1\.4\.0\n/);
    assert.match(text, /tonic env record --system shop --env prod --commit b{40} --version v1\.4\.0/);
    assert.match(text, /engage the DBA \(DBA: dba@shop\.example\)/);
    // UAT's previous is unknown: placeholders stay, named.
    assert.match(text, /\.\/deploy\.sh uat <previous_tag>\n/);
  });
});

describe('what a rehearsal records', () => {
  const target = { system: 'shop', env: 'prod' as const, service: 'shop', version: 'v1.0.1', tag: 'v1.0.1', commit: 'c'.repeat(40), workdir: '/srv/shop' };

  test('a command with its placeholders filled, and a misspelt placeholder named with its key', () => {
    const ok = describeDeploy({ name: 'shop' }, 'prod', command(['./deploy.sh', '{env}', '{tag}', 'label with space']), target);
    assert.match(ok.text, /^\$ \.\/deploy\.sh prod v1\.0\.1 'label with space' +\(in \/srv\/shop; with TONIC_VERSION=v1\.0\.1 /);
    assert.deepEqual(ok.problems, []);
    const typo = describeDeploy({ name: 'shop' }, 'prod', command(['./deploy.sh', '{verison}']), target);
    assert.match(typo.problems[0]!, /^\{verison\} in systems\[\]\.environments\.prod\.deploy\.command is not a placeholder/);
    assert.deepEqual(unknownPlaceholders('{env}-{nope}', ['env']), ['nope']);
  });

  test('a webhook deploy prints its body and how it is signed, never the secret', () => {
    const hook = describeDeploy({ name: 'shop' }, 'prod', { driver: 'webhook', url: 'https://deploy.example/hook', secret: 'super-secret-value-123', timeoutMs: 600_000, pollIntervalMs: 5000 }, target);
    assert.match(hook.text, /^POST https:\/\/deploy\.example\/hook {3}body \{"event":"deploy","version":"v1\.0\.1","tag":"v1\.0\.1"/);
    assert.doesNotMatch(hook.text, /super-secret-value-123/);
    const none = describeDeploy({ name: 'shop' }, 'uat', null, { ...target, env: 'uat' });
    assert.match(none.problems[0]!, /set systems\[\]\.environments\.uat\.deploy/);
  });

  test('a step whose pipeline part passed fails when what it would run has a problem', () => {
    const step = judgeStep('deploy', { result: 'pass', detail: 'deployed' }, [{ env: 'uat', kind: 'deploy', text: '$ x', problems: ['fix it'] }]);
    assert.equal(step.result, 'fail');
    assert.equal(step.fix, 'fix it');
    assert.equal(shellQuote(["it's"]), `'it'\\''s'`);
  });
  test("a system's services section: its services in deploy order (migrations first, then dependencies), each with its own driver or the environment's", () => {
    const envDeploy = command(['./deploy.sh', '{env}', '{service}', '{tag}']);
    const svc = (name: string, dependsOn: string[], migrations = false, deploy: ReturnType<typeof command> | null = null) => ({
      name,
      paths: [`${name}/**`],
      dependsOn,
      migrations,
      downMigration: null,
      environments: { uat: { url: `http://${name}-u`, deploy, health: null }, prod: { url: `http://${name}-p`, deploy, health: null } },
      smoke: null,
    });
    const services = runbookServicesOf({
      name: 'shop',
      environments: { uat: { url: 'http://u', line: 'develop', deploy: envDeploy, health: null }, prod: { url: 'http://p', line: 'main', deploy: envDeploy, health: null } },
      services: [svc('web', ['api']), svc('api', ['db']), svc('db', [], true, command(['migrate', '{tag}']))],
    } as never);
    assert.deepEqual(services.map((s) => s.name), ['db', 'api', 'web']);
    assert.deepEqual(services.map((s) => (s.deploy.prod?.driver === 'command' ? s.deploy.prod.command[0] : null)), ['migrate', './deploy.sh', './deploy.sh']);
    const text = rollbackRunbook(input({ services }));
    assert.match(text, /services web, api, db/);
  });
});

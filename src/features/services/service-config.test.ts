/**
 * The `services` section through the real loader: what a user writes, what it becomes, and each
 * mistake refused with its key path (a cycle named, an unknown name, a missing health check).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { ConfigError, parseConfig } from '../../config/load-config.ts';

const health = (port: number) => ({ url: `http://127.0.0.1:${port}/health` });
const env = (port: number) => ({ uat: { health: health(port), url: `http://127.0.0.1:${port}` }, prod: { health: health(port + 1), url: `http://127.0.0.1:${port + 1}` } });

function systemWith(services: unknown, extra: Record<string, unknown> = {}) {
  return {
    systems: [
      {
        name: 'shop',
        timeZone: 'Asia/Hong_Kong',
        schedule: { t1: '20:00', t2: '22:00' },
        environments: {
          uat: { url: 'https://uat.shop.example', line: 'develop', deploy: { driver: 'command', command: './deploy.sh {env} {service} {tag}' }, health: { url: 'https://uat.shop.example/health' } },
          prod: { url: 'https://shop.example', line: 'main', deploy: { driver: 'command', command: './deploy.sh {env} {service} {tag}' } },
        },
        services,
        ...extra,
      },
    ],
  };
}

const load = (config: unknown) => parseConfig(stringify(config), '/etc/tonic.yaml', {}).systems[0]!;

function problemsOf(config: unknown): string[] {
  try {
    parseConfig(stringify(config), '/etc/tonic.yaml', {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected the configuration to be refused');
}

describe('the services section', () => {
  test('normalised: the environment\'s driver where a service has none, its own health, url and smoke steps; dependsOn and migrations', () => {
    const system = load(
      systemWith([
        {
          name: 'db',
          paths: ['db/migrations/**'],
          migrations: true,
          downMigration: { command: './migrate-down.sh {from} {to}', timeoutSeconds: 30 },
          environments: env(7000),
        },
        { name: 'api', paths: ['api/**', 'shared/**'], dependsOn: ['db'], environments: { ...env(7100), prod: { ...env(7100).prod, deploy: { driver: 'webhook', url: 'https://deploy.example/api', secret: '0123456789abcdef0123' } } } },
        {
          name: 'web',
          paths: ['web/**'],
          dependsOn: ['api'],
          environments: env(7200),
          smoke: { steps: [{ name: 'home', request: { path: '/' }, expect: { status: 200 } }], prod: { baseUrl: 'https://shop.example', steps: [{ name: 'home', request: { path: '/' } }] } },
        },
      ]),
    );
    const [db, api, web] = system.services!;
    assert.deepEqual(db!.downMigration, { command: ['./migrate-down.sh', '{from}', '{to}'], workdir: null, timeoutMs: 30_000 });
    assert.equal(db!.migrations, true);
    assert.deepEqual(api!.dependsOn, ['db']);
    assert.deepEqual(api!.environments.uat.deploy, { driver: 'command', command: ['./deploy.sh', '{env}', '{service}', '{tag}'], workdir: null, timeoutMs: 600_000, env: {} }, 'the environment\'s driver');
    assert.equal(api!.environments.prod.deploy?.driver, 'webhook', 'its own');
    assert.deepEqual(web!.environments.uat.health, { url: 'http://127.0.0.1:7200/health', expectStatus: 200, expectVersion: true, timeoutMs: 60_000 });
    assert.equal(web!.smoke!.uat.baseUrl, 'http://127.0.0.1:7200', "the service's url");
    assert.equal(web!.smoke!.prod.baseUrl, 'https://shop.example');
    assert.equal(web!.smoke!.uat.steps[0]!.name, 'home');
    assert.equal(api!.smoke, null);
  });

  test('a system without services has none: it is one service, as before', () => {
    assert.equal(load(systemWith(undefined)).services, undefined);
  });

  test('one service may use the environment\'s health check', () => {
    const [only] = load(systemWith([{ name: 'app', paths: ['**'] }])).services!;
    assert.equal(only!.environments.uat.health?.url, 'https://uat.shop.example/health');
    assert.equal(only!.environments.prod.health, null);
  });

  test('a dependency cycle is refused at load and named', () => {
    const found = problemsOf(
      systemWith([
        { name: 'api', paths: ['api/**'], dependsOn: ['web'], environments: env(7000) },
        { name: 'web', paths: ['web/**'], dependsOn: ['api'], environments: env(7100) },
      ]),
    );
    assert.deepEqual(found, ['systems[0].services[0].dependsOn: dependency cycle api -> web -> api: no order deploys each service after what it depends on; remove one of these dependsOn']);
  });

  test('an unknown dependsOn name is refused, listing the services there are', () => {
    const found = problemsOf(
      systemWith([
        { name: 'api', paths: ['api/**'], environments: env(7000) },
        { name: 'web', paths: ['web/**'], dependsOn: ['backend'], environments: env(7100) },
      ]),
    );
    assert.deepEqual(found, ['systems[0].services[1].dependsOn[0]: "backend" is not a service of this system; its services: api, web']);
  });

  test('with more than one service, each needs its own health check in each environment', () => {
    const found = problemsOf(
      systemWith([
        { name: 'api', paths: ['api/**'], environments: { uat: { health: health(7000) } } },
        { name: 'web', paths: ['web/**'], environments: env(7100) },
      ]),
    );
    assert.deepEqual(found, [
      'systems[0].services[0].environments.prod.health: required: shop has 2 services, and each is checked on its own before the next one deploys (SEED.md: validate between services)',
    ]);
  });

  test('the migration service needs its down migration; the system-level one is refused beside services; names once; malformed steps', () => {
    const found = problemsOf(
      systemWith(
        [
          { name: 'db', paths: ['db/**'], migrations: true, environments: env(7000) },
          { name: 'api', paths: ['api/**'], downMigration: { command: 'x' }, environments: env(7100) },
          { name: 'api', paths: ['api2/**'], environments: env(7200), smoke: { steps: [{ name: 'a', request: { path: '/' }, command: 'ls' }] } },
        ],
        { rollback: { downMigration: { command: 'down.sh', migrationPaths: ['db/**'] } } },
      ),
    );
    assert.deepEqual(found, [
      'systems[0].services[2].name: "api" is declared twice; service names must be unique',
      'systems[0].services[0].downMigration: required with migrations: true: a rollback runs it before db goes back to the previous release',
      'systems[0].services[1].downMigration: only a service with migrations: true runs a down migration; set migrations: true or remove it',
      'systems[0].services[2].smoke.steps[0]: give either request (an HTTP step) or command (a program to run), not both',
      'systems[0].rollback.downMigration: with services, the down migration belongs to the service that holds the migrations (services[].migrations: true, services[].downMigration), so that it runs at its place in the reverse order',
    ]);
  });

  test('the schema: paths are required, unknown keys refused', () => {
    const found = problemsOf(systemWith([{ name: 'api', environments: env(7000), depends: ['x'] }]));
    assert.ok(found.some((p) => p.startsWith('systems[0].services[0].paths: required key is missing')), found.join('\n'));
    assert.ok(found.some((p) => p === 'systems[0].services[0].depends: unknown key: remove it or check its spelling'), found.join('\n'));
  });
});

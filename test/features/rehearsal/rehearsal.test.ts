/**
 * Rehearsal for real: a git repository, UAT and PROD as HTTP servers with a deploy command, smoke
 * steps and a down migration as a user configures them, on every dialect. The rehearsal must pass
 * and change nothing (the database, the repository and the environments compared before and
 * after), and a deliberately broken configuration must have each problem named.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../src/adapters/db/schema.ts';
import { parseConfig, type SystemConfig } from '../../../src/config/load-config.ts';
import { resolveMonitoringSettings } from '../../../src/features/monitoring/monitoring-rules.ts';
import type { RehearsalReport } from '../../../src/features/rehearsal/rehearsal-service.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { createTestTonic, startTestServer, testSystem, type TestTonic } from '../../support/test-tonic.ts';

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; base: string; marker: string };

/** Every row of every table, in a stable order: the database as a value to compare. */
async function dumpDatabase(db: Kysely<DB>): Promise<string> {
  const tables = (await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name).sort();
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows;
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return JSON.stringify(out);
}

describe('tonic rehearse', () => {
  const worlds: World[] = [];
  afterEach(async () => {
    for (const w of worlds.splice(0)) {
      await w.t.close();
      await w.envs.close();
      w.repo.remove();
    }
  });

  async function world(dialect: (typeof DIALECTS)[number], adjust: (s: SystemConfig, envs: TestEnvironments) => SystemConfig = (s) => s): Promise<World> {
    const repo = await createTestRepo();
    const base = await repo.commit('shop v1.0.0', { 'app.txt': 'v1\n' });
    await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
    await repo.git('branch', 'develop');
    const envs = await startTestEnvironments();
    const marker = join(envs.dir, 'down-migration-ran.txt');
    const user = parseConfig(
      JSON.stringify({
        systems: [
          {
            name: 'shop',
            timeZone: 'Asia/Hong_Kong',
            schedule: { t1: '20:00', t2: '22:00' },
            environments: { uat: { url: envs.config.uat.url, line: 'develop' }, prod: { url: envs.config.prod.url, line: 'main' } },
            smoke: {
              steps: [
                { name: 'login', request: { method: 'POST', path: '/api/login', json: { user: 'admin', password: 'secret' } }, capture: { token: '$.token' }, expect: { status: 200 } },
                { name: 'orders', request: { path: '/api/orders', headers: { Authorization: 'Bearer {{token}}' } }, expect: { status: 200, json: [{ path: '$.orders', exists: true }] } },
              ],
            },
            rollback: { dbaContact: 'dba@shop.example', downMigration: { command: [process.execPath, '-e', 'require("fs").writeFileSync(process.argv[1], "ran")', marker, '{from}', '{to}'], migrationPaths: ['db/migrations/**'] } },
          },
        ],
      }),
      'tonic.config.yaml',
    ).systems[0]!;
    const system = testSystem({
      repositoryPath: repo.path,
      environments: envs.config,
      smoke: user.smoke,
      rollback: user.rollback,
      monitoring: resolveMonitoringSettings({ provider: { kind: 'prometheus', url: 'http://127.0.0.1:9', selectors: { prod: 'job="shop"' } } }),
    });
    const t = await createTestTonic({ dialect, systems: [adjust(system, envs)], home: envs.dir });
    for (const env of ['prod', 'uat'] as const) await t.tonic.environments.record(t.actors.admin, 'shop', env, { commit: base, version: 'v1.0.0' });
    const w = { t, repo, envs, base, marker };
    worlds.push(w);
    return w;
  }

  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      test('a rehearsal of a sound system passes every step, prints what would run, and changes nothing', { timeout: 120_000 }, async () => {
        const w = await world(dialect);
        const db = w.t.tonic.db;
        const before = { database: await dumpDatabase(db), refs: await w.repo.git('for-each-ref', '--format=%(refname) %(objectname)'), status: await w.repo.git('status', '--porcelain') };

        const report: RehearsalReport = await w.t.tonic.rehearsals.rehearse(w.t.actors.admin, 'shop');

        assert.equal(report.ok, true, JSON.stringify(report.steps, null, 2));
        assert.deepEqual(
          report.steps.map((s) => [s.name, s.result]),
          [
            ['scratch clone of the repository', 'pass'],
            ['Flow 1: T1 deploys to UAT', 'pass'],
            ['Flow 1: T2 deploys to PROD', 'pass'],
            ['rollback of PROD', 'pass'],
            ['freeze check', 'pass'],
            ['Flow 2: T1 queues for PROD', 'pass'],
            ['Flow 2: T2 deploys to PROD', 'pass'],
            ['Flow 2: T2 merges back to UAT', 'pass'],
            ['notifications', 'warn'],
          ],
        );
        const [, flow1, , rollback, , flow2Queued, , merged] = report.steps;
        // Exactly what would run: the command with its placeholders filled, in the real repository.
        const uatDeploy = flow1!.actions.find((a) => a.kind === 'deploy')!;
        assert.match(uatDeploy.text, new RegExp(`^\\$ ${process.execPath.replaceAll('/', '\\/')} ${join(w.envs.dir, 'deploy.mjs').replaceAll('/', '\\/')} \\S+ uat v1\\.0\\.1 [0-9a-f]{40} +\\(in ${w.repo.path.replaceAll('/', '\\/')};`));
        assert.match(flow1!.actions.find((a) => a.kind === 'health')!.text, new RegExp(`^GET ${w.envs.config.uat.url}/health → expect HTTP 200 reporting v1\\.0\\.1`));
        assert.match(flow1!.actions.filter((a) => a.kind === 'smoke')[0]!.text, new RegExp(`^smoke "login": POST ${w.envs.config.uat.url}/api/login body \\{"user":"admin","password":"secret"\\} → expect status 200`));
        assert.match(flow1!.actions.filter((a) => a.kind === 'smoke')[1]!.text, /headers: Authorization: \*\*\*/);
        assert.match(flow1!.actions.find((a) => a.kind === 'monitoring')!.text, /^monitoring: watch uat for 10 min from Prometheus at http:\/\/127\.0\.0\.1:9, every 15 s; roll back on errorRate > 0\.5 %, authSuccess < 99 %/);
        assert.match(rollback!.detail, /rolled PROD back from v1\.0\.1 to v1\.0\.0/);
        assert.match(rollback!.actions.find((a) => a.kind === 'migration')!.text, /down migration: would run .* when the rolled-back release changed files matching db\/migrations\/\*\*; the rehearsal's release changed none/);
        assert.match(rollback!.actions.find((a) => a.kind === 'deploy')!.text, / prod v1\.0\.0 /);
        assert.equal(flow2Queued!.actions.length, 0, 'Flow 2 T1 deploys nothing');
        assert.match(merged!.detail, /cherry-picked the fix onto UAT's v1\.1\.0, built v1\.1\.1/);
        assert.match(report.unchanged.detail, /^nothing changed on the real system/);

        // Nothing ran on the environments, nothing changed in the database or the repository.
        assert.deepEqual(w.envs.deploys(), []);
        assert.equal(w.envs.running('uat'), null);
        assert.equal(w.envs.running('prod'), null);
        assert.equal(existsSync(w.marker), false, 'the down migration did not run');
        assert.equal(await dumpDatabase(db), before.database);
        assert.equal(await w.repo.git('for-each-ref', '--format=%(refname) %(objectname)'), before.refs);
        assert.equal(await w.repo.git('status', '--porcelain'), before.status);

        // The runbook: SEED.md's procedure with this system's commands.
        assert.match(report.runbook, /^# Rollback runbook: Shop \(shop\)/);
        assert.match(report.runbook, /\| data-corruption \| data corruption risk: roll back, escalate and engage the DBA \(DBA: dba@shop\.example\)/);
        assert.match(report.runbook, /db\/migrations\/\*\*/);
        assert.match(report.runbook, / prod <previous_tag> <previous_commit>\n/);
        assert.match(report.runbook, /- \[ \] Previous working commit\/tag identified \(git log\)/);
      });

      test('a broken configuration has each problem named with what to fix, in one rehearsal', { timeout: 120_000 }, async () => {
        const w = await world(dialect, (s, envs) => ({
          ...s,
          environments: {
            uat: { ...envs.config.uat, deploy: { ...(envs.config.uat.deploy as Extract<SystemConfig['environments']['uat']['deploy'], { driver: 'command' }>), command: ['no-such-deploy-tool', '{version}'] } },
            prod: { ...envs.config.prod, deploy: { driver: 'command', command: [process.execPath, 'deploy.mjs', '{verison}'], workdir: null, timeoutMs: 60_000, env: {} } },
          },
        }));
        const report = await w.t.tonic.rehearsals.rehearse(w.t.actors.admin, 'shop');
        assert.equal(report.ok, false);
        const byName = new Map(report.steps.map((s) => [s.name, s]));
        assert.equal(byName.get('Flow 1: T1 deploys to UAT')!.result, 'fail');
        assert.match(byName.get('Flow 1: T1 deploys to UAT')!.fix!, /the deploy command no-such-deploy-tool is not an executable file here: install it or fix systems\[\]\.environments\.uat\.deploy\.command/);
        assert.equal(byName.get('Flow 1: T2 deploys to PROD')!.result, 'fail');
        assert.match(byName.get('Flow 1: T2 deploys to PROD')!.fix!, /\{verison\} in systems\[\]\.environments\.prod\.deploy\.command is not a placeholder/);
        // The rest of the rehearsal still ran: every problem is found in one pass.
        assert.equal(byName.get('freeze check')!.result, 'pass');
        assert.equal(byName.get('Flow 2: T2 merges back to UAT')!.result, 'fail');
        assert.deepEqual(w.envs.deploys(), []);
      });

      test('a missing line stops the rehearsal at the clone, naming the key; only admins rehearse; the runbook is served as Markdown', { timeout: 120_000 }, async () => {
        const w = await world(dialect, (s) => ({ ...s, environments: { ...s.environments, prod: { ...s.environments.prod, line: 'release' } } }));
        const server = await startTestServer(w.t);
        try {
          const refused = await server.request('manager', 'POST', '/api/v1/systems/shop/rehearsals', {});
          assert.equal(refused.status, 403);
          const answered = await server.request('admin', 'POST', '/api/v1/systems/shop/rehearsals', {});
          assert.equal(answered.status, 200);
          const report = answered.body as RehearsalReport;
          assert.equal(report.ok, false);
          assert.equal(report.steps[0]!.result, 'fail');
          assert.match(report.steps[0]!.fix!, /branch release \(the prod line\) does not exist: create it, or fix systems\[\]\.environments\.prod\.line/);
          assert.ok(report.steps.slice(1).every((s) => s.result === 'skipped'));
          const runbook = await server.request('viewer', 'GET', '/api/v1/systems/shop/rollback-runbook.md');
          assert.equal(runbook.status, 200);
          assert.match(runbook.headers.get('content-type') ?? '', /^text\/markdown/);
          assert.match(String(runbook.body), /PROD runs v1\.0\.0/);
        } finally {
          await server.close();
        }
      });
    });
  }
});

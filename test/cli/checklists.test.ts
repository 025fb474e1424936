/**
 * The pre-deploy checklist over HTTP and through `tonic` (child processes against the real server):
 * `tonic check`, `POST …/checks`, `GET …/checks/{id}`, and a blocked run as `GET …/runs/{id}` and
 * `tonic runs show` present it. The API is dialect-independent, so SQLite is enough here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { normaliseChecklist } from '../../src/features/checklists/checklist-config.ts';
import { startTestEnvironments, type TestEnvironments } from '../support/environments.ts';
import { createTestRepo, type TestRepo } from '../support/git-repo.ts';
import { freePort } from '../support/processes.ts';
import { ADMIN_TOKEN, createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';
import { runTonic } from './run-tonic.ts';

// Each step runs the real CLI as a child process: generous on a loaded machine, bounded all the same.
const LIMIT = { timeout: 180_000 };

describe('the pre-deploy checklist over HTTP and the command line', () => {
  let t: TestTonic;
  let server: TestServer;
  let repo: TestRepo;
  let envs: TestEnvironments;
  let dir: string;
  let blockedRun: number;
  const tonic = (...args: string[]) => runTonic(args, { TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tonic-checks-'));
    const backup = join(dir, 'shop.dump');
    writeFileSync(backup, 'dump');
    const made = new Date('2026-11-26T01:00:00Z'); // 3 h before the fake clock's 04:00Z
    utimesSync(backup, made, made);
    repo = await createTestRepo();
    const main = await repo.commit('app', { 'app.txt': 'a\nb\nc\n' });
    await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
    await repo.git('checkout', '-q', '-b', 'fix/b', main);
    const fix = await repo.commit('fix b', { 'app.txt': 'a\nB\nc\n' });
    await repo.git('checkout', '-q', 'main');
    envs = await startTestEnvironments();
    const checklist = normaliseChecklist(
      { backup: { file: backup }, rollbackPath: {}, dependencies: { envs: ['prod'], targets: [{ name: 'ledger', tcp: `127.0.0.1:${await freePort()}`, timeoutSeconds: 2 }] } },
      dir,
    );
    t = await createTestTonic({ dialect: 'sqlite', systems: [testSystem({ repositoryPath: repo.path, environments: envs.config, checklist })] });
    for (const env of ['uat', 'prod'] as const) await t.tonic.environments.record(t.actors.admin, 'shop', env, { version: 'v1.0.0', commit: main });
    server = await startTestServer(t);
    const bug = await t.tonic.bugs.report(t.actors.developer, 'shop', { title: 'b is lower-case', description: '', severity: 'low', foundInEnv: 'uat' });
    await t.tonic.bugs.attachFix(t.actors.developer, 'shop', bug.id, { commit: fix });
    await t.tonic.bugs.confirm(t.actors.manager, 'shop', bug.id, { flow: 'auto' });
  });
  after(async () => {
    await server?.close();
    await t?.close();
    await envs?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('POST …/checks answers the stored report; GET …/checks/{id} reads it back; bad input is refused with the field', LIMIT, async () => {
    const created = await server.request('manager', 'POST', '/api/v1/systems/shop/checks', { env: 'uat' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.verdict, 'pass');
    assert.deepEqual(created.body.items.map((i: any) => [i.probe, i.result]), [['backup', 'pass'], ['rollbackPath', 'pass']]);
    assert.deepEqual(created.body.items[0].evidence.measured, { newestAt: '2026-11-26T01:00:00.000Z', ageMinutes: 180, maxAgeMinutes: 1440, ranBackupCommand: false });
    assert.deepEqual(created.body.notChecked, ['monitoring', 'onCall', 'freeze', 'dependencies', 'headroom']);
    const read = await server.request('viewer', 'GET', `/api/v1/systems/shop/checks/${created.body.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created.body);

    const bad = await server.request('admin', 'POST', '/api/v1/systems/shop/checks', { env: 'staging' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: any) => e.path), ['body.env']);
    assert.equal((await server.request('viewer', 'POST', '/api/v1/systems/shop/checks', {})).status, 403);
    assert.equal((await server.request('viewer', 'GET', '/api/v1/systems/shop/checks/999')).status, 404);
    const noAck = await server.request('admin', 'POST', `/api/v1/systems/shop/checks/${created.body.id}/ack`, {});
    assert.equal(noAck.status, 404);
    assert.match(noAck.body.detail, /did not ask anyone to acknowledge a deploy/);
    const spec = (await server.request(null, 'GET', '/api/v1/openapi.json')).body;
    for (const path of ['/api/v1/systems/{system}/checks', '/api/v1/systems/{system}/checks/{id}', '/api/v1/systems/{system}/checks/{id}/ack']) assert.ok(spec.paths[path], path);
  });

  test('tonic check prints each probe with its evidence; exit 1 when the list blocks; --env is checked', LIMIT, async () => {
    const uat = await tonic('check', '--env', 'uat');
    assert.equal(uat.code, 0, uat.stderr);
    assert.match(uat.stdout, /^checklist \d+ for UAT, guarding T1 at 2026-11-26 12:00 UTC: PASS\n/);
    assert.match(uat.stdout, /^ {2}PROBE\s+RESULT\s+MODE\s+EVIDENCE$/m);
    assert.match(uat.stdout, /^ {2}backup\s+pass\s+block\s+the newest backup \(.*shop\.dump\) is 3 h old \(limit 24 h\)$/m);
    assert.match(uat.stdout, /^not checked \(not configured for uat\): monitoring \(Monitoring alerts active\), .*dependencies \(Dependent services healthy\)/m);

    const prod = await tonic('check', '--env', 'prod');
    assert.equal(prod.code, 1, 'blocked: scripts can gate on the exit status');
    assert.match(prod.stdout, /: BLOCKED: the deploy would not go ahead\n/);
    assert.match(prod.stdout, /^ {2}dependencies\s+fail\s+block\s+1 of 1 down: ledger \(tcp 127\.0\.0\.1:\d+\) connection refused$/m);

    const json = await tonic('check', '--env', 'prod', '--json');
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).verdict, 'blocked');

    const wrong = await tonic('check', '--env', 'staging');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^error: --env "staging" is not one of uat, prod\nusage: tonic check /);

    const listed = await tonic('checks', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+ENV\s+SLOT\s+GUARDS\s+TRIGGER\s+VERDICT\s+ITEMS$/m);
    assert.match(listed.stdout, /^\d+\s+prod\s+t2\s+2026-11-26 14:00 UTC\s+manual\s+blocked\s+1 fail, 2 pass$/m);
  });

  test('a run stopped by the checklist: GET …/runs/{id} carries the report, tonic runs show prints it', LIMIT, async () => {
    // Run T1, then T2 after approving: T2 is guarded for PROD, where the ledger is down.
    const t1 = await server.request('admin', 'POST', '/api/v1/systems/shop/runs/t1', {});
    assert.equal(t1.body.status, 'succeeded', JSON.stringify(t1.body));
    assert.equal(t1.body.report.checklist.verdict, 'pass');
    const [bug] = (await server.request('viewer', 'GET', '/api/v1/systems/shop/bugs')).body.items;
    assert.equal((await server.request('manager', 'POST', `/api/v1/systems/shop/bugs/${bug.id}/approve-prod`, {})).status, 200);
    const t2 = await server.request('admin', 'POST', '/api/v1/systems/shop/runs/t2', {});
    assert.equal(t2.body.status, 'skipped', JSON.stringify(t2.body));
    blockedRun = t2.body.id;

    const shown = await server.request('viewer', 'GET', `/api/v1/systems/shop/runs/${blockedRun}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.report.skipped.reason, 'checklist');
    assert.match(shown.body.report.skipped.detail, /^dependencies: 1 of 1 down: ledger/);
    assert.equal(shown.body.report.checklist.env, 'prod');
    assert.deepEqual(shown.body.report.checklist.items.map((i: any) => [i.probe, i.result, i.mode]), [
      ['backup', 'pass', 'block'],
      ['rollbackPath', 'pass', 'block'],
      ['dependencies', 'fail', 'block'],
    ]);
    assert.equal(envs.running('prod'), null, 'PROD untouched');

    const cli = await tonic('runs', 'show', String(blockedRun));
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, new RegExp(`^run ${blockedRun}: T2 skipped$`, 'm'));
    assert.match(cli.stdout, /^skipped\s+checklist: dependencies: 1 of 1 down: ledger/m);
    assert.match(cli.stdout, /^pre-deploy checklist \d+ \(prod\): blocked$/m);
    assert.match(cli.stdout, /^ {2}dependencies\s+fail\s+block\s+1 of 1 down/m);

    const ofRun = await tonic('checks', 'list', '--run', String(blockedRun));
    assert.match(ofRun.stdout, new RegExp(`run ${blockedRun}\\s+blocked`));
    const one = await tonic('checks', 'show', String(shown.body.report.checklist.id));
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`^trigger\\s+run ${blockedRun}$`, 'm'));
  });
});

/**
 * `tonic freeze …` as child processes against the real server, and `tonic serve` reading
 * DEPLOY_FREEZE* from its environment: refusing to start on a value it cannot read, applying the
 * freeze when it can. The API is dialect-independent, so SQLite is enough here.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, createTestTonic, fixedVersions, startTestServer, type TestServer, type TestTonic } from '../support/test-tonic.ts';
import { freePort, runTonic as startTonic, waitForHealth } from '../support/processes.ts';
import { runTonic } from './run-tonic.ts';

const LIMIT = { timeout: 180_000 };

describe('tonic freeze over the API', () => {
  let t: TestTonic;
  let server: TestServer;
  const tonic = (...args: string[]) => runTonic(args, { TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN });

  before(async () => {
    t = await createTestTonic({ dialect: 'sqlite', versions: fixedVersions('same'), now: '2026-11-26T04:00:00Z' });
    server = await startTestServer(t);
  });
  after(async () => {
    await server?.close();
    await t?.close();
  });

  test('declare a module freeze, see it in list and calendar, lift it', LIMIT, async () => {
    const declared = await tonic('freeze', 'declare', '--end', '2026-11-30', '--module', 'financial', '--reason', 'quarter close');
    assert.equal(declared.code, 0, declared.stderr);
    const id = Number(/^declared freeze (\d+): the bugs of financial from 2026-11-26 12:00 GMT\+8 until 2026-11-30 00:00 GMT\+8$/m.exec(declared.stdout)?.[1]);
    assert.ok(id > 0, declared.stdout);

    const list = await tonic('freeze', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^shop now: modules financial frozen: their bugs are left out of T1\/T2$/m);
    assert.match(list.stdout, /^ {2}FROM\s+UNTIL\s+SOURCE\s+SCOPE\s+WHAT$/m);
    assert.match(list.stdout, new RegExp(`^ {2}2026-11-26 12:00 GMT\\+8\\s+2026-11-30 00:00 GMT\\+8\\s+declared\\s+financial\\s+quarter close \\(declared by admin, #${id}\\)$`, 'm'));
    assert.match(list.stdout, new RegExp(`^ {2}${id}\\s+active\\s+financial\\s+2026-11-26 12:00 GMT\\+8\\s+2026-11-30 00:00 GMT\\+8\\s+admin\\s+quarter close$`, 'm'));

    const calendar = await tonic('freeze', 'calendar', '--days', '30');
    assert.equal(calendar.code, 0, calendar.stderr);
    assert.match(calendar.stdout, /^freezes of shop in the next 30 days \(Asia\/Hong_Kong\)$/m);
    assert.match(calendar.stdout, /declared\s+financial\s+quarter close/);

    const lifted = await tonic('freeze', 'lift', String(id), '--reason', 'closed early');
    assert.equal(lifted.code, 0, lifted.stderr);
    assert.match(lifted.stdout, new RegExp(`^lifted freeze ${id} \\(quarter close\\)$`, 'm'));
    assert.match(lifted.stdout, /^lifted by\s+admin: closed early$/m);
    const empty = await tonic('freeze', 'list');
    assert.match(empty.stdout, /^shop now: not frozen$/m);
    assert.match(empty.stdout, /^declared freezes\n {2}none$/m);
    const all = JSON.parse((await tonic('freeze', 'list', '--all', '--json')).stdout) as { items: { id: number; state: string }[] };
    assert.deepEqual(all.items.map((f) => [f.id, f.state]), [[id, 'lifted']]);
  });

  test('a full freeze: `tonic run t1` is skipped and `tonic runs show` says by what', LIMIT, async () => {
    const declared = await tonic('freeze', 'declare', '--start', '2026-11-26T11:00', '--end', '2026-11-27T09:00', '--reason', 'DB upgrade', '--json');
    assert.equal(declared.code, 0, declared.stderr);
    const freeze = JSON.parse(declared.stdout) as { id: number; scope: string };
    assert.equal(freeze.scope, 'system');
    const run = await tonic('run', 't1');
    assert.equal(run.code, 0, run.stderr);
    const runId = /^run (\d+): T1 skipped$/m.exec(run.stdout)?.[1];
    assert.ok(runId, run.stdout);
    const shown = await tonic('runs', 'show', runId);
    assert.match(shown.stdout, new RegExp(`^skipped by\\s+full freeze: DB upgrade \\(declared by admin, #${freeze.id}\\), until 2026-11-27 09:00 GMT\\+8$`, 'm'));
    const plan = await tonic('plan');
    assert.match(plan.stdout, /^T1 at 2026-11-26 20:00 GMT\+8\n {2}skipped: full freeze: DB upgrade/m);
    assert.equal((await tonic('freeze', 'lift', String(freeze.id))).code, 0);
  });

  test('bad input: the server\'s reason, or the usage line', LIMIT, async () => {
    const badDate = await tonic('freeze', 'declare', '--end', '30/11/2026', '--reason', 'x');
    assert.equal(badDate.code, 1);
    assert.match(badDate.stderr, /^error: end "30\/11\/2026" is not a date or time: write a date .* \(validation_failed, HTTP 400\)$/m);
    const unknown = await tonic('freeze', 'declare', '--end', '2026-12-01', '--module', 'ledger', '--reason', 'x');
    assert.match(unknown.stderr, /^error: module "ledger" is not a module of shop; known modules: checkout, financial \(validation_failed, HTTP 400\)$/m);
    const backwards = await tonic('freeze', 'declare', '--start', '2026-12-05', '--end', '2026-12-01', '--reason', 'x');
    assert.match(backwards.stderr, /^error: end 2026-12-01 00:00 GMT\+8 is not after start 2026-12-05 00:00 GMT\+8/m);
    const noEnd = await tonic('freeze', 'declare', '--reason', 'x');
    assert.equal(noEnd.code, 2);
    assert.match(noEnd.stderr, /^error: --end is required\nusage: tonic freeze declare --end WHEN/m);
    assert.equal((await tonic('freeze', 'calendar', '--days', '0')).code, 2);
    assert.equal((await tonic('freeze', 'lift', 'abc')).code, 2);
    assert.match((await tonic('freeze', 'thaw')).stderr, /^error: unknown command "freeze thaw"\nusage: tonic freeze list/);
  });
});

describe('tonic serve and DEPLOY_FREEZE*', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const CONFIG = [
    'systems:',
    '  - name: shop',
    '    timeZone: Asia/Hong_Kong',
    '    schedule: { t1: "20:00", t2: "22:00" }',
    '    environments:',
    '      uat: { url: "http://127.0.0.1:9/uat", line: develop }',
    '      prod: { url: "http://127.0.0.1:9/prod", line: main }',
    '    modules: [checkout, financial]',
    '',
  ].join('\n');

  function folder(config = CONFIG): string {
    const cwd = mkdtempSync(join(tmpdir(), 'tonic-freeze-serve-'));
    dirs.push(cwd);
    writeFileSync(join(cwd, 'tonic.config.yaml'), config);
    return cwd;
  }

  test('an invalid DEPLOY_FREEZE_UNTIL stops start-up with what to write; nothing is created', LIMIT, async () => {
    const cwd = folder();
    const started = await runTonic(['serve'], { PORT: String(await freePort()), DEPLOY_FREEZE_UNTIL: '2026-02-30' }, cwd);
    assert.equal(started.code, 1);
    assert.match(started.stderr, /^error: DEPLOY_FREEZE_UNTIL=2026-02-30 is not a date: write YYYY-MM-DD \(the freeze lifts at 00:00 of that date in each system's time zone\)/m);
    assert.equal(existsSync(join(cwd, '.tonic')), false);
  });

  test('DEPLOY_FREEZE that is not true or false, and a module no system has, stop start-up too', LIMIT, async () => {
    const port = String(await freePort());
    const maybe = await runTonic(['serve'], { PORT: port, DEPLOY_FREEZE: 'maybe' }, folder());
    assert.equal(maybe.code, 1);
    assert.match(maybe.stderr, /^error: DEPLOY_FREEZE=maybe is neither true nor false/m);
    const typo = await runTonic(['serve'], { PORT: port, DEPLOY_FREEZE_MODULES: 'financal' }, folder());
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /^error: DEPLOY_FREEZE_MODULES names "financal", a module of no configured system \(known modules: checkout, financial\)/m);
  });

  test('an unknown holiday country in the configuration stops start-up, naming the key path', LIMIT, async () => {
    const started = await runTonic(['serve'], { PORT: String(await freePort()) }, folder(`${CONFIG}    freeze: { holidays: { country: XX } }\n`));
    assert.equal(started.code, 1);
    assert.match(started.stderr, /systems\[0\]\.freeze\.holidays\.country: "XX" is not a country code the holiday calendar knows/);
  });

  test('a valid freeze in the environment is in force on the running server', LIMIT, async () => {
    const port = await freePort();
    const token = 'freeze-serve-token-0123456789';
    const server = startTonic(['serve'], { PORT: String(port), TONIC_ADMIN_TOKEN: token, DEPLOY_FREEZE_MODULES: 'financial', DEPLOY_FREEZE_UNTIL: '2099-01-01' }, folder());
    try {
      await waitForHealth(`http://127.0.0.1:${port}`, server);
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/systems/shop/freezes`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as any;
      assert.deepEqual([body.now.full, body.now.modules], [false, ['financial']]);
      assert.equal(body.now.sources[0].label, 'environment: DEPLOY_FREEZE_MODULES=financial, DEPLOY_FREEZE_UNTIL=2099-01-01');
      assert.equal(body.now.sources[0].endLocal, '2099-01-01 00:00 GMT+8');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

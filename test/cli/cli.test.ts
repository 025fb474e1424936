/**
 * The API commands of `tonic`, run as child processes against the real server on a loopback port.
 * The API is dialect-independent, so SQLite is enough here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_USERNAME } from '../../src/features/identity/identity-service.ts';
import { ADMIN_TOKEN, createTestTonic, fixedVersions, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';
import { runTonic } from './run-tonic.ts';
import { eventually, freePort } from '../support/processes.ts';

const LIMIT = { timeout: 180_000 };

describe('tonic over the API', () => {
  let t: TestTonic;
  let server: TestServer;
  const tonic = (...args: string[]) => runTonic(args, { TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN });

  before(async () => {
    // UAT and PROD on the same commit: a bug confirmed now takes Flow 1.
    t = await createTestTonic({ dialect: 'sqlite', versions: fixedVersions('same') });
    server = await startTestServer(t);
  });
  after(async () => {
    await server?.close();
    await t?.close();
  });

  /** Reports and confirms a bug through the API itself, for tests about later steps. */
  async function confirmedBug(title: string): Promise<number> {
    const reported = await server.request('admin', 'POST', '/api/v1/systems/shop/bugs', { title, description: '', severity: 'low', foundInEnv: 'uat' });
    await server.request('admin', 'POST', `/api/v1/systems/shop/bugs/${reported.body.id}/confirm`, {});
    return reported.body.id as number;
  }

  /** T1's UAT deploy is not an API call: stand in for it by writing the status it leaves. */
  async function deployedToUat(id: number): Promise<void> {
    await t.tonic.db.updateTable('bugs').set({ status: 'deployed_uat' }).where('id', '=', id).execute();
  }

  test('report, then list (table and --json), then show', LIMIT, async () => {
    const reported = await tonic('bugs', 'report', '--title', 'Checkout total ignores the discount code', '--severity', 'medium', '--found-in', 'prod', '--module', 'checkout', '--description', 'Apply SAVE10.\nThe total stays the same.');
    assert.equal(reported.code, 0, reported.stderr);
    const id = Number(/^reported bug (\d+) \(submitted, medium, found in prod\)/.exec(reported.stdout)?.[1]);
    assert.ok(id > 0, reported.stdout);

    const table = await tonic('bugs', 'list');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+SEVERITY\s+STATUS\s+FLOW\s+MODULE\s+TITLE$/);
    const row = lines.find((l) => l.startsWith(`${id} `));
    assert.match(row ?? '', new RegExp(`^${id}\\s+medium\\s+submitted\\s+-\\s+checkout\\s+Checkout total ignores the discount code$`));
    assert.equal(lines[0]!.indexOf('STATUS'), row!.indexOf('submitted'), 'columns are aligned');

    const json = await tonic('bugs', 'list', '--json', '--severity', 'medium');
    assert.equal(json.code, 0, json.stderr);
    const page = JSON.parse(json.stdout) as { items: { id: number; status: string }[]; nextCursor: string | null };
    assert.deepEqual(page.items.map((b) => [b.id, b.status]), [[id, 'submitted']]);
    assert.equal(page.nextCursor, null);

    const show = await tonic('bugs', 'show', String(id));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^bug \d+: Checkout total ignores the discount code$/m);
    assert.match(show.stdout, /^status\s+submitted$/m);
    assert.match(show.stdout, /^found in\s+prod$/m);
    assert.match(show.stdout, /^ {2}The total stays the same\.$/m);
    assert.match(show.stdout, new RegExp(`^history\\n {2}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\s+report\\s+→ submitted\\s+by ${ADMIN_USERNAME}$`, 'm'));
  });

  test('confirm takes the flow of the version check', LIMIT, async () => {
    const reported = await server.request('admin', 'POST', '/api/v1/systems/shop/bugs', { title: 'Search is case-sensitive', description: '', severity: 'low', foundInEnv: 'uat' });
    const id = reported.body.id as number;

    const confirmed = await tonic('bugs', 'confirm', String(id), '--system', 'shop');
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.match(confirmed.stdout, new RegExp(`^bug ${id} confirmed: flow1 \\(.*Flow 1, UAT first\\)$`, 'm'));
    const bug = (await server.request('viewer', 'GET', `/api/v1/systems/shop/bugs/${id}`)).body as { status: string; fixFlow: string; history: unknown[] };
    assert.equal(bug.status, 'confirmed');
    assert.equal(bug.fixFlow, 'flow1');
    assert.equal(bug.history.length, 2);
  });

  test('reject without --reason is a usage error and sends nothing', LIMIT, async () => {
    const id = await confirmedBug('Not really a bug');
    const run = await tonic('bugs', 'reject', String(id));
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^error: --reason is required\nusage: tonic bugs reject ID --reason R/);
    const bug = await server.request('admin', 'GET', `/api/v1/systems/shop/bugs/${id}`);
    assert.equal(bug.body.status, 'confirmed');
  });

  test('an action the status does not allow prints the problem detail and exits 1', LIMIT, async () => {
    const id = await confirmedBug('Already confirmed');
    const run = await tonic('bugs', 'confirm', String(id));
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `error: bug ${id} is confirmed; confirm needs submitted (invalid_transition, HTTP 409)\n`);
  });

  test('approve-prod: several ids print one line each; one id says when T2 runs it', LIMIT, async () => {
    const ready = await confirmedBug('Validated in UAT');
    const notYet = await confirmedBug('Not on UAT yet');
    await deployedToUat(ready);

    const batch = await tonic('bugs', 'approve-prod', String(ready), String(notYet));
    assert.equal(batch.code, 1, 'a batch with a refused id exits 1');
    const lines = batch.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, batch.stdout);
    // The fake clock stands at 12:00 in Hong Kong: tonight's 22:00 T2 deploys it.
    assert.match(lines[0]!, new RegExp(`^bug ${ready}\\s+ok\\s+pending_prod, T2 runs it at 2026-11-26 22:00 `));
    assert.match(lines[1]!, new RegExp(`^bug ${notYet}\\s+error\\s+bug ${notYet} is confirmed; approve-prod needs deployed_uat \\(Flow 1\\) \\(invalid_transition\\)$`));

    await deployedToUat(notYet);
    const single = await tonic('bugs', 'approve-prod', String(notYet));
    assert.equal(single.code, 0, single.stderr);
    assert.match(single.stdout, new RegExp(`^bug ${notYet} approved: pending_prod; T2 deploys it to PROD at 2026-11-26 22:00 `));
  });

  test('env show prints both environments and the flow a bug confirmed now would take', LIMIT, async () => {
    const recorded = await tonic('env', 'record', '--env', 'uat', '--commit', 'abcdef1234567', '--version', 'v1.2.0');
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.match(recorded.stdout, /^recorded shop uat: v1\.2\.0 at abcdef1234$/m);
    const shown = await tonic('env', 'show');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^uat\s+develop\s+v1\.2\.0\s+abcdef1234\s/m);
    assert.match(shown.stdout, /^a bug confirmed now takes flow1: /m);
  });

  test('an unreachable server names the URL and how to start one', LIMIT, async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runTonic(['bugs', 'list'], { TONIC_URL: url, TONIC_TOKEN: ADMIN_TOKEN });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`^error: cannot connect to Tonic at ${url.replaceAll('.', '\\.')}: connection refused; start the server with \`tonic serve\`, or set TONIC_URL`));
  });

  test('rollback: usage errors name what is missing; a refusal says why; deploy-lock says who holds the system', LIMIT, async () => {
    const noImpact = await tonic('rollback', '--env', 'prod', '--reason', 'orders fail');
    assert.equal(noImpact.code, 2);
    assert.match(noImpact.stderr, /^error: give --impact: ux, regression, data-corruption \(ux records a follow-up and does not roll back\)\nusage: tonic rollback --env uat\|prod/);
    const badImpact = await tonic('rollback', '--env', 'prod', '--impact', 'minor', '--reason', 'x');
    assert.match(badImpact.stderr, /--impact "minor" is not one of ux, regression, data-corruption/);
    const refused = await tonic('rollback', '--env', 'prod', '--impact', 'regression', '--reason', 'orders fail');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /nothing is recorded as running on prod of shop: there is nothing to roll back \(validation_failed, HTTP 400\)/);

    assert.equal((await tonic('deploy-lock')).stdout.trim(), 'no deploy in progress on shop');
    let release!: () => void;
    const held = t.tonic.lock.withLock({ system: 'shop', holder: 'alice', purpose: 'hotfix 7' }, () => new Promise<void>((ok) => (release = ok)));
    await eventually('alice holds the lock', async () => (await t.tonic.lock.current('shop')).inProgress);
    try {
      const busy = await tonic('deploy-lock');
      assert.match(busy.stdout, /^deploy in progress: alice is deploying hotfix 7 since \d{4}-\d\d-\d\d \d\d:\d\d.*; try again when it finishes$/m);
    } finally {
      release();
      await held;
    }
    const empty = await tonic('rollbacks', 'list');
    assert.equal(empty.stdout.trim(), 'no rollback recorded');
  });

  test('help lists the commands; an unknown command is a usage error', LIMIT, async () => {
    const help = await runTonic(['--help']);
    assert.equal(help.code, 0);
    for (const command of [
      'init',
      'audit verify',
      'bugs approve-uat-merge',
      'bugs attach-fix',
      'bugs drop',
      'env show',
      'plan',
      'run t1|t2',
      'runs list',
      'runs show',
      'releases show',
      'deployments show',
      'users add',
      'tokens create',
    ]) {
      assert.ok(help.stdout.includes(`tonic ${command}`), `help mentions tonic ${command}`);
    }
    const unknown = await runTonic(['deploy-everything']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "deploy-everything"/);
  });
});

test('with several systems and no --system, the error lists them', LIMIT, async (c) => {
  const t = await createTestTonic({ dialect: 'sqlite', systems: [testSystem(), testSystem({ name: 'billing', title: 'Billing' })] });
  const server = await startTestServer(t);
  c.after(async () => {
    await server.close();
    await t.close();
  });
  const run = await runTonic(['bugs', 'list'], { TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^error: the server runs 2 systems \(shop, billing\): choose one with --system NAME or TONIC_SYSTEM$/m);
  const chosen = await runTonic(['bugs', 'list', '--json'], { TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN, TONIC_SYSTEM: 'billing' });
  assert.equal(chosen.code, 0, chosen.stderr);
  assert.deepEqual(JSON.parse(chosen.stdout), { items: [], nextCursor: null });
});


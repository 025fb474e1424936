/**
 * `tonic serve` as a real child process: the README's first command on an empty folder, on
 * SQLite and on PostgreSQL (DATABASE_URL), and a clear refusal of an invalid configuration.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { measureCumulative, parseExposition } from '../../src/adapters/monitor/exposition.ts';
import { createScratchPgDatabase, DIALECTS } from '../support/databases.ts';
import { eventually, freePort, runTonic, waitForHealth } from '../support/processes.ts';

const TOKEN = 'serve-test-token-0123456789';

describe('tonic serve', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const dialect of DIALECTS) {
    test(`on an empty folder it starts the demo system (${dialect}), serves the API and stops on SIGTERM`, async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'tonic-serve-'));
      dirs.push(cwd);
      const port = await freePort();
      const database = dialect === 'postgres' ? await createScratchPgDatabase() : null;
      const env: Record<string, string> = { PORT: String(port), TONIC_ADMIN_TOKEN: TOKEN, ...(database ? { DATABASE_URL: database.url } : {}) };
      const started: ReturnType<typeof runTonic>[] = [];
      try {
        const server = runTonic(['serve'], env, cwd);
        started.push(server);
        const url = `http://127.0.0.1:${port}`;
        await waitForHealth(url, server);
        const auth = { authorization: `Bearer ${TOKEN}` };
        const get = async (path: string) => (await (await fetch(`${url}/api/v1${path}`, { headers: auth })).json()) as any;
        const shop = await get('/systems/shop/environments');
        assert.equal(shop.flow.flow, 'flow1', 'the demo shop runs the same release on UAT and PROD');
        assert.equal((await get('/systems/billing/environments')).flow.flow, 'flow2', 'the demo billing UAT is ahead');
        // UAT and PROD are real processes answering on their URLs with the recorded version.
        for (const e of shop.environments) {
          const health = (await (await fetch(`${e.url}/health`)).json()) as any;
          assert.equal(health.version, e.version);
        }
        const metrics = await (await fetch(`${shop.environments[0].url}/metrics`)).text();
        assert.match(metrics, /http_requests_total\{code="200"\}/);
        // What post-deploy monitoring reads when it scrapes the demo: rates, a p95, memory, CPU.
        const measured = measureCumulative(parseExposition(metrics), { memoryLimitBytes: 256 * 1024 * 1024, cpuCores: 1 });
        assert.ok(measured.requests! > 0 && measured.errorRate === 0 && measured.p95Latency! > 0 && measured.memory! > 0, JSON.stringify(measured));
        assert.match(metrics, /^process_cpu_seconds_total [\d.e-]+$/m);
        const bugs = await get('/systems/shop/bugs');
        assert.equal(bugs.items.length, 3, 'the demo reports three shop bugs to start with');
        assert.equal(existsSync(join(cwd, '.tonic', 'tonic.sqlite')), dialect === 'sqlite', 'SQLite file under .tonic/ unless DATABASE_URL is set');
        server.child.kill('SIGTERM');
        assert.equal(await server.exited, 0, server.output());
        await assert.rejects(fetch(`${shop.environments[0].url}/health`), 'the environment processes stop with the server');

        // A second start reuses the data: nothing is seeded twice.
        const again = runTonic(['serve'], env, cwd);
        started.push(again);
        await waitForHealth(url, again);
        const count = (await (await fetch(`${url}/api/v1/systems/shop/bugs`, { headers: auth })).json()) as any;
        assert.equal(count.items.length, 3);
        again.child.kill('SIGINT');
        assert.equal(await again.exited, 0, again.output());
      } finally {
        // A failed step must not leave a server running: it would hold this test file's pipes open.
        for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
        await Promise.all(started.map((p) => p.exited));
        await database?.drop();
      }
    });
  }

  test("the README's cycle on the demo: Flow 1 on shop, Flow 2 on billing, with real deploys", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tonic-serve-'));
    dirs.push(cwd);
    const port = await freePort();
    const server = runTonic(['serve'], { PORT: String(port), TONIC_ADMIN_TOKEN: TOKEN }, cwd);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHealth(url, server);
      const call = async (token: string, method: string, path: string, body?: unknown) => {
        const res = await fetch(`${url}/api/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        const json = (await res.json()) as any;
        assert.ok(res.ok, `${method} ${path}: ${JSON.stringify(json)}`);
        return json;
      };
      await call(TOKEN, 'POST', '/users', { username: 'dev', role: 'developer' });
      const dev = (await call(TOKEN, 'POST', '/users/dev/tokens', { name: 'readme' })).token;

      // Flow 1 on shop: confirm, attach the fix branch, T1 to UAT, approve, T2 to PROD.
      await call(TOKEN, 'POST', '/systems/shop/bugs/1/confirm', {});
      await call(dev, 'POST', '/systems/shop/bugs/1/fix', { branch: 'fix/discount-code' });
      assert.equal((await call(TOKEN, 'POST', '/systems/shop/runs/t1', {})).status, 'succeeded');
      await call(TOKEN, 'POST', '/systems/shop/bugs/1/approve-prod', {});
      assert.equal((await call(TOKEN, 'POST', '/systems/shop/runs/t2', {})).status, 'succeeded');
      assert.equal((await call(TOKEN, 'GET', '/systems/shop/bugs/1')).status, 'deployed_prod');
      const shop = await call(TOKEN, 'GET', '/systems/shop/environments');
      for (const e of shop.environments) assert.equal(((await (await fetch(`${e.url}/health`)).json()) as any).version, 'v1.0.1');

      // A bad fix: its release breaks /api/orders, smoke fails on UAT and it is rolled back at once.
      await call(TOKEN, 'POST', '/systems/shop/bugs/2/confirm', {});
      await call(dev, 'POST', '/systems/shop/bugs/2/fix', { branch: 'fix/orders-cache' });
      const bad = await call(TOKEN, 'POST', '/systems/shop/runs/t1', {});
      assert.equal(bad.status, 'failed', JSON.stringify(bad.report));
      const uat = shop.environments.find((e: any) => e.env === 'uat');
      assert.equal(((await (await fetch(`${uat.url}/health`)).json()) as any).version, 'v1.0.1', 'UAT runs the previous release again');
      assert.equal((await call(TOKEN, 'GET', '/systems/shop/bugs/2')).status, 'planned');
      const [rollback] = (await call(TOKEN, 'GET', '/systems/shop/rollbacks')).items;
      assert.deepEqual([rollback.trigger, rollback.status, rollback.deployed.version, rollback.target.version], ['smoke', 'stable', 'v1.0.2', 'v1.0.1']);
      assert.match(rollback.reason, /smoke step "orders" failed .*expected status 200, got status 500/);

      // Flow 2 on billing: T1 queues, T2 deploys PROD, approve the merge, T2 merges into UAT.
      await call(TOKEN, 'POST', '/systems/billing/bugs/4/confirm', {});
      await call(dev, 'POST', '/systems/billing/bugs/4/fix', { branch: 'fix/invoice-rounding' });
      await call(TOKEN, 'POST', '/systems/billing/runs/t1', {});
      await call(TOKEN, 'POST', '/systems/billing/runs/t2', {});
      await call(TOKEN, 'POST', '/systems/billing/bugs/4/approve-uat-merge', {});
      await call(TOKEN, 'POST', '/systems/billing/runs/t2', {});
      assert.equal((await call(TOKEN, 'GET', '/systems/billing/bugs/4')).status, 'uat_merged');
      const billing = await call(TOKEN, 'GET', '/systems/billing/environments');
      assert.deepEqual(billing.environments.map((e: any) => [e.env, e.version]), [['uat', 'v1.1.1'], ['prod', 'v1.0.1']]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  test('npm start runs the built bundle: it builds, serves the demo and stops on SIGTERM', async () => {
    const root = resolve(import.meta.dirname, '../..');
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
    const cwd = mkdtempSync(join(tmpdir(), 'tonic-serve-'));
    dirs.push(cwd);
    const port = await freePort();
    const child = spawn(process.execPath, [join(root, 'dist', 'tonic.mjs'), 'serve'], {
      cwd,
      env: { ...process.env, PORT: String(port), TONIC_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((ok) => child.once('exit', ok));
    const proc = { child, output: () => output, exited };
    await waitForHealth(`http://127.0.0.1:${port}`, proc);
    const systems = (await (await fetch(`http://127.0.0.1:${port}/api/v1/systems`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as any;
    assert.deepEqual(systems.items.map((s: any) => s.name), ['shop', 'billing']);
    // The dashboard is built and served at /; the demo says how to sign in to it.
    const page = await fetch(`http://127.0.0.1:${port}/systems/shop/bugs`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<div id="root"><\/div>/);
    const script = /<script type="module"[^>]*src="(\/assets\/index-[\w-]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'the page loads the built bundle');
    assert.equal((await fetch(`http://127.0.0.1:${port}${script}`)).status, 200);
    await eventually('the sign-in line of the demo', async () => /Dashboard: http:\/\/127\.0\.0\.1:\d+\/ {2}sign in as admin with password \S{12,}/.test(output));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  test('an invalid configuration file stops start-up with the file, key path and problem', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tonic-serve-'));
    dirs.push(cwd);
    writeFileSync(
      join(cwd, 'tonic.config.yaml'),
      'systems:\n  - name: shop\n    timeZone: Mars/Olympus\n    schedule: { t1: "20:00", t2: "22:00" }\n    environments:\n      uat: { url: "http://u", line: develop }\n      prod: { url: "http://p", line: main }\n',
    );
    const server = runTonic(['serve'], { PORT: String(await freePort()) }, cwd);
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /tonic\.config\.yaml is not valid/);
    assert.match(server.output(), /systems\[0\]\.timeZone: "Mars\/Olympus" is not an IANA time zone/);
    assert.equal(existsSync(join(cwd, '.tonic', 'tonic.sqlite')), false, 'nothing is created when the configuration is invalid');
  });
});

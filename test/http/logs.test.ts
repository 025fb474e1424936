/**
 * The log of a real `tonic serve` child process (LOG_LEVEL=debug): JSON lines; every line of a
 * request carries its request id, of a run its run id, of a deployment its deployment id; and no
 * secret appears anywhere in it: the admin token, a user's API token and password, a webhook
 * secret from the configuration, DATABASE_URL's password.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { createScratchPgDatabase, DIALECTS } from '../support/databases.ts';
import { freePort, runTonic, waitForHealth } from '../support/processes.ts';
import { createServedSystem } from '../support/served-system.ts';

const ADMIN_TOKEN = 'log-test-admin-token-5f1c0e7a9b';
const HOOK_SECRET = 'log-test-hook-secret-8d2e4a6c';
const PASSWORD = 'correct horse battery staple 42';
const PG_PASSWORD = 'log-test-pg-password-71c3';

describe('server logs', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  for (const dialect of DIALECTS) {
    test(`JSON lines with request, run and deployment ids, and no secret in them (${dialect})`, { timeout: 180_000 }, async () => {
      const served = await createServedSystem({
        extraYaml: `    channels:\n      - { name: audit, kind: webhook, url: "http://127.0.0.1:9/hook", secret: "\${HOOK_SECRET}", events: ["*"] }`,
      });
      cleanups.push(() => served.remove());
      const pg = dialect === 'postgres' ? await createScratchPgDatabase() : null;
      let databaseUrl: string | null = null;
      if (pg) {
        const u = new URL(pg.url);
        u.username = u.username || 'postgres';
        u.password = PG_PASSWORD; // the test cluster trusts local connections: any password is accepted
        databaseUrl = u.toString();
      }
      const port = await freePort();
      const server = runTonic(
        ['serve'],
        {
          PORT: String(port),
          TONIC_HOME: join(served.dir, 'home'),
          TONIC_CONFIG: served.configFile,
          TONIC_ADMIN_TOKEN: ADMIN_TOKEN,
          HOOK_SECRET,
          LOG_LEVEL: 'debug',
          TONIC_NOTIFY_TICK_SECONDS: '0.2',
          ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        },
        served.dir,
      );
      cleanups.push(async () => {
        if (server.child.exitCode === null) server.child.kill('SIGKILL');
        await server.exited;
        await pg?.drop();
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForHealth(url, server);
      const call = async (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => {
        const res = await fetch(`${url}/api/v1${path}`, {
          method,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as any };
      };

      // A user with a token and a password, who signs in; a request carrying the token in its URL.
      assert.equal((await call('POST', '/users', { username: 'dev', role: 'developer' })).status, 201);
      const devToken = (await call('POST', '/users/dev/tokens', { name: 'laptop' })).body.token as string;
      assert.equal((await call('PUT', '/users/dev/password', { password: PASSWORD })).status, 204);
      assert.equal((await call('POST', '/session', { username: 'dev', password: PASSWORD }, null)).status, 200);
      assert.equal((await call('POST', '/session', { username: 'dev', password: `${PASSWORD}!` }, null)).status, 401);
      await call('GET', `/systems?token=${devToken}`, undefined, null);
      assert.equal((await call('GET', '/me', undefined, devToken)).status, 200);

      // A T1 run that deploys to UAT, started over HTTP.
      for (const env of ['prod', 'uat']) await call('POST', `/systems/shop/environments/${env}`, { commit: served.base, version: 'v1.0.0' });
      const bug = (await call('POST', '/systems/shop/bugs', { title: 'Checkout total is wrong', description: 'x', severity: 'medium', foundInEnv: 'prod' })).body;
      await call('POST', `/systems/shop/bugs/${bug.id}/confirm`, { flow: 'auto' });
      await call('POST', `/systems/shop/bugs/${bug.id}/fix`, { branch: served.fixBranch }, devToken);
      const run = await call('POST', '/systems/shop/runs/t1', {});
      assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body));
      const runRequestId = run.headers.get('x-request-id');

      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
      const output = server.output();

      for (const secret of [ADMIN_TOKEN, devToken, PASSWORD, HOOK_SECRET, PG_PASSWORD]) {
        assert.equal(output.includes(secret), false, `the log contains a secret (${secret.slice(0, 12)}…)`);
      }
      const lines = output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('Dashboard: '));
      const entries = lines.map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          assert.fail(`a log line is not JSON: ${l}`);
        }
      });
      assert.ok(entries.every((e) => typeof e.level === 'string' && typeof e.time === 'string'));
      assert.ok(entries.filter((e) => e.msg === 'incoming request').every((e) => typeof e.reqId === 'string'));
      assert.ok(entries.some((e) => e.msg === 'incoming request' && (e.req as { url: string }).url === '/api/v1/systems?token=[redacted]'));
      const runLines = entries.filter((e) => e.runId === run.body.id);
      assert.ok(runLines.some((e) => /^T1 for shop/.test(String(e.msg))), 'the run logs its steps');
      assert.ok(runLines.every((e) => e.reqId === runRequestId), 'a run started by a request: its lines carry the request id too');
      const deployLines = entries.filter((e) => typeof e.deploymentId === 'number');
      assert.ok(deployLines.some((e) => e.msg === 'deploying v1.0.1 to uat' && e.stream === 'stdout'), 'the deploy command output is logged (debug), with the deployment id');
      assert.ok(deployLines.every((e) => e.runId === run.body.id));
    });
  }
});

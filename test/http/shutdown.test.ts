/**
 * Graceful shutdown of a real `tonic serve` child process, SIGTERM sent while a T1 run is
 * deploying (a real deploy command that takes its time, or hangs), on every dialect:
 * - within the grace period the deploy finishes, the run is recorded as it ended, the server exits 0;
 * - beyond it the run is recorded as interrupted (what it did and did not, an audit event, a
 *   run.interrupted message), its deployment as unknown: never lost; the server exits 0.
 * While draining, requests that would change something get 503; reads still answer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { openDatabase } from '../../src/adapters/db/database.ts';
import { createScratchPgDatabase, DIALECTS } from '../support/databases.ts';
import { eventually, freePort, runTonic, waitForHealth, type TonicProcess } from '../support/processes.ts';
import { createMonitoredServedSystem, createServedSystem, type ServedSystem } from '../support/served-system.ts';

const TOKEN = 'shutdown-test-token-0123456789';

type Started = { served: ServedSystem; server: TonicProcess; url: string; databaseUrl: string; drop: () => Promise<void> };

describe('graceful shutdown', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(dialect: (typeof DIALECTS)[number], graceSeconds: number, serve: () => Promise<ServedSystem> = () => createServedSystem()): Promise<Started> {
    const served = await serve();
    cleanups.push(() => served.remove());
    const pg = dialect === 'postgres' ? await createScratchPgDatabase() : null;
    const databaseUrl = pg?.url ?? join(served.dir, 'home', 'tonic.sqlite');
    const port = await freePort();
    const server = runTonic(
      ['serve'],
      {
        PORT: String(port),
        TONIC_HOME: join(served.dir, 'home'),
        TONIC_CONFIG: served.configFile,
        TONIC_ADMIN_TOKEN: TOKEN,
        TONIC_SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
        LOG_LEVEL: 'info',
        ...(pg ? { DATABASE_URL: pg.url } : {}),
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
    return { served, server, url, databaseUrl, drop: async () => pg?.drop() };
  }

  const call = async (url: string, method: string, path: string, body?: unknown, token = TOKEN) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };

  /** A confirmed Flow 1 bug with its fix attached: T1 will build v1.0.1 and deploy it to UAT. */
  async function bugReadyForT1(s: Started): Promise<number> {
    for (const env of ['prod', 'uat']) assert.equal((await call(s.url, 'POST', `/systems/shop/environments/${env}`, { commit: s.served.base, version: 'v1.0.0' })).status, 200);
    assert.equal((await call(s.url, 'POST', '/users', { username: 'dev', role: 'developer' })).status, 201);
    const devToken = (await call(s.url, 'POST', '/users/dev/tokens', { name: 'test' })).body.token as string;
    const bug = await call(s.url, 'POST', '/systems/shop/bugs', { title: 'Checkout total is wrong', description: 'x', severity: 'medium', foundInEnv: 'prod' });
    assert.equal(bug.status, 201);
    assert.equal((await call(s.url, 'POST', `/systems/shop/bugs/${bug.body.id}/confirm`, { flow: 'auto' })).status, 200);
    assert.equal((await call(s.url, 'POST', `/systems/shop/bugs/${bug.body.id}/fix`, { branch: s.served.fixBranch }, devToken)).status, 200);
    return bug.body.id as number;
  }

  async function readBack(databaseUrl: string) {
    const database = await openDatabase({ url: databaseUrl });
    try {
      const { db } = database;
      return {
        runs: await db.selectFrom('runs').selectAll().orderBy('id').execute(),
        deployments: await db.selectFrom('deployments').selectAll().orderBy('id').execute(),
        bugs: await db.selectFrom('bugs').select(['id', 'status']).orderBy('id').execute(),
        audit: await db.selectFrom('audit_events').select(['action', 'subject', 'data']).where('action', '=', 'run.interrupted').execute(),
        outbox: await db.selectFrom('outbox').select(['event', 'payload']).where('event', '=', 'run.interrupted').execute(),
        rollbacks: await db.selectFrom('rollbacks').selectAll().orderBy('id').execute(),
        watches: await db.selectFrom('monitoring_watches').selectAll().orderBy('id').execute(),
        recoveryAudit: await db.selectFrom('audit_events').select(['action', 'subject']).where('action', 'in', ['rollback.interrupted', 'monitoring.interrupted']).orderBy('id').execute(),
        recoveryOutbox: await db.selectFrom('outbox').select(['event', 'payload', 'idempotency_key']).where('event', 'in', ['rollback.escalated', 'monitoring.interrupted']).orderBy('id').execute(),
      };
    } finally {
      await database.close();
    }
  }

  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      test('SIGTERM during a deploy that ends within the grace period: new changes are refused, the run finishes and is recorded, exit 0', { timeout: 180_000 }, async () => {
        const s = await start(dialect, 60);
        const bugId = await bugReadyForT1(s);
        s.served.envs.delay('uat', 4000);
        const running = call(s.url, 'POST', '/systems/shop/runs/t1', {});
        await eventually('the deploy to UAT to start', async () => (await call(s.url, 'GET', '/systems/shop/deployments')).body.items.some((d: any) => d.status === 'running'), 60_000);
        s.server.child.kill('SIGTERM');
        // Draining: changes are refused with 503 and say why; reads still answer; not ready.
        const refused = await eventually('a change to be refused while draining', async () => {
          const r = await call(s.url, 'POST', '/systems/shop/bugs', { title: 'Another', description: 'x', severity: 'low', foundInEnv: 'uat' });
          return r.status === 503 ? r : null;
        });
        assert.equal(refused.body.code, 'shutting_down');
        assert.match(refused.body.detail, /shutting down \(SIGTERM\)/);
        assert.equal((await call(s.url, 'GET', '/systems/shop/bugs')).status, 200);
        assert.equal((await fetch(`${s.url}/api/v1/ready`)).status, 503);

        const run = await running;
        assert.equal(run.status, 200, JSON.stringify(run.body));
        assert.equal(run.body.status, 'succeeded');
        assert.equal(await s.server.exited, 0, s.server.output());
        assert.match(s.server.output(), /"msg":"the work in flight finished"/);

        const after = await readBack(s.databaseUrl);
        assert.deepEqual(after.runs.map((r) => r.status), ['succeeded']);
        assert.deepEqual(after.deployments.map((d) => d.status), ['succeeded']);
        assert.equal(after.bugs.find((b) => b.id === bugId)!.status, 'deployed_uat');
        assert.equal(after.audit.length, 0);
        assert.deepEqual(s.served.envs.deploys(), ['uat v1.0.1']);
      });

      test('SIGTERM during a deploy that outlasts the grace period: the run is recorded as interrupted with what it did and did not, never lost; exit 0', { timeout: 180_000 }, async () => {
        const s = await start(dialect, 2);
        const bugId = await bugReadyForT1(s);
        s.served.envs.hang('uat');
        void call(s.url, 'POST', '/systems/shop/runs/t1', {}).catch(() => undefined);
        await eventually('the deploy to UAT to start', async () => (await call(s.url, 'GET', '/systems/shop/deployments')).body.items.some((d: any) => d.status === 'running'), 60_000);
        s.server.child.kill('SIGTERM');
        assert.equal(await s.server.exited, 0, s.server.output());
        assert.match(s.server.output(), /recorded as interrupted/);
        s.served.envs.stopDeploy('uat');

        const after = await readBack(s.databaseUrl);
        assert.equal(after.runs.length, 1);
        const [run] = after.runs;
        assert.equal(run!.status, 'interrupted');
        assert.match(run!.error!, /the server stopped \(SIGTERM\) and the run did not finish within the shutdown grace period of 2 s/);
        const report = JSON.parse(run!.report);
        assert.ok(report.interrupted.done.some((step: string) => /^version check: /.test(step)), JSON.stringify(report.interrupted));
        assert.ok(report.interrupted.done.some((step: string) => /^built v1\.0\.1 /.test(step)), JSON.stringify(report.interrupted));
        assert.match(report.interrupted.notDone[0], /^the deploy of v1\.0\.1 to uat did not finish \(deployment \d+: unknown\)/);
        assert.deepEqual(after.deployments.map((d) => d.status), ['unknown']);
        assert.equal(after.bugs.find((b) => b.id === bugId)!.status, 'planned', 'the bug was not moved: its deploy never finished');
        assert.deepEqual(after.audit.map((a) => a.subject), [`run:${run!.id}`]);
        assert.equal(after.outbox.length, 1);
        assert.deepEqual(JSON.parse(after.outbox[0]!.payload).deployments, [after.deployments[0]!.id]);
      });

      test('SIGTERM while a manual rollback is being validated: it waits the grace period, then records the rollback and its watch as interrupted, with what was done and what was not; exit 0', { timeout: 180_000 }, async () => {
        const s = await start(dialect, 2, () => createMonitoredServedSystem());
        for (const env of ['prod', 'uat']) assert.equal((await call(s.url, 'POST', `/systems/shop/environments/${env}`, { commit: s.served.base, version: 'v1.0.0' })).status, 200);
        const rollback = await call(s.url, 'POST', '/systems/shop/rollbacks', { env: 'uat', to: 'v0.9.0', impact: 'regression', reason: 'checkout totals wrong' });
        assert.equal(rollback.status, 201, JSON.stringify(rollback.body));
        assert.equal(rollback.body.status, 'validating', 'answered once UAT runs v0.9.0: ten minutes of monitoring follow');
        const deploymentId = rollback.body.rollbackDeploymentId as number;
        await eventually('the validation watch to take a sample', async () => (await call(s.url, 'GET', `/systems/shop/deployments/${deploymentId}/metrics`)).body.watches?.[0]?.series.length >= 1, 60_000);

        s.server.child.kill('SIGTERM');
        assert.equal(await s.server.exited, 0, s.server.output());
        assert.match(s.server.output(), /"deploying":\["shop"\]/, 'the held deploy lock counts as work in flight');
        assert.match(s.server.output(), new RegExp(`rollback ${rollback.body.id} \\(uat, validating\\) of shop recorded as interrupted`));

        const after = await readBack(s.databaseUrl);
        const [recorded] = after.rollbacks;
        assert.equal(recorded!.status, 'interrupted');
        assert.match(recorded!.detail!, /^interrupted: the server stopped \(SIGTERM\) and the work did not finish within the shutdown grace period of 2 s\. Next: validate uat by hand now/);
        assert.ok(recorded!.finished_at);
        const [watch] = after.watches;
        assert.equal(watch!.outcome, 'interrupted');
        assert.match(watch!.reason!, /^Tonic stopped while watching \(the server stopped \(SIGTERM\).*\): \d+ of 600 samples/);
        assert.deepEqual(after.recoveryAudit.map((a) => [a.action, a.subject]), [
          ['monitoring.interrupted', `deployment:${deploymentId}`],
          ['rollback.interrupted', `rollback:${rollback.body.id}`],
        ]);
        assert.deepEqual(after.recoveryOutbox.map((m) => m.idempotency_key), [`monitoring.interrupted:${watch!.id}`, `rollback.escalated:${rollback.body.id}:interrupted`]);
        const escalated = JSON.parse(after.recoveryOutbox[1]!.payload);
        assert.deepEqual(escalated.done, [`uat deployed back to v0.9.0 (deployment ${deploymentId})`, 'no bug had to return to an earlier status', 'announced (rollback.executed)']);
        assert.equal(s.served.envs.running('uat')?.version, 'v0.9.0');
      });
    });
  }
});

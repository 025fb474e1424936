/**
 * A real `tonic serve` killed (SIGKILL) while a manual rollback is being validated, on every
 * dialect (decision record 0024). Nothing could record anything at that moment; the next server to
 * start finds the rollback `validating` and its watch `watching` under a deploy lock whose lease
 * lapsed, and closes both as interrupted with what they had done and had not, an audit event and a
 * message each, once; its own work it leaves alone.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { openDatabase } from '../../../src/adapters/db/database.ts';
import { createScratchPgDatabase, DIALECTS } from '../../support/databases.ts';
import { eventually, freePort, runTonic, waitForHealth, type TonicProcess } from '../../support/processes.ts';
import { createMonitoredServedSystem } from '../../support/served-system.ts';

const TOKEN = 'killed-rollback-token-0123456789';

for (const dialect of DIALECTS) {
  describe(`a server killed while a rollback is validated (${dialect})`, () => {
    const cleanups: (() => Promise<void> | void)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    test('the next server records the rollback and its watch as interrupted and says what was done and what was not', { timeout: 240_000 }, async () => {
      const served = await createMonitoredServedSystem();
      cleanups.push(() => served.remove());
      const pg = dialect === 'postgres' ? await createScratchPgDatabase() : null;
      cleanups.push(async () => pg?.drop());
      const databaseUrl = pg?.url ?? join(served.dir, 'home', 'tonic.sqlite');
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const settings = {
        PORT: String(port),
        TONIC_HOME: join(served.dir, 'home'),
        TONIC_CONFIG: served.configFile,
        TONIC_ADMIN_TOKEN: TOKEN,
        TONIC_RUN_LEASE_SECONDS: '2',
        TONIC_SCHEDULER_TICK_SECONDS: '0.5',
        DATABASE_URL: databaseUrl,
      };
      const serve = (): TonicProcess => {
        const server = runTonic(['serve'], settings, served.dir);
        cleanups.push(async () => {
          if (server.child.exitCode === null) server.child.kill('SIGKILL');
          await server.exited;
        });
        return server;
      };
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${url}/api/v1/systems/shop${path}`, {
          method,
          headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as any };
      };

      const first = serve();
      await waitForHealth(url, first);
      for (const env of ['prod', 'uat']) assert.equal((await call('POST', `/environments/${env}`, { commit: served.base, version: 'v1.0.0' })).status, 200);
      const rollback = await call('POST', '/rollbacks', { env: 'uat', to: served.olderTag, impact: 'regression', reason: 'checkout totals wrong' });
      assert.equal(rollback.status, 201, JSON.stringify(rollback.body));
      assert.equal(rollback.body.status, 'validating');
      const deploymentId = rollback.body.rollbackDeploymentId as number;
      await eventually('two samples of the validation watch', async () => (await call('GET', `/deployments/${deploymentId}/metrics`)).body.watches?.[0]?.series.length >= 2, 60_000);
      first.child.kill('SIGKILL');
      await first.exited;

      const second = serve();
      await waitForHealth(url, second);
      const recovered = await eventually(
        'the rollback to be recorded as interrupted',
        async () => {
          const r = await call('GET', `/rollbacks/${rollback.body.id}`);
          return r.body.status === 'interrupted' ? r.body : null;
        },
        60_000,
      );
      assert.match(recovered.detail, /^interrupted: the instance \S+ stopped renewing the deploy lock it ran under at \S+ \(process stopped or killed\)\. Next: validate uat by hand now/);
      const [watch] = (await call('GET', `/deployments/${deploymentId}/metrics`)).body.watches;
      assert.equal(watch.outcome, 'interrupted');
      assert.ok(watch.samples >= 2, `the samples taken before the kill count: ${watch.samples}`);
      assert.match(watch.reason, new RegExp(`^Tonic stopped while watching \\(the instance \\S+ stopped renewing .*\\): ${watch.samples} of 600 samples`));
      assert.equal(served.envs.running('uat')?.version, 'v0.9.0', 'nothing was deployed again');
      // A few more ticks of the new server: each was closed once.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0, second.output());

      const database = await openDatabase({ url: databaseUrl });
      try {
        const { db } = database;
        const outbox = await db.selectFrom('outbox').select(['event', 'idempotency_key', 'payload']).where('event', 'in', ['rollback.escalated', 'monitoring.interrupted', 'deploy.lock_expired']).orderBy('id').execute();
        assert.deepEqual(
          outbox.map((m) => m.idempotency_key.replace(/:\d{4}-.*$/, ':…')),
          [`monitoring.interrupted:${watch.id}`, `rollback.escalated:${rollback.body.id}:interrupted`, 'deploy.lock_expired:shop:…'],
          'the work first, while the lapsed lock still named its owner; then the lock',
        );
        const escalated = JSON.parse(outbox[1]!.payload);
        assert.deepEqual(escalated.notDone, ['the validation (smoke steps and the watch window) did not finish: whether uat is stable on v0.9.0 is not known']);
        const audit = await db.selectFrom('audit_events').select(['action', 'subject']).where('action', 'in', ['rollback.interrupted', 'monitoring.interrupted']).orderBy('id').execute();
        assert.deepEqual(audit.map((a) => a.action), ['monitoring.interrupted', 'rollback.interrupted']);
        const [row] = await db.selectFrom('rollbacks').select(['status', 'finished_at']).execute();
        assert.deepEqual([row!.status, row!.finished_at !== null], ['interrupted', true]);
      } finally {
        await database.close();
      }
    });
  });
}

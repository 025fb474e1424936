/**
 * DESIGN.md decision 6 with real processes: a server killed (SIGKILL) in the middle of a deploy.
 * The next server finds the run's lease lapsed, marks it interrupted and its deployment unknown,
 * tells people, and deploys nothing again.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatRunDetail } from '../../../src/cli/run-format.ts';
import { createScratchPgDatabase, DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments } from '../../support/environments.ts';
import { createTestRepo } from '../../support/git-repo.ts';
import { eventually, freePort, runTonic, waitForHealth } from '../../support/processes.ts';

const TOKEN = 'killed-server-token-0123456789';

for (const dialect of DIALECTS) {
  describe(`a server killed mid-deploy (${dialect})`, () => {
    test('the run becomes interrupted, its deployment unknown, and nothing deploys twice', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'tonic-killed-'));
      const repo = await createTestRepo();
      const envs = await startTestEnvironments({ timeoutMs: 120_000 });
      const database = dialect === 'postgres' ? await createScratchPgDatabase() : null;
      try {
        const base = await repo.commit('app', { 'app.txt': 'one\n' });
        await repo.git('checkout', '-q', '-b', 'fix/one', base);
        await repo.commit('fix', { 'app.txt': 'ONE\n' });
        await repo.git('checkout', '-q', 'main');
        const deploy = (env: 'uat' | 'prod') => envs.config[env].deploy as { command: string[] };
        const env = (name: 'uat' | 'prod') => [
          `      ${name}:`,
          `        url: ${JSON.stringify(envs.config[name].url)}`,
          `        line: ${envs.config[name].line}`,
          `        deploy: { driver: command, command: ${JSON.stringify(deploy(name).command)}, timeoutSeconds: 120 }`,
        ];
        writeFileSync(
          join(cwd, 'tonic.config.yaml'),
          [
            'systems:',
            '  - name: shop',
            '    timeZone: Asia/Hong_Kong',
            '    schedule: { t1: "20:00", t2: "22:00" }',
            `    repository: { path: ${JSON.stringify(repo.path)} }`,
            '    environments:',
            ...env('uat'),
            ...env('prod'),
          ].join('\n') + '\n',
        );
        const port = await freePort();
        const url = `http://127.0.0.1:${port}`;
        const settings = {
          PORT: String(port),
          TONIC_ADMIN_TOKEN: TOKEN,
          TONIC_RUN_LEASE_SECONDS: '2',
          TONIC_SCHEDULER_TICK_SECONDS: '0.5',
          ...(database ? { DATABASE_URL: database.url } : {}),
        };
        const call = async (method: string, path: string, body?: unknown) => {
          const res = await fetch(`${url}/api/v1/systems/shop${path}`, {
            method,
            headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
            body: body ? JSON.stringify(body) : undefined,
          });
          return (await res.json()) as any;
        };

        const first = runTonic(['serve'], settings, cwd);
        await waitForHealth(url, first);
        for (const e of ['uat', 'prod']) await call('POST', `/environments/${e}`, { version: 'v1.0.0', commit: base });
        const bug = await call('POST', '/bugs', { title: 'One is lower-case', description: '', severity: 'low', foundInEnv: 'uat' });
        await call('POST', `/bugs/${bug.id}/confirm`, {});
        await call('POST', `/bugs/${bug.id}/fix`, { branch: 'fix/one' });

        envs.hang('uat'); // the deploy command will sleep: the server is killed while it runs
        void call('POST', '/runs/t1', {}).catch(() => undefined);
        const running = await eventually('the deployment to start', async () => {
          const list = await call('GET', '/deployments');
          return list.items?.find((d: any) => d.status === 'running');
        });
        first.child.kill('SIGKILL');
        await first.exited;

        const second = runTonic(['serve'], settings, cwd);
        try {
          await waitForHealth(url, second);
          const run = await eventually('the run to be marked interrupted', async () => {
            const r = await call('GET', `/runs/${running.runId}`);
            return r.status === 'interrupted' ? r : null;
          });
          assert.match(run.error, /stopped renewing its lease/);
          // What it had done and had not, read back from the database (the killed process kept its steps).
          assert.deepEqual(run.report.interrupted.done, ['built v1.0.1 (flow1) for uat']);
          assert.deepEqual(run.report.interrupted.notDone, [
            `the deploy of v1.0.1 to uat did not finish (deployment ${running.id}: unknown)`,
            "what follows a deploy may not all have run (moving its bugs, the message, smoke and monitoring): each bug's history shows where it stands",
          ]);
          const shown = formatRunDetail(run).join('\n');
          assert.match(shown, /\ninterrupted: done before it stopped\n {2}built v1\.0\.1 \(flow1\) for uat\nnot done\n {2}the deploy of v1\.0\.1 to uat did not finish/, shown);
          const deployment = await call('GET', `/deployments/${running.id}`);
          assert.equal(deployment.status, 'unknown');
          assert.match(deployment.error, /whether the deploy finished is unknown/);
          assert.equal((await call('GET', `/bugs/${bug.id}`)).status, 'planned', 'the bug did not move');
          // Give the new server a few scheduler ticks: it must not deploy again.
          await new Promise((r) => setTimeout(r, 1500));
          assert.equal((await call('GET', '/deployments')).items.length, 1);
          assert.deepEqual((await call('GET', '/runs')).items.map((r: any) => r.status), ['interrupted']);
        } finally {
          second.child.kill('SIGTERM');
          await second.exited;
        }
      } finally {
        // The orphaned deploy command (its own process group) is still sleeping: stop it.
        try {
          execFileSync('pkill', ['-f', envs.dir]);
        } catch {
          /* none left */
        }
        await envs.close();
        await database?.drop();
        repo.remove();
        rmSync(cwd, { recursive: true, force: true });
      }
    });
  });
}

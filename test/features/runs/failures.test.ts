/**
 * Nights that go wrong, through the scheduler with a fake clock, on every dialect: a repository
 * that is not there, a deploy command that hangs, a deploy webhook that fails or never answers,
 * an environment that refuses connections after the deploy. Each is recorded with a message that
 * says what happened, nothing moves that should not, and people are told (the outbox).
 * The system's zone is Asia/Hong_Kong (UTC+8): T1 20:00 is 12:00Z, T2 22:00 is 14:00Z.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { composeTonic } from '../../../src/compose.ts';
import type { EnvironmentConfig, SystemConfig } from '../../../src/config/load-config.ts';
import type { Tonic } from '../../../src/compose.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { createTestTonic, testSystem, type TestTonic } from '../../support/test-tonic.ts';
import { freePort } from '../../support/processes.ts';

const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
const SECRET = 'deploy-hook-secret';

type World = { t: TestTonic; repo: TestRepo; envs: TestEnvironments; base: string };
type Cleanup = () => Promise<void> | void;

type EnvOverrides = { uat?: Partial<EnvironmentConfig>; prod?: Partial<EnvironmentConfig> };

/** PROD and UAT on main's v1.0.0 (Flow 1); one confirmed bug with a fix on its own branch. */
async function setup(dialect: (typeof DIALECTS)[number], cleanup: Cleanup[], options: { deployTimeoutMs?: number; env?: (envs: TestEnvironments) => EnvOverrides } = {}) {
  const repo = await createTestRepo();
  cleanup.push(() => repo.remove());
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('checkout', '-q', '-b', 'fix/x', base);
  const fix = await repo.commit('fix: line 3', { 'app.txt': APP.replace('line 3', 'line 3 fixed') });
  await repo.git('checkout', '-q', 'main');
  const envs = await startTestEnvironments({ timeoutMs: options.deployTimeoutMs });
  cleanup.push(() => envs.close());
  const over = options.env?.(envs) ?? {};
  const environments = { uat: { ...envs.config.uat, ...over.uat }, prod: { ...envs.config.prod, ...over.prod } };
  const t = await createTestTonic({ dialect, now: '2026-11-26T04:00:00Z', systems: [testSystem({ repositoryPath: repo.path, environments })] });
  cleanup.push(() => t.close());
  await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
  await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', { version: 'v1.0.0', commit: base });
  await t.tonic.scheduler.tick(); // the scheduler starts counting slots now
  const reported = await t.tonic.bugs.report(t.actors.developer, 'shop', { title: 'Checkout total wrong', description: 'steps', severity: 'medium', foundInEnv: 'prod', module: 'checkout' });
  await t.tonic.bugs.attachFix(t.actors.developer, 'shop', reported.id, { commit: fix });
  const bug = await t.tonic.bugs.confirm(t.actors.manager, 'shop', reported.id, { flow: 'auto' });
  assert.equal(bug.fixFlow, 'flow1');
  return { w: { t, repo, envs, base } satisfies World, bug };
}

const at = (tonic: Tonic, clock: TestTonic['clock'], iso: string) => {
  clock.set(iso);
  return tonic.scheduler.tick();
};
const bugOf = (w: World, id: number) => w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', id);
const outboxEvents = async (w: World) => (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 500 })).map((m) => m.event);
const deploymentsOf = (w: World, runId: number) => w.t.tonic.deployments.list(w.t.actors.viewer, 'shop', { runId, limit: 10 });
const recorded = async (w: World, env: 'uat' | 'prod') => (await w.t.tonic.environments.describe(w.t.actors.viewer, 'shop')).environments.find((e) => e.env === env);

/** A deploy webhook receiver on loopback; `answer` decides what it does with each request. */
async function webhookReceiver(answer: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      answer(req, body, res);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/deploy`;
  return {
    url,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((ok) => server.close(ok));
    },
  };
}


/** Processes (not zombies) whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

for (const dialect of DIALECTS) {
  describe(`failures through the scheduler on ${dialect}`, () => {
    // Undone in reverse order after each test, also when it failed half-way through its set-up.
    const cleanup: Cleanup[] = [];
    const world = (options?: Parameters<typeof setup>[2]) => setup(dialect, cleanup, options);
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });

    test('the repository path does not exist (restarted with a wrong repository.path): T1 fails naming the path; bugs untouched; people told', async () => {
      const { w, bug } = await world();
      const missing = `${w.repo.path}-moved-away`;
      // The server restarts with a configuration that points at a folder that is not there.
      const system: SystemConfig = { ...w.t.tonic.systems.get('shop'), repositoryPath: missing };
      const clock = w.t.clock;
      const restarted = composeTonic({
        database: { db: w.t.tonic.db, dialect: w.t.tonic.dialect, location: '(shared)', close: async () => undefined },
        config: { file: '(test)', systems: [system] },
        clock,
        home: w.repo.path,
        instance: 'restarted',
      });
      const historyBefore = (await bugOf(w, bug.id)).history.length;

      const [t1] = await at(restarted, clock, '2026-11-26T12:00:05Z');
      assert.equal(t1?.slot, 't1');
      assert.equal(t1?.status, 'failed');
      assert.ok(t1?.error?.includes(missing), `the error names the path: ${t1?.error}`);
      assert.match(t1?.error ?? '', /does not exist/);
      const after = await bugOf(w, bug.id);
      assert.equal(after.status, 'confirmed');
      assert.equal(after.history.length, historyBefore, 'no transition recorded');
      assert.deepEqual(await deploymentsOf(w, t1!.id), []);
      assert.deepEqual(w.envs.deploys(), []);
      const failed = (await w.t.tonic.outbox.list(w.t.tonic.db, { system: 'shop', limit: 100 })).find((m) => m.event === 'run.failed');
      assert.ok(failed, 'run.failed is in the outbox');
      assert.ok(String(failed.payload.error).includes(missing));
    });

    test('the repository folder disappears while the server runs: T1 fails with a message that names the path and says it is missing', async () => {
      const { w, bug } = await world();
      const moved = `${w.repo.path}-elsewhere`;
      renameSync(w.repo.path, moved);
      cleanup.push(() => {
        if (existsSync(moved)) renameSync(moved, w.repo.path);
      });
      const [t1] = await at(w.t.tonic, w.t.clock, '2026-11-26T12:00:05Z');
      assert.equal(t1?.status, 'failed');
      assert.ok(t1?.error?.includes(w.repo.path), `the error names the path: ${t1?.error}`);
      assert.match(t1?.error ?? '', /does not exist|no such (file or )?directory|not found/i, `the error says the folder is missing: ${t1?.error}`);
      assert.equal((await bugOf(w, bug.id)).status, 'confirmed');
      assert.ok((await outboxEvents(w)).includes('run.failed'));
    });

    test('a deploy command that hangs beyond its timeout is stopped: deployment failed, the bug stays planned, people told', async () => {
      const { w, bug } = await world({ deployTimeoutMs: 1500 });
      w.envs.hang('uat');
      const started = Date.now();
      const [t1] = await at(w.t.tonic, w.t.clock, '2026-11-26T12:00:05Z');
      const took = Date.now() - started;
      assert.equal(t1?.status, 'failed');
      assert.ok(took < 10_000, `the run took ${took} ms`);
      const [deployment] = await deploymentsOf(w, t1!.id);
      assert.equal(deployment?.status, 'failed');
      assert.match(deployment?.error ?? '', /did not finish within 2 s/);
      const withLog = await w.t.tonic.deployments.get(w.t.actors.viewer, 'shop', deployment!.id);
      assert.ok(withLog.log.some((l) => l.stream === 'stdout' && /deploying v1\.0\.1 to uat/.test(l.line)), 'the output before the hang is kept');
      assert.equal((await bugOf(w, bug.id)).status, 'planned');
      assert.equal(w.envs.running('uat'), null);
      assert.equal((await recorded(w, 'uat'))?.version, 'v1.0.0', 'UAT is recorded where it was');
      const events = await outboxEvents(w);
      assert.ok(events.includes('deploy.failed') && events.includes('run.failed'), events.join(', '));
      assert.deepEqual(processesMentioning(w.envs.dir), [], 'the hung deploy process is gone');
    });

    test('a deploy webhook that answers HTTP 500: recorded failure naming 500, statuses untouched, people told', async () => {
      const hook = await webhookReceiver((_req, _body, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'deployer crashed' }));
      });
      cleanup.push(hook.close);
      const { w, bug } = await world({ env: () => ({ uat: { deploy: { driver: 'webhook', url: hook.url, secret: SECRET, timeoutMs: 5_000, pollIntervalMs: 50 }, health: null } }) });
      const [t1] = await at(w.t.tonic, w.t.clock, '2026-11-26T12:00:05Z');
      assert.equal(t1?.status, 'failed');
      const [deployment] = await deploymentsOf(w, t1!.id);
      assert.equal(deployment?.status, 'failed');
      assert.match(deployment?.error ?? '', /HTTP 500/);
      assert.match(deployment?.error ?? '', /deployer crashed/);
      // The receiver was asked, with a body it can verify.
      assert.equal(hook.received.length, 1);
      const [req] = hook.received;
      const expected = `sha256=${createHmac('sha256', SECRET).update(`${req!.headers['x-tonic-timestamp']}.${req!.body}`).digest('hex')}`;
      assert.equal(req!.headers['x-tonic-signature'], expected);
      assert.equal((JSON.parse(req!.body) as { version: string }).version, 'v1.0.1');
      assert.equal((await bugOf(w, bug.id)).status, 'planned');
      assert.equal((await recorded(w, 'uat'))?.version, 'v1.0.0');
      const events = await outboxEvents(w);
      assert.ok(events.includes('deploy.failed') && events.includes('run.failed'), events.join(', '));
    });

    test('a deploy webhook that never answers: a failure within its time limit, statuses untouched, people told', async () => {
      const hook = await webhookReceiver(() => undefined);
      cleanup.push(hook.close);
      const { w, bug } = await world({ env: () => ({ uat: { deploy: { driver: 'webhook', url: hook.url, secret: SECRET, timeoutMs: 1_000, pollIntervalMs: 50 }, health: null } }) });
      const started = Date.now();
      const [t1] = await at(w.t.tonic, w.t.clock, '2026-11-26T12:00:05Z');
      assert.ok(Date.now() - started < 8_000);
      assert.equal(t1?.status, 'failed');
      const [deployment] = await deploymentsOf(w, t1!.id);
      assert.equal(deployment?.status, 'failed');
      assert.match(deployment?.error ?? '', /no answer in time/);
      assert.equal((await bugOf(w, bug.id)).status, 'planned');
      const events = await outboxEvents(w);
      assert.ok(events.includes('deploy.failed') && events.includes('run.failed'), events.join(', '));
    });

    test('a health URL that refuses connections after the deploy: failed with "connection refused"; UAT not recorded as moved', async () => {
      const port = await freePort();
      const { w, bug } = await world({ env: (envs) => ({ uat: { health: { ...envs.config.uat.health!, url: `http://127.0.0.1:${port}/health`, timeoutMs: 1_000 } } }) });
      const [t1] = await at(w.t.tonic, w.t.clock, '2026-11-26T12:00:05Z');
      assert.equal(t1?.status, 'failed');
      const [deployment] = await deploymentsOf(w, t1!.id);
      assert.equal(deployment?.status, 'failed');
      assert.match(deployment?.error ?? '', /health check failed: .*connection refused/);
      assert.equal((await bugOf(w, bug.id)).status, 'planned');
      assert.equal((await recorded(w, 'uat'))?.version, 'v1.0.0');
      assert.ok((await outboxEvents(w)).includes('deploy.failed'));
    });

    test('a PROD deploy webhook that reports "failed" at T2: the bug stays pending_prod, and the next T2 deploys it', async () => {
      let fail = true;
      const hook = await webhookReceiver((_req, body, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(fail ? { status: 'failed', message: 'database migration locked' } : { status: 'succeeded', version: (JSON.parse(body) as { version: string }).version }));
      });
      cleanup.push(hook.close);
      const { w, bug } = await world({ env: () => ({ prod: { deploy: { driver: 'webhook', url: hook.url, secret: SECRET, timeoutMs: 5_000, pollIntervalMs: 50 }, health: null } }) });
      await at(w.t.tonic, w.t.clock, '2026-11-26T12:00:05Z');
      assert.equal((await bugOf(w, bug.id)).status, 'deployed_uat');
      w.t.clock.set('2026-11-26T13:00:00Z');
      await w.t.tonic.bugs.approveProd(w.t.actors.manager, 'shop', bug.id);

      const [t2] = await at(w.t.tonic, w.t.clock, '2026-11-26T14:00:05Z');
      assert.equal(t2?.status, 'failed');
      const [deployment] = await deploymentsOf(w, t2!.id);
      assert.match(deployment?.error ?? '', /database migration locked/);
      assert.equal((await bugOf(w, bug.id)).status, 'pending_prod');
      assert.equal((await recorded(w, 'prod'))?.version, 'v1.0.0');
      assert.ok((await outboxEvents(w)).includes('deploy.failed'));

      fail = false;
      await at(w.t.tonic, w.t.clock, '2026-11-27T12:00:05Z');
      const [next] = await at(w.t.tonic, w.t.clock, '2026-11-27T14:00:05Z');
      assert.equal(next?.status, 'succeeded', JSON.stringify(next?.report));
      assert.equal((await bugOf(w, bug.id)).status, 'deployed_prod');
      assert.equal((await recorded(w, 'prod'))?.version, 'v1.0.1');
      assert.equal(hook.received.length, 2);
    });
  });
}

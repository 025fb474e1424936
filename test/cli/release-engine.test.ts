/**
 * The release-engine commands of `tonic` (attach-fix, plan, run, runs, releases, deployments,
 * drop), run as child processes against the real server, with a real git repository and UAT/PROD
 * deployed by a real command. The API is dialect-independent, so SQLite is enough here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_USERNAME } from '../../src/features/identity/identity-service.ts';
import { startTestEnvironments, type TestEnvironments } from '../support/environments.ts';
import { createTestRepo, type TestRepo } from '../support/git-repo.ts';
import { ADMIN_TOKEN, createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';
import { runTonic } from './run-tonic.ts';

const LIMIT = { timeout: 180_000 };
const TITLE = 'b is lower-case';

describe('tonic: fixes, plan, runs, releases and deployments', () => {
  let t: TestTonic;
  let server: TestServer;
  let repo: TestRepo;
  let envs: TestEnvironments;
  let fix: string;
  let bugId: number;
  let failedRunId: number;
  let runId: number;
  const tonic = (...args: string[]) => runTonic(args, { TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN });
  const bug = async () => (await server.request('viewer', 'GET', `/api/v1/systems/shop/bugs/${bugId}`)).body;

  before(async () => {
    repo = await createTestRepo();
    const main = await repo.commit('app', { 'app.txt': 'a\nb\nc\n' });
    await repo.git('checkout', '-q', '-b', 'fix/cli', main);
    fix = await repo.commit('fix b', { 'app.txt': 'a\nB\nc\n' });
    await repo.git('checkout', '-q', 'main');
    envs = await startTestEnvironments();
    t = await createTestTonic({ dialect: 'sqlite', systems: [testSystem({ repositoryPath: repo.path, environments: envs.config })] });
    await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', { version: 'v1.0.0', commit: main });
    await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: main });
    server = await startTestServer(t);
    const reported = await server.request('developer', 'POST', '/api/v1/systems/shop/bugs', { title: TITLE, description: '', severity: 'low', foundInEnv: 'uat' });
    bugId = reported.body.id as number;
  });
  after(async () => {
    await server?.close();
    await t?.close();
    await envs?.close();
    repo?.remove();
  });

  test('attach-fix: an unknown commit prints the detail and exits 1; a branch is attached', LIMIT, async () => {
    const unknown = await tonic('bugs', 'attach-fix', String(bugId), '--commit', 'deadbeefdeadbeef');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /^error: .*deadbeefdeadbeef.* \(unknown_commit, HTTP 422\)\n$/);

    const attached = await tonic('bugs', 'attach-fix', String(bugId), '--branch', 'fix/cli');
    assert.equal(attached.code, 0, attached.stderr);
    assert.equal(attached.stdout, `bug ${bugId} (submitted): fix attached: branch fix/cli (at ${fix.slice(0, 10)})\n`);
    assert.deepEqual((await bug()).fixRefs.map((f: { kind: string; commit: string }) => [f.kind, f.commit]), [['branch', fix]]);
  });

  test('plan, then run t1 --dry-run, which deploys nothing', LIMIT, async () => {
    await server.request('manager', 'POST', `/api/v1/systems/shop/bugs/${bugId}/confirm`, {});

    const plan = await tonic('plan');
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /^version check: UAT and PROD run the same commit .*Flow 1, UAT first$/m);
    // The fake clock stands at 12:00 in Hong Kong: tonight's 20:00 and 22:00.
    assert.match(plan.stdout, /^T1 at 2026-11-26 20:00 \S+\n {2}ID\s+ACTION\s+TITLE\s+REASON\n/m);
    assert.match(plan.stdout, new RegExp(`^ {2}${bugId}\\s+build and deploy to UAT \\(Flow 1\\)\\s+${TITLE}\\s+-$`, 'm'));
    assert.match(plan.stdout, /^T2 at 2026-11-26 22:00 \S+\n {2}nothing to do$/m);

    const dry = await tonic('run', 't1', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run: nothing was built or deployed/);
    assert.match(dry.stdout, new RegExp(`^ {2}${bugId}\\s+build and deploy to UAT \\(Flow 1\\)`, 'm'));
    assert.doesNotMatch(dry.stdout, /^T2 at/m, 'a T1 dry run shows T1 only');
    assert.deepEqual(envs.deploys(), []);
    assert.equal((await bug()).status, 'confirmed');
  });

  test('run t1 exits 1 when its deploy fails, and 0 when it moves the bug to deployed_uat', LIMIT, async () => {
    envs.failNext('uat');
    const failed = await tonic('run', 't1');
    envs.failNext('uat', false);
    assert.equal(failed.code, 1, failed.stderr);
    failedRunId = Number(/^run (\d+): T1 failed$/m.exec(failed.stdout)?.[1]);
    assert.ok(failedRunId > 0, failed.stdout);
    assert.match(failed.stdout, new RegExp(`^ {2}#${bugId}\\s+not deployed\\s+the UAT deploy failed`, 'm'));

    t.clock.advance(60_000); // a manual run is claimed per instant: the next one is a minute later
    const run = await tonic('run', 't1');
    assert.equal(run.code, 0, run.stderr);
    runId = Number(/^run (\d+): T1 succeeded$/m.exec(run.stdout)?.[1]);
    assert.ok(runId > failedRunId, run.stdout);
    assert.match(run.stdout, /^trigger\s+manual$/m);
    assert.match(run.stdout, /^steps \(UTC\)\n {2}\d\d:\d\d:\d\d\s+T1 for shop/m);
    assert.match(run.stdout, new RegExp(`^bugs\\n {2}#${bugId}\\s+deployed_uat$`, 'm'));
    assert.match(run.stdout, /^releases\n {2}release \d+\s+v1\.0\.\d+\s+uat\s+deployed$/m);
    assert.equal((await bug()).status, 'deployed_uat');
  });

  test('runs list and runs show', LIMIT, async () => {
    const list = await tonic('runs', 'list', '--slot', 't1');
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+SLOT\s+STATUS\s+TRIGGER\s+SCHEDULED\s+FINISHED\s+BUGS\s+RELEASES$/);
    assert.match(lines[1]!, new RegExp(`^${runId}\\s+t1\\s+succeeded\\s+manual\\s+2026-11-26 04:01 UTC\\s+2026-11-26 04:01 UTC\\s+1 deployed_uat\\s+v1\\.0\\.\\d+ uat \\(deployed\\)$`));
    assert.match(lines[2]!, new RegExp(`^${failedRunId}\\s+t1\\s+failed\\s`));
    assert.equal(lines.length, 3);

    const show = await tonic('runs', 'show', String(failedRunId));
    assert.equal(show.code, 0, `showing a failed run is not a failure: ${show.stderr}`);
    assert.match(show.stdout, new RegExp(`^run ${failedRunId}: T1 failed$`, 'm'));
    assert.match(show.stdout, /^ {2}\d\d:\d\d:\d\d\s+deploy of v1\.0\.\d+ to uat failed: /m);
  });

  test('releases show prints the bugs and the notes', LIMIT, async () => {
    const run = (await server.request('viewer', 'GET', `/api/v1/systems/shop/runs/${runId}`)).body;
    const releaseId = run.report.releases[0].id as number;
    const show = await tonic('releases', 'show', String(releaseId));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`^release ${releaseId}: v1\\.0\\.\\d+$`, 'm'));
    assert.match(show.stdout, /^base\s+v1\.0\.0 \([0-9a-f]{10}\)$/m);
    assert.match(show.stdout, new RegExp(`^run\\s+${runId}$`, 'm'));
    assert.match(show.stdout, new RegExp(`^bugs\\n {2}#${bugId}\\s+[0-9a-f]{10}$`, 'm'));
    assert.match(show.stdout, new RegExp(`^notes\\n(?:(?: {2}.*)?\\n)* {2}Fix #${bugId} \\[low\\]: ${TITLE}`, 'm'));
  });

  test('deployments list --run, then deployments show prints the log', LIMIT, async () => {
    const list = await tonic('deployments', 'list', '--run', String(failedRunId));
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, list.stdout);
    const row = /^(\d+)\s+uat\s+\d+\s+failed\s+(\d+)\s/.exec(lines[1]!);
    assert.equal(Number(row?.[2]), failedRunId, list.stdout);

    const show = await tonic('deployments', 'show', row![1]!);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`^deployment ${row![1]}: release \\d+ to uat, failed$`, 'm'));
    assert.match(show.stdout, /^error\s+.*exited with 1/m);
    assert.match(show.stdout, /^log \(UTC\)$/m);
    assert.match(show.stdout, /^ {2}\d\d:\d\d:\d\d\s+stdout\s+deploying v1\.0\.\d+ to uat$/m);
    assert.match(show.stdout, /^ {2}\d\d:\d\d:\d\d\s+stderr\s+simulated failure$/m);
  });

  test('bugs show prints the fix, the analysis and the release', LIMIT, async () => {
    const { releaseId } = await bug();
    const show = await tonic('bugs', 'show', String(bugId));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`^release\\s+${releaseId}$`, 'm'));
    assert.match(show.stdout, new RegExp(`^fix\\n {2}branch\\s+fix/cli\\s+${fix.slice(0, 10)}\\s+by ${ADMIN_USERNAME}\\s+\\d{4}-`, 'm'));
    assert.match(show.stdout, /^analysis\n {2}by\s+the built-in analysis\n {2}risk\s+low: a small change.*\n {2}fix plan\s+Apply 1 commit\(s\): "fix b".*\n {2}migration\s+no\n {2}files\s+app\.txt$/m);
    assert.match(show.stdout, /^validate before approving\n {2}1\.\s+UAT\s+Do what the report describes \("b is lower-case"\) and confirm it no longer happens$/m);
    assert.doesNotMatch(show.stdout, /^conflict$/m);
  });

  test('drop takes the bug out of its release (admin)', LIMIT, async () => {
    const dropped = await tonic('bugs', 'drop', String(bugId), '--reason', 'not ready');
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(dropped.stdout, `bug ${bugId} dropped from its release, now confirmed: not ready; the next T1 rebuilds the release without it\n`);
    const after = await bug();
    assert.equal(after.status, 'confirmed');
    assert.equal(after.releaseId, null);
  });
});

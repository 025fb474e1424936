/**
 * `tonic hotfix …` run as child processes against the real server on a loopback port. The API is
 * dialect-independent, so SQLite is enough here. The system has no repository: the deploy is done
 * by hand and recorded with its commit and a diff file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, createTestTonic, fixedVersions, startTestServer, type TestServer, type TestTonic } from '../support/test-tonic.ts';
import { runTonic } from './run-tonic.ts';

const LIMIT = { timeout: 120_000 };

describe('tonic hotfix', () => {
  let t: TestTonic;
  let server: TestServer;
  let dir: string;
  const tonic = (...args: string[]) => runTonic(args, { TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN });
  const as = (role: 'manager' | 'developer', ...args: string[]) => runTonic(args, { TONIC_URL: server.url, TONIC_TOKEN: server.tokens[role] });

  before(async () => {
    t = await createTestTonic({ dialect: 'sqlite', versions: fixedVersions('same') });
    server = await startTestServer(t);
    dir = mkdtempSync(join(tmpdir(), 'tonic-hotfix-cli-'));
    await server.request('admin', 'POST', '/api/v1/systems/shop/environments/prod', { version: 'v3.0.0', commit: 'abcdef1234' });
  });
  after(async () => {
    await server?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const bug = async (severity: string) =>
    (await server.request('developer', 'POST', '/api/v1/systems/shop/bugs', { title: `Payments fail (${severity})`, description: '', severity, foundInEnv: 'prod' })).body.id as number;

  test('from open to close, each step saying what comes next; refusals exit 1 with the reason', LIMIT, async () => {
    const low = await bug('medium');
    const refused = await tonic('hotfix', 'open', String(low));
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`^error: bug ${low} is medium: .*\\(severity_requires_pipeline, HTTP 422\\)$`, 'm'));

    const id = await bug('critical');
    const opened = await tonic('hotfix', 'open', String(id));
    assert.equal(opened.code, 0, opened.stderr);
    const hotfix = Number(/^hotfix (\d+) \(P1, bug #\d+\) open, SLA until 2026-11-26 13:00 GMT\+8; next: notify the team/.exec(opened.stdout)?.[1]);
    assert.ok(hotfix > 0, opened.stdout);
    assert.match(opened.stdout, /no branch: no repository is configured/);

    const early = await tonic('hotfix', 'deploy', String(hotfix), '--commit', '0123456789abcdef');
    assert.equal(early.code, 1);
    assert.match(early.stderr, /Notify at least one other team member first .*\(team_not_notified, HTTP 422\)/);

    const notified = await tonic('hotfix', 'notify', String(hotfix), '--person', 'manager', '--person', 'cto', '--message', 'deploying now');
    assert.equal(notified.code, 0, notified.stderr);
    assert.match(notified.stdout, new RegExp(`next: deploy by hand, then record it \\(tonic hotfix deploy ${hotfix} --commit SHA\\)`));
    assert.deepEqual((await t.tonic.outbox.list(t.tonic.db, { system: 'shop', limit: 10 })).find((m) => m.event === 'hotfix.team_notified')?.payload.people, ['manager', 'cto']);

    const usage = await tonic('hotfix', 'deploy', String(hotfix), '--version', 'v3.0.1');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /give its --commit too/);
    const diff = join(dir, 'fix.diff');
    writeFileSync(diff, '--- a/pay.js\n+++ b/pay.js\n+guard\n');
    const deployed = await tonic('hotfix', 'deploy', String(hotfix), '--commit', '0123456789abcdef', '--version', 'v3.0.1', '--diff-file', diff);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stdout, /deployed, SLA until .*; next: UAT follow-up, update \(tonic hotfix uat-follow-up\)/);
    assert.equal((await server.request('viewer', 'GET', `/api/v1/systems/shop/bugs/${id}`)).body.aiFixDiff, '--- a/pay.js\n+++ b/pay.js\n+guard\n');

    const ticked = await as('manager', 'hotfix', 'tick', String(hotfix), 'smoke_test', '--note', 'login, checkout, refunds');
    assert.equal(ticked.code, 0, ticked.stderr);
    assert.match(ticked.stdout, new RegExp(`^hotfix ${hotfix}: ticked smoke_test \\(login, checkout, refunds\\); 6 of 9 done$`, 'm'));
    const badItem = await tonic('hotfix', 'tick', String(hotfix), 'coffee');
    assert.equal(badItem.code, 2);
    assert.match(badItem.stderr, /--item "coffee" is not one of severity_confirmed, team_notified/);

    const followed = await tonic('hotfix', 'uat-follow-up', String(hotfix), '--commit', '0123456789abcdef', '--version', 'v3.0.1');
    assert.equal(followed.code, 0, followed.stderr);
    assert.match(followed.stdout, /next: the post-incident note/);
    const early2 = await tonic('hotfix', 'close', String(hotfix));
    assert.equal(early2.code, 1);
    assert.match(early2.stderr, /cannot close without its post-incident note.*\(note_required, HTTP 422\)/);
    const missing = await tonic('hotfix', 'note', String(hotfix), '--root-cause', 'no idempotency key');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--fix-summary is required/);
    const noted = await as('manager', 'hotfix', 'note', String(hotfix), '--root-cause', 'no idempotency key', '--fix-summary', 'order id as the key');
    assert.equal(noted.code, 0, noted.stderr);
    const closed = await tonic('hotfix', 'close', String(hotfix));
    assert.equal(closed.code, 0, closed.stderr);
    assert.match(closed.stdout, new RegExp(`^hotfix ${hotfix} \\(P1, bug #${id}\\) closed$`, 'm'));

    const shown = await tonic('hotfix', 'show', String(hotfix));
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^hotfix ${hotfix}: Payments fail \\(critical\\)$`, 'm'));
    assert.match(shown.stdout, /^deployed\s+v3\.0\.1 \(0123456789\) to PROD by hand, 2026-11-26 04:00 UTC by admin$/m);
    assert.match(shown.stdout, /^UAT follow-up\s+update done: v3\.0\.1 \(by hand\)$/m);
    assert.match(shown.stdout, /^ {2}\[x\]\s+smoke_test\s+2026-11-26 04:00 UTC by manager\s+login, checkout, refunds$/m);
    assert.match(shown.stdout, /^ {2}\[ \]\s+deployed_within_sla$/m);
    assert.match(shown.stdout, /^ {2}root cause: no idempotency key$/m);

    const listed = await tonic('hotfix', 'list', '--status', 'closed');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^ID\s+PRIORITY\s+STATUS\s+BUG\s+SLA DUE\s+UAT\s+TITLE$/m);
    assert.match(listed.stdout, new RegExp(`^${hotfix}\\s+P1\\s+closed\\s+#${id}\\s+2026-11-26 05:00 UTC\\s+update done\\s+Payments fail \\(critical\\)$`, 'm'));
  });

  test('approvals: in the help, and a second approval by the same person is refused', LIMIT, async () => {
    const help = await tonic('help');
    assert.match(help.stdout, /tonic hotfix approve ID\s+approve \(in a freeze: two people, one an admin\)/);
    const id = await bug('high');
    const hotfix = (await server.request('admin', 'POST', '/api/v1/systems/shop/hotfixes', { bugId: id })).body.id as number;
    assert.equal((await as('manager', 'hotfix', 'approve', String(hotfix), '--note', 'read the diff')).code, 0);
    const twice = await as('manager', 'hotfix', 'approve', String(hotfix));
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /manager has already approved .*\(duplicate_approval, HTTP 422\)/);
  });
});

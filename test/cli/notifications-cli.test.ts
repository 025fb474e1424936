/**
 * `tonic users link-telegram`, `tonic notifications list` and `tonic notifications resend`, run as
 * child processes against the real server on a loopback port (SQLite: the API is the same on both).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashLinkCode } from '../../src/features/notifications/notification-service.ts';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.ts';
import { ADMIN_TOKEN, createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../support/test-tonic.ts';
import { runTonic } from './run-tonic.ts';

const LIMIT = { timeout: 180_000 };

describe('tonic notifications and Telegram links', () => {
  let t: TestTonic;
  let server: TestServer;
  let slack: HttpReceiver;
  const tonic = (...args: string[]) => runTonic(args, { TONIC_URL: server.url, TONIC_TOKEN: ADMIN_TOKEN });

  before(async () => {
    slack = await startHttpReceiver();
    t = await createTestTonic({
      dialect: 'sqlite',
      systems: [testSystem({ channels: [{ name: 'dev-slack', kind: 'slack', webhookUrl: `${slack.url}/gone`, events: ['bug.reported'], language: 'en', remindAfterMs: 0 }] })],
    });
    server = await startTestServer(t);
  });
  after(async () => {
    await server?.close();
    await t?.close();
    await slack?.close();
  });

  test('users link-telegram prints a one-time code on stdout and how to use it on stderr', LIMIT, async () => {
    const made = await tonic('users', 'link-telegram', '--user', 'manager');
    assert.equal(made.code, 0, made.stderr);
    const code = made.stdout.trim();
    assert.match(code, /^[A-HJ-NP-Z2-9]{8}$/);
    assert.match(made.stderr, new RegExp(`^send "/link ${code}" to the Tonic bot in Telegram to link that account to manager; the code works once, until 2026-11-26T04:15:00.000Z`));
    const stored = await t.tonic.db.selectFrom('telegram_link_codes').select(['code_hash', 'used_at']).execute();
    assert.deepEqual(stored, [{ code_hash: hashLinkCode(code), used_at: null }], 'only the hash is kept');

    const missing = await tonic('users', 'link-telegram');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--user/);
    const nobody = await tonic('users', 'link-telegram', '--user', 'nobody');
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /^error: user nobody does not exist \(not_found, HTTP 404\)/);
  });

  test('notifications list --status failed shows what did not go out and why; resend queues it again', LIMIT, async () => {
    slack.answerNext(1, { status: 404, body: 'no_service' });
    await t.tonic.bugs.report(t.actors.developer, 'shop', { title: 'Slack is gone', description: '', severity: 'low', foundInEnv: 'uat' });
    await t.tonic.notifications.worker.tick();
    const failed = await tonic('notifications', 'list', '--status', 'failed');
    assert.equal(failed.code, 0, failed.stderr);
    const lines = failed.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+SYSTEM\s+CHANNEL\s+EVENT\s+STATUS\s+TRIES\s+WHY$/);
    assert.match(lines[1]!, /^(\d+)\s+shop\s+dev-slack\s+bug\.reported\s+failed\s+1\s+the channel refused the message, and retrying cannot help: HTTP 404: no_service$/);
    const id = /^(\d+)/.exec(lines[1]!)![1]!;

    const resent = await tonic('notifications', 'resend', id);
    assert.equal(resent.code, 0, resent.stderr);
    assert.equal(resent.stdout.trim(), `notification ${id} (bug.reported to dev-slack) is queued again; the delivery worker sends it within seconds`);
    await t.tonic.notifications.worker.tick();
    assert.equal(slack.delivered.length, 1);
    const sent = await tonic('notifications', 'list', '--status', 'sent', '--json');
    assert.deepEqual(JSON.parse(sent.stdout).items.map((d: { id: number }) => d.id), [Number(id)]);

    const again = await tonic('notifications', 'resend', id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is sent; only a failed or suppressed delivery can be resent \(invalid_transition, HTTP 409\)/);
    const bad = await tonic('notifications', 'list', '--status', 'lost');
    assert.equal(bad.code, 2);
  });
});

/**
 * Two server instances on one PostgreSQL database drain the same outbox at the same time (DESIGN.md
 * decision 12, "Scale beyond one machine"): claims with FOR UPDATE SKIP LOCKED, so no message is
 * sent twice and none is lost, while new messages keep arriving. (SQLite has a single writer.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type DatabaseHandle } from '../../../src/adapters/db/database.ts';
import { composeTonic, type Tonic } from '../../../src/compose.ts';
import type { ChannelConfig } from '../../../src/config/channels-config.ts';
import { ADMIN_USERNAME, type Actor } from '../../../src/features/identity/identity-service.ts';
import { createFakeClock } from '../../../src/shared/clock.ts';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { startHttpReceiver, type HttpReceiver } from '../../support/http-receiver.ts';
import { startTelegramStandIn, type TelegramStandIn } from '../../support/telegram-stand-in.ts';
import { ADMIN_TOKEN, testSystem } from '../../support/test-tonic.ts';

const CHAT = '-100777';

describe('two instances on one PostgreSQL database', { skip: !DIALECTS.includes('postgres') && 'PostgreSQL is not among TONIC_TEST_DIALECTS' }, () => {
  let first: TestDatabase;
  let second: DatabaseHandle;
  let tg: TelegramStandIn;
  let hook: HttpReceiver;
  let a: Tonic;
  let b: Tonic;

  before(async () => {
    first = await openTestDatabase('postgres');
    second = await openDatabase({ url: first.url, poolSize: 4 });
    tg = await startTelegramStandIn({ chats: [CHAT] });
    hook = await startHttpReceiver();
    const channels: ChannelConfig[] = [
      { name: 'ops-chat', kind: 'telegram', bot: 'ops', chatId: CHAT, buttons: true, events: ['bug.*'], language: 'en', remindAfterMs: 0 },
      { name: 'hook', kind: 'webhook', url: hook.url, secret: 'webhook-secret-0123456789', events: ['bug.reported'], language: 'en', remindAfterMs: 0 },
      { name: 'hook-2', kind: 'webhook', url: `${hook.url}/second`, secret: 'webhook-secret-0123456789', events: ['bug.reported'], language: 'zh-Hant', remindAfterMs: 0 },
    ];
    const config = {
      file: '(test)',
      systems: [testSystem({ channels })],
      channels: {
        telegramBots: [{ name: 'ops', token: tg.token, updates: 'none' as const, webhookSecret: null, apiRoot: tg.apiRoot }],
        smtp: null,
        remindAfterMs: 0,
        retry: { maxAttempts: 5, firstDelayMs: 1_000, maxDelayMs: 10_000 },
      },
    };
    const clock = createFakeClock('2026-11-26T04:00:00Z');
    a = composeTonic({ database: first, config, clock, home: '/tmp', instance: 'instance-a' });
    b = composeTonic({ database: second, config, clock, home: '/tmp', instance: 'instance-b' });
    await a.identity.bootstrap(ADMIN_TOKEN);
    await a.identity.createUser({ username: ADMIN_USERNAME, role: 'admin' }, { username: 'developer', role: 'developer' });
  });
  after(async () => {
    await second?.close();
    await first?.close();
    await tg?.close();
    await hook?.close();
  });

  test('both drain at once while bugs are reported: every message reaches every channel exactly once', async () => {
    const developer: Actor = { username: 'developer', role: 'developer' };
    const reported: number[] = [];
    // Reports arrive on both instances while both workers tick concurrently.
    for (let round = 0; round < 6; round++) {
      const reports = Array.from({ length: 5 }, (_, i) =>
        (i % 2 ? a : b).bugs.report(developer, 'shop', { title: `Bug ${round}-${i}`, description: 'steps', severity: 'low', foundInEnv: 'uat' }).then((bug) => reported.push(bug.id)),
      );
      await Promise.all([...reports, a.notifications.worker.tick(), b.notifications.worker.tick(), a.notifications.worker.tick()]);
    }
    for (let i = 0; i < 10; i++) await Promise.all([a.notifications.worker.tick(), b.notifications.worker.tick()]);

    const ids = [...reported].sort((x, y) => x - y);
    assert.equal(ids.length, 30);
    // Reports committed concurrently reach the outbox in commit order, not id order: compare as sets.
    const sentIds = tg.sent.map((s) => Number(/#(\d+) \[low\]/.exec(s.text)?.[1]));
    assert.deepEqual([...sentIds].sort((x, y) => x - y), ids, 'Telegram got each bug once');
    for (const path of ['/', '/second']) {
      const got = hook.delivered.filter((r) => r.path === path).map((r) => r.json.payload.bug.id as number);
      assert.deepEqual([...got].sort((x, y) => x - y), ids, `webhook ${path}: each once`);
    }
    // Each channel went out in the order its deliveries were made (routing order).
    const made = await a.db.selectFrom('notification_deliveries').select(['channel', 'idempotency_key', 'external_id']).orderBy('id').execute();
    const telegramIds = made.filter((d) => d.channel === 'ops-chat').map((d) => Number(d.external_id!.split(':')[1]));
    assert.deepEqual(telegramIds, [...telegramIds].sort((x, y) => x - y), 'Telegram message ids rise with the delivery ids');
    for (const [channel, path] of [['hook', '/'], ['hook-2', '/second']] as const) {
      assert.deepEqual(
        hook.delivered.filter((r) => r.path === path).map((r) => r.headers['idempotency-key']),
        made.filter((d) => d.channel === channel).map((d) => d.idempotency_key),
        `${channel} received in delivery order`,
      );
    }
    assert.equal(new Set(hook.received.map((r) => r.headers['idempotency-key'])).size, hook.received.length, 'no key sent twice');
    const rows = await a.db.selectFrom('notification_deliveries').select(['status', 'attempts']).execute();
    assert.equal(rows.length, 90);
    assert.ok(rows.every((r) => r.status === 'sent' && r.attempts === 1), JSON.stringify(rows.filter((r) => r.status !== 'sent' || r.attempts !== 1)));
    const outbox = await a.db.selectFrom('outbox').select('status').where('event', '=', 'bug.reported').execute();
    assert.ok(outbox.every((m) => m.status === 'routed'));
  });
});

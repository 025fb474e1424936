/**
 * The delivery worker against real servers on loopback: a stand-in of the Telegram Bot API
 * (through grammY), HTTP receivers for Slack and a webhook, an SMTP server; a fake clock for the
 * retries; on every dialect.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { signWebhook } from '../../../src/adapters/deploy/webhook-driver.ts';
import type { ChannelConfig, ChannelDefaults } from '../../../src/config/channels-config.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startHttpReceiver, type HttpReceiver } from '../../support/http-receiver.ts';
import { startSmtpStandIn, type SmtpStandIn } from '../../support/smtp-stand-in.ts';
import { startTelegramStandIn, type TelegramStandIn } from '../../support/telegram-stand-in.ts';
import { createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../../support/test-tonic.ts';

const CHAT = '-1001234567890';
const HOOK_SECRET = 'webhook-secret-0123456789';
const HOUR = 3_600_000;

type World = { t: TestTonic; tg: TelegramStandIn; slack: HttpReceiver; hook: HttpReceiver; smtp: SmtpStandIn; server: TestServer };

type StandIns = Omit<World, 't' | 'server'>;

async function world(dialect: (typeof DIALECTS)[number], channels: (w: StandIns) => ChannelConfig[], extraBots: (w: StandIns) => ChannelDefaults['telegramBots'] = () => []): Promise<World> {
  const tg = await startTelegramStandIn({ chats: [CHAT] });
  const slack = await startHttpReceiver();
  const hook = await startHttpReceiver();
  const smtp = await startSmtpStandIn();
  const stands = { tg, slack, hook, smtp };
  const t = await createTestTonic({
    dialect,
    systems: [testSystem({ channels: channels(stands) })],
    channels: {
      telegramBots: [{ name: 'ops', token: tg.token, updates: 'none', webhookSecret: null, apiRoot: tg.apiRoot }, ...extraBots(stands)],
      smtp: { host: smtp.host, port: smtp.port, secure: false, user: null, password: null, from: 'Tonic Deploy <tonic@shop.example>' },
      remindAfterMs: 12 * HOUR,
      retry: { maxAttempts: 5, firstDelayMs: 30_000, maxDelayMs: 10 * 60_000 },
    },
  });
  const server = await startTestServer(t);
  return { t, server, ...stands };
}

const common = { language: 'en' as const, remindAfterMs: 12 * HOUR };
const telegram = (events: string[], more: Partial<ChannelConfig> = {}): ChannelConfig =>
  ({ name: 'ops-chat', kind: 'telegram', bot: 'ops', chatId: CHAT, buttons: true, events, ...common, ...more }) as ChannelConfig;

async function report(w: World, title: string) {
  return w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title, description: 'steps', severity: 'medium', foundInEnv: 'prod', module: 'checkout' });
}

const tick = (w: World) => w.t.tonic.notifications.worker.tick();
const deliveries = async (w: World, status?: string) =>
  (await w.server.request('admin', 'GET', `/api/v1/notifications?limit=200${status ? `&status=${status}` : ''}`)).body.items as {
    id: number;
    channel: string;
    event: string;
    status: string;
    attempts: number;
    lastError: string | null;
    answer: string | null;
    externalId: string | null;
    nextAttemptAt: string;
    text: string | null;
  }[];

for (const dialect of DIALECTS) {
  describe(`notification delivery on ${dialect}`, () => {
    const worlds: World[] = [];
    const make = async (...args: Parameters<typeof world> extends [unknown, ...infer R] ? R : never) => {
      const w = await world(dialect, ...args);
      worlds.push(w);
      return w;
    };
    afterEach(async () => {
      for (const w of worlds.splice(0)) {
        await w.server.close();
        await w.t.close();
        await w.tg.close();
        await w.slack.close();
        await w.hook.close();
        await w.smtp.close();
      }
    });

    test('channels down for a while, then back: every message arrives exactly once, in order, each channel probed one message at a time', async () => {
      const w = await make(({ slack, hook }) => [
        telegram(['bug.reported']),
        { name: 'slack', kind: 'slack', webhookUrl: `${slack.url}/services/T1/B1/x`, events: ['bug.*'], ...common },
        { name: 'hook', kind: 'webhook', url: `${hook.url}/tonic`, secret: HOOK_SECRET, events: ['bug.reported'], ...common },
        { name: 'mail', kind: 'email', to: ['ops@shop.example'], events: ['bug.reported'], ...common },
      ]);
      w.tg.failSends(Infinity, { status: 502, description: 'Bad Gateway' });
      w.slack.answerNext(Infinity, { status: 503, body: 'service unavailable' });
      w.hook.answerNext(Infinity, { status: 500, body: 'receiver down' });
      w.smtp.deferNext(Infinity);
      const bugs = [await report(w, 'First bug'), await report(w, 'Second bug'), await report(w, 'Third bug')];

      await tick(w);
      assert.equal(w.tg.calls.filter((c) => c === 'sendMessage').length, 1, 'one probe of Telegram, not three');
      assert.equal(w.slack.received.length, 1);
      assert.equal(w.hook.received.length, 1);
      let pending = await deliveries(w, 'pending');
      assert.equal(pending.length, 12);
      const firstTg = pending.find((d) => d.channel === 'ops-chat' && d.attempts === 1)!;
      assert.equal(firstTg.lastError, 'attempt 1 failed: HTTP 502: Bad Gateway');
      assert.equal(firstTg.nextAttemptAt, new Date(w.t.clock.now().getTime() + 30_000).toISOString(), 'first retry after 30 s');
      assert.match(pending.find((d) => d.channel === 'mail' && d.attempts === 1)!.lastError ?? '', /^attempt 1 failed: .*451/);

      await tick(w); // not due yet
      assert.equal(w.slack.received.length, 1);
      w.t.clock.advance(30_000);
      await tick(w);
      assert.equal(w.slack.received.length, 2, 'second attempt after the backoff');
      pending = await deliveries(w, 'pending');
      assert.equal(pending.find((d) => d.channel === 'slack' && d.attempts === 2)?.nextAttemptAt, new Date(w.t.clock.now().getTime() + 60_000).toISOString(), 'the wait doubles');

      w.tg.up();
      w.slack.up();
      w.hook.up();
      w.smtp.deferNext(0);
      w.t.clock.advance(60_000);
      await tick(w);
      const titles = bugs.map((b) => `#${b.id} [medium] ${b.title}`);
      assert.deepEqual(
        w.tg.sent.map((s) => s.text.split('\n')[2]),
        titles.map((t) => `• ${t}`),
        'Telegram got the three, in order',
      );
      assert.deepEqual(w.slack.delivered.map((r) => r.json.blocks[1].text.text.split('\n')[0]), titles.map((t) => `• ${t}`));
      assert.deepEqual(w.hook.delivered.map((r) => r.json.payload.bug.id), bugs.map((b) => b.id));
      assert.deepEqual(w.smtp.mails.map((m) => m.text.split('\n')[2]), titles.map((t) => `• ${t}`));

      // Later ticks send nothing again.
      w.t.clock.advance(HOUR);
      await tick(w);
      await tick(w);
      assert.equal(w.tg.sent.length, 3);
      assert.equal(w.slack.delivered.length, 3);
      assert.equal(w.hook.delivered.length, 3);
      assert.equal(w.smtp.mails.length, 3);
      const sent = await deliveries(w, 'sent');
      assert.equal(sent.length, 12);
      assert.ok(sent.filter((d) => d.channel === 'ops-chat').every((d) => /^-1001234567890:\d+$/.test(d.externalId ?? '')), 'Telegram message ids recorded');

      // The webhook: signed like the deploy driver, one Idempotency-Key per message, the same on every attempt.
      for (const r of w.hook.delivered) {
        const ts = String(r.headers['x-tonic-timestamp']);
        assert.equal(r.headers['x-tonic-signature'], signWebhook(HOOK_SECRET, ts, r.body));
        assert.equal(r.headers['x-tonic-event'], 'bug.reported');
      }
      const keys = w.hook.received.map((r) => r.headers['idempotency-key']);
      assert.deepEqual([...new Set(keys)], [`bug.reported:${bugs[0]!.id}@shop/hook`, `bug.reported:${bugs[1]!.id}@shop/hook`, `bug.reported:${bugs[2]!.id}@shop/hook`]);
      assert.equal(w.hook.delivered[0]!.json.id, `bug.reported:${bugs[0]!.id}@shop/hook`);

      // The email: subject and body from the template, a Message-ID derived from the key.
      const mail = w.smtp.mails[0]!;
      assert.deepEqual(mail.to, ['ops@shop.example']);
      assert.equal(mail.subject, '[shop] 🐞 New bug awaiting review — shop');
      assert.equal(mail.text, `🐞 New bug awaiting review — shop\n\n• #${bugs[0]!.id} [medium] First bug\nReported by: developer\n\nNext: a manager confirms or rejects it.`);
      assert.match(mail.headers['message-id'] ?? '', /^<[0-9a-f]{32}@shop\.example>$/);

      // Slack: Block Kit with a header, the text, and the system and event as context.
      assert.deepEqual(w.slack.delivered[0]!.json.blocks.map((b: { type: string }) => b.type), ['header', 'section', 'context']);
      assert.equal(w.slack.delivered[0]!.json.blocks[0].text.text, '🐞 New bug awaiting review — shop');
      assert.equal(w.slack.delivered[0]!.json.blocks[2].elements[0].text, 'shop · bug.reported');
    });

    test('a bad bot token (401), a chat that does not exist (400) and a Slack URL answering 404 fail at once with the answer recorded, visible, and not retried; an admin resends', async () => {
      const w = await make(
        ({ slack }) => [
          telegram(['bug.reported'], { name: 'wrong-token', bot: 'stale' }),
          telegram(['bug.reported'], { name: 'no-chat', chatId: '-100999' }),
          { name: 'slack', kind: 'slack', webhookUrl: `${slack.url}/services/gone`, events: ['bug.reported'], ...common },
        ],
        // A bot whose token the Bot API (the stand-in) does not know any more.
        ({ tg }) => [{ name: 'stale', token: '999:revoked', updates: 'none', webhookSecret: null, apiRoot: tg.apiRoot }],
      );
      w.slack.answerNext(Infinity, { status: 404, body: 'no_service' });
      const bug = await report(w, 'Unreachable');
      await tick(w);

      const failed = await deliveries(w, 'failed');
      const byChannel = Object.fromEntries(failed.map((d) => [d.channel, d]));
      assert.deepEqual(Object.keys(byChannel).sort(), ['no-chat', 'slack', 'wrong-token']);
      assert.equal(byChannel['wrong-token']!.answer, 'HTTP 401: Unauthorized');
      assert.equal(byChannel['no-chat']!.answer, 'HTTP 400: Bad Request: chat not found');
      assert.equal(byChannel['slack']!.answer, 'HTTP 404: no_service');
      for (const d of failed) {
        assert.equal(d.attempts, 1);
        assert.match(d.lastError ?? '', /^the channel refused the message, and retrying cannot help: HTTP 40[014]/);
      }
      const requests = w.slack.received.length + w.tg.calls.length;
      w.t.clock.advance(24 * HOUR);
      await tick(w);
      assert.equal(w.slack.received.length + w.tg.calls.length, requests, 'nothing was tried again');

      // Fixed at the channel's end; the admin resends, a manager may not.
      w.tg.addChat('-100999');
      const id = byChannel['no-chat']!.id;
      const refused = await w.server.request('manager', 'POST', `/api/v1/notifications/${id}/resend`, {});
      assert.equal(refused.status, 403);
      const resent = await w.server.request('admin', 'POST', `/api/v1/notifications/${id}/resend`, {});
      assert.equal(resent.status, 200, JSON.stringify(resent.body));
      assert.equal(resent.body.status, 'pending');
      await tick(w);
      assert.equal(w.tg.sent.length, 1);
      assert.equal(w.tg.sent[0]!.chatId, '-100999');
      assert.match(w.tg.sent[0]!.text, new RegExp(`#${bug.id} \\[medium\\] Unreachable`));
      const again = await w.server.request('admin', 'POST', `/api/v1/notifications/${id}/resend`, {});
      assert.equal(again.status, 409, 'a sent delivery is not resent');
      const audit = await w.t.tonic.audit.list(w.t.tonic.db, { stream: 'shop', subject: `notification:${id}`, limit: 10 });
      assert.deepEqual(audit.map((e) => [e.action, e.actor]), [['notification.resent', 'admin']]);
    });

    test("Telegram's 429 is honoured: the retry waits retry_after, not the shorter backoff", async () => {
      const w = await make(() => [telegram(['bug.reported'])]);
      w.tg.failSends(1, { status: 429, description: 'Too Many Requests: retry after 120', retryAfter: 120 });
      await report(w, 'Busy chat');
      await tick(w);
      const [pending] = await deliveries(w, 'pending');
      assert.equal(pending?.lastError, 'attempt 1 failed: HTTP 429: Too Many Requests: retry after 120');
      w.t.clock.advance(30_000);
      await tick(w);
      assert.equal(w.tg.calls.filter((c) => c === 'sendMessage').length, 1, 'not before retry_after');
      w.t.clock.advance(90_000);
      await tick(w);
      assert.equal(w.tg.sent.length, 1);
    });

    test('after maxAttempts the delivery is failed with the last answer', async () => {
      const w = await make(({ hook }) => [{ name: 'hook', kind: 'webhook', url: hook.url, secret: HOOK_SECRET, events: ['bug.reported'], ...common }]);
      w.hook.answerNext(Infinity, { status: 503, body: 'maintenance' });
      await report(w, 'Never delivered');
      for (let i = 0; i < 6; i++) {
        await tick(w);
        w.t.clock.advance(10 * 60_000);
      }
      assert.equal(w.hook.received.length, 5);
      const [failed] = await deliveries(w, 'failed');
      assert.equal(failed?.lastError, 'gave up after 5 attempts; the last answer: HTTP 503: maintenance');
    });

    test('a template placeholder with no value is a recorded failure, never a message with "undefined"', async () => {
      const w = await make(() => [telegram(['t1.*'])]);
      const at = w.t.clock.now();
      await w.t.tonic.db.transaction().execute((trx) =>
        w.t.tonic.outbox.enqueue(trx, {
          system: 'shop',
          event: 't1.flow1.deployed_uat',
          payload: { flow: 'flow1', release: 'v1.0.1', bugs: [{ id: 4, severity: 'low' }], t2At: '2026-11-26T14:00:00.000Z' },
          idempotencyKey: 't1.flow1.deployed_uat:broken',
          at,
        }),
      );
      await tick(w);
      assert.equal(w.tg.sent.length, 0);
      const [failed] = await deliveries(w, 'failed');
      assert.equal(failed?.lastError, 'template t1.flow1.deployed_uat: placeholders bugs[0].title, uatUrl have no value in the message');
      assert.equal(failed?.attempts, 1);
    });

    test('quiet by design: the same waiting state is announced again only after remindAfterHours; a changed one at once', async () => {
      const w = await make(() => [telegram(['release.held'])]);
      const held = async (key: string, waiting: number[]) => {
        const at = w.t.clock.now();
        await w.t.tonic.db.transaction().execute((trx) =>
          w.t.tonic.outbox.enqueue(trx, {
            system: 'shop',
            event: 'release.held',
            payload: { release: 'v1.0.1', ready: [{ id: 1, severity: 'low', title: 'Ready one' }], waiting: waiting.map((id) => ({ id, severity: 'low', title: `Bug ${id}`, reason: 'is not approved yet' })), t2At: '2026-11-27T14:00:00.000Z' },
            idempotencyKey: `release.held:${key}`,
            at,
          }),
        );
        await tick(w);
      };
      await held('night-1', [2]);
      w.t.clock.advance(2 * HOUR); // a manual T2 the same evening
      await held('manual', [2]);
      assert.equal(w.tg.sent.length, 1, 'the repeat is kept quiet');
      const [suppressed] = await deliveries(w, 'suppressed');
      assert.match(suppressed?.lastError ?? '', /^the same waiting state went to ops-chat at .*; it is repeated at most every 720 minutes \(remindAfterHours\)$/);
      await held('changed', [2, 3]);
      assert.equal(w.tg.sent.length, 2, 'another bug waits now: a new state');
      w.t.clock.advance(22 * HOUR); // the next night
      await held('night-2', [2, 3]);
      assert.equal(w.tg.sent.length, 3, 'reminded the next night');
    });

    test('a send cut short by a crash: a webhook is sent again with the same Idempotency-Key; Telegram is not, and says why', async () => {
      const w = await make(({ hook }) => [telegram(['bug.reported']), { name: 'hook', kind: 'webhook', url: hook.url, secret: HOOK_SECRET, events: ['bug.reported'], ...common }]);
      await report(w, 'Crash while sending');
      // Route it, then let a phantom instance claim both deliveries and die before recording anything.
      w.hook.answerNext(Infinity, { status: 503, body: 'not yet' });
      w.tg.failSends(Infinity, { status: 502, description: 'Bad Gateway' });
      await tick(w);
      w.hook.up();
      w.tg.up();
      w.t.clock.advance(60_000);
      const now = w.t.clock.now();
      const claimed = await w.t.tonic.notifications.store.claimDue(w.t.tonic.db, { now, instance: 'killed-instance', leaseUntil: new Date(now.getTime() + 60_000), limit: 10 });
      assert.equal(claimed.length, 2);
      await tick(w);
      assert.equal(w.hook.delivered.length, 0, 'a claimed send is left alone while its lease runs');
      w.t.clock.advance(61_000);
      await tick(w);
      assert.equal(w.tg.sent.length, 0, 'never posted twice to Telegram');
      assert.equal(w.hook.delivered.length, 1);
      assert.equal(new Set(w.hook.received.map((r) => r.headers['idempotency-key'])).size, 1, 'the same key as the attempt that was cut short');
      const [failed] = await deliveries(w, 'failed');
      assert.equal(failed?.channel, 'ops-chat');
      assert.match(failed?.lastError ?? '', /^attempt 2 was cut short \(the sending instance killed-instance stopped\) and telegram cannot recognise a repeat: the message may or may not have arrived/);
    });

    test('email: an unknown mailbox (550) fails at once; every recipient refused is a failure', async () => {
      const w = await make(() => [{ name: 'mail', kind: 'email', to: ['nobody@shop.example'], events: ['bug.reported'], ...common }]);
      w.smtp.unknownRecipients.add('nobody@shop.example');
      await report(w, 'Mail to nobody');
      await tick(w);
      const [failed] = await deliveries(w, 'failed');
      assert.match(failed?.answer ?? '', /550/);
      assert.equal(failed?.attempts, 1);
      assert.equal(w.smtp.mails.length, 0);
    });

    test('the list needs a role that reads deliveries; filters by status', async () => {
      const w = await make(() => [telegram(['bug.reported'])]);
      await report(w, 'Listed');
      await tick(w);
      assert.equal((await w.server.request('viewer', 'GET', '/api/v1/notifications')).status, 403);
      const manager = await w.server.request('manager', 'GET', '/api/v1/notifications?status=sent');
      assert.equal(manager.status, 200);
      assert.equal(manager.body.items.length, 1);
      assert.match(manager.body.items[0].text, /Listed/);
      assert.equal((await w.server.request('manager', 'GET', '/api/v1/notifications?status=failed')).body.items.length, 0);
      assert.equal((await w.server.request('manager', 'GET', '/api/v1/notifications?status=lost')).status, 400);
    });
  });
}

/**
 * Telegram end to end: real T1/T2 runs (a git repository, deploy commands as child processes,
 * health checks over HTTP) announce themselves through grammY to a stand-in of the Bot API on
 * loopback; people link their accounts with /link, approve from the buttons, and ask /status and
 * /plan, with updates arriving by long polling; and updates by webhook need Telegram's secret.
 * The system's zone is Asia/Hong_Kong: T1 20:00 is 12:00Z, T2 22:00 is 14:00Z.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { shortCommit } from '../../../src/features/notifications/templates/message-format.ts';
import type { ChannelConfig, TelegramBotConfig } from '../../../src/config/channels-config.ts';
import { DIALECTS } from '../../support/databases.ts';
import { startTestEnvironments, type TestEnvironments } from '../../support/environments.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTelegramStandIn, type SentMessage, type TelegramStandIn, type TelegramUser } from '../../support/telegram-stand-in.ts';
import { createTestTonic, startTestServer, testSystem, type TestServer, type TestTonic } from '../../support/test-tonic.ts';

const CHAT = '-1001234567890';
const APP = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
const WEBHOOK_SECRET = 'telegram-secret_0123456789';

const bob: TelegramUser = { id: 501, first_name: 'Bob', username: 'bob_mgr' };
const vera: TelegramUser = { id: 502, first_name: 'Vera', username: 'vera_viewer' };
const stranger: TelegramUser = { id: 503, first_name: 'Stranger' };

type World = {
  t: TestTonic;
  server: TestServer;
  tg: TelegramStandIn;
  repo: TestRepo;
  envs: TestEnvironments;
  base: string;
  ahead: string;
  stopPolling: () => Promise<void>;
};

async function setup(dialect: (typeof DIALECTS)[number], options: { uatAhead?: boolean; updates?: TelegramBotConfig['updates'] } = {}): Promise<World> {
  const repo = await createTestRepo();
  const base = await repo.commit('app 1.0.0', { 'app.txt': APP });
  await repo.git('tag', '-a', 'v1.0.0', '-m', 'v1.0.0');
  await repo.git('checkout', '-q', '-b', 'develop');
  const ahead = await repo.commit('feature for 1.1.0', { 'feature.txt': 'new feature\n' });
  await repo.git('tag', '-a', 'v1.1.0', '-m', 'v1.1.0');
  await repo.git('checkout', '-q', 'main');
  const envs = await startTestEnvironments();
  const tg = await startTelegramStandIn({ chats: [CHAT] });
  const updates = options.updates ?? 'polling';
  const channel: ChannelConfig = { name: 'ops-chat', kind: 'telegram', bot: 'ops', chatId: CHAT, buttons: true, events: ['t1.*', 't2.*', 'bug.fix_missing'], language: 'zh-Hant', remindAfterMs: 12 * 3_600_000 };
  const t = await createTestTonic({
    dialect,
    now: '2026-11-26T04:00:00Z',
    systems: [testSystem({ repositoryPath: repo.path, environments: envs.config, channels: [channel] })],
    channels: {
      telegramBots: [{ name: 'ops', token: tg.token, updates, webhookSecret: updates === 'webhook' ? WEBHOOK_SECRET : null, apiRoot: tg.apiRoot }],
      smtp: null,
      remindAfterMs: 12 * 3_600_000,
      retry: { maxAttempts: 5, firstDelayMs: 30_000, maxDelayMs: 600_000 },
    },
  });
  const server = await startTestServer(t);
  await t.tonic.environments.record(t.actors.admin, 'shop', 'prod', { version: 'v1.0.0', commit: base });
  await t.tonic.environments.record(t.actors.admin, 'shop', 'uat', options.uatAhead ? { version: 'v1.1.0', commit: ahead } : { version: 'v1.0.0', commit: base });
  await t.tonic.scheduler.tick();
  const stopPolling = t.tonic.notifications.telegram.startPolling();
  return { t, server, tg, repo, envs, base, ahead, stopPolling };
}

async function fixCommit(w: World, name: string, line: number): Promise<string> {
  await w.repo.git('checkout', '-q', '-b', name, w.base);
  const sha = await w.repo.commit(`fix: ${name}`, { 'app.txt': APP.replace(`line ${line}\n`, `line ${line} fixed\n`) });
  await w.repo.git('checkout', '-q', 'main');
  return sha;
}

async function confirmed(w: World, title: string, severity: 'low' | 'medium', fix?: string) {
  const bug = await w.t.tonic.bugs.report(w.t.actors.developer, 'shop', { title, description: 'steps', severity, foundInEnv: 'prod', module: 'checkout' });
  if (fix) await w.t.tonic.bugs.attachFix(w.t.actors.developer, 'shop', bug.id, { commit: fix });
  return w.t.tonic.bugs.confirm(w.t.actors.manager, 'shop', bug.id, { flow: 'auto' });
}

/** Moves the clock, lets the scheduler run what is due, then delivers the messages. */
async function at(w: World, iso: string) {
  w.t.clock.set(iso);
  const runs = await w.t.tonic.scheduler.tick();
  await w.t.tonic.notifications.worker.tick();
  return runs;
}

const status = async (w: World, id: number) => (await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', id)).status;
const inChat = (w: World) => w.tg.sent.filter((s) => s.chatId === CHAT);

/** Links `user`'s Telegram account to a Tonic user with a code from the API, by /link over long polling. */
async function link(w: World, username: string, user: TelegramUser): Promise<void> {
  const made = await w.server.request('admin', 'POST', `/api/v1/users/${username}/telegram-link`, {});
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.match(made.body.code, /^[A-HJ-NP-Z2-9]{8}$/);
  w.tg.queueUpdate(w.tg.say(user, `/link ${made.body.code}`));
  const reply = await w.tg.waitFor(`the reply to ${username}'s /link`, () => w.tg.sent.find((s) => s.chatId === String(user.id) && s.text.startsWith('Linked')));
  assert.equal(reply.text, `Linked: this Telegram account acts as ${username} (${username}) in Tonic. The approval buttons work for you wherever your role may approve.`);
}

/** Presses a button and waits for the bot's answer to that press. */
async function press(w: World, user: TelegramUser, message: SentMessage, data: string) {
  const before = w.tg.answers.length;
  w.tg.queueUpdate(w.tg.press(user, message, data));
  return w.tg.waitFor('the answer to the press', () => (w.tg.answers.length > before ? w.tg.answers[before] : undefined));
}

async function deliveryOf(w: World, event: string): Promise<number> {
  const page = await w.server.request('admin', 'GET', `/api/v1/notifications?event=${event}`);
  return page.body.items[0].id as number;
}

for (const dialect of DIALECTS) {
  describe(`Telegram on ${dialect}`, () => {
    const worlds: World[] = [];
    const world = async (options?: Parameters<typeof setup>[1]) => {
      const w = await setup(dialect, options);
      worlds.push(w);
      return w;
    };
    afterEach(async () => {
      for (const w of worlds.splice(0)) {
        await w.stopPolling();
        await w.server.close();
        await w.t.close();
        await w.tg.close();
        await w.envs.close();
        w.repo.remove();
      }
    });

    test('Flow 1: the T1 message lists the run\'s bugs with approve buttons; a linked manager approves from it, others are refused and nothing changes', async () => {
      const w = await world();
      await link(w, 'manager', bob);
      await link(w, 'viewer', vera);
      const a = await confirmed(w, 'Checkout total wrong', 'medium', await fixCommit(w, 'fix/a', 3));
      const b = await confirmed(w, 'Coupon ignored', 'low', await fixCommit(w, 'fix/b', 7));
      const c = await confirmed(w, 'No fix yet', 'low');

      const [t1] = await at(w, '2026-11-26T12:00:05Z');
      assert.equal(t1?.status, 'succeeded', JSON.stringify(t1?.report));
      const [missing, t1Message] = inChat(w);
      assert.equal(inChat(w).length, 2, inChat(w).map((s) => s.text).join('\n---\n'));
      assert.equal(missing!.text, `🧩 未附修正,T1 已略過 — shop\n\n• #${c.id} [low] No fix yet\n\n請在下一個 T1 前附上修正:tonic bugs attach-fix ID --branch NAME`);
      assert.equal(
        t1Message!.text,
        [
          '🔧 Bug Fix Pipeline — Flow 1 已部署 UAT',
          '',
          `• #${a.id} [medium] Checkout total wrong`,
          `• #${b.id} [low] Coupon ignored`,
          '',
          '📦 Release: v1.0.1',
          '',
          `✅ 請驗收 UAT:${w.envs.config.uat.url}`,
          '確認後請點「批准推 PROD」。',
          '下次 T2 時間:2026-11-26 22:00 HKT',
        ].join('\n'),
      );
      const d = await deliveryOf(w, 't1.flow1.deployed_uat');
      assert.deepEqual(t1Message!.replyMarkup, {
        inline_keyboard: [
          [{ text: `批准推 PROD #${a.id}`, callback_data: `a:${d}:0:0` }],
          [{ text: `批准推 PROD #${b.id}`, callback_data: `a:${d}:1:0` }],
          [{ text: '批准推 PROD(全部 2 個)', callback_data: `a:${d}:2:0` }],
        ],
      });

      w.t.clock.set('2026-11-26T13:00:00Z'); // 21:00 HKT, before the cutoff
      const unlinked = await press(w, stranger, t1Message!, `a:${d}:0:0`);
      assert.deepEqual(unlinked, {
        callbackQueryId: unlinked.callbackQueryId,
        text: '此 Telegram 帳戶未連結 Tonic 使用者。請向管理員索取連結碼(tonic users link-telegram --user 名稱),再向本機械人發送 /link 連結碼。',
        showAlert: true,
      });
      const viewer = await press(w, vera, t1Message!, `a:${d}:0:0`);
      assert.equal(viewer.text, '未有批准:viewer (viewer on shop) may not do this: approving deploys needs manager or admin or cto');
      assert.equal(viewer.showAlert, true);
      assert.equal(await status(w, a.id), 'deployed_uat', 'nothing changed');
      assert.equal(w.tg.edits.length, 0, 'the message is untouched');

      const approved = await press(w, bob, t1Message!, `a:${d}:0:0`);
      assert.equal(approved.text, `已以 manager 身份批准 #${a.id}:T2 2026-11-26 22:00 HKT。`);
      const shown = await w.t.tonic.bugs.get(w.t.actors.viewer, 'shop', a.id);
      assert.equal(shown.status, 'pending_prod');
      assert.equal(shown.runsAt, '2026-11-26T14:00:00.000Z');
      assert.deepEqual(shown.history.at(-1), { ...shown.history.at(-1), action: 'approve_prod', from: 'deployed_uat', to: 'pending_prod', actor: 'manager' });
      const audit = await w.t.tonic.audit.list(w.t.tonic.db, { stream: 'shop', subject: `bug:${a.id}`, limit: 1 });
      assert.deepEqual([audit[0]?.action, audit[0]?.actor], ['bug.approve_prod', 'manager'], 'audited as the API would');
      const firstEdit = w.tg.edits.at(-1)!;
      assert.equal(firstEdit.messageId, t1Message!.messageId);
      assert.equal(firstEdit.text, `${t1Message!.text}\n\n✅ #${a.id} 已由 manager 批准推 PROD,將於 T2(2026-11-26 22:00 HKT)部署。`);
      assert.deepEqual(firstEdit.replyMarkup, { inline_keyboard: [[{ text: `批准推 PROD #${b.id}`, callback_data: `a:${d}:1:0` }]] }, 'only the waiting bug keeps a button');

      // The batch button, pressed from an older screen, approves what is left.
      const batch = await press(w, bob, t1Message!, `a:${d}:2:0`);
      assert.equal(batch.text, `已以 manager 身份批准 #${b.id}:T2 2026-11-26 22:00 HKT。`);
      assert.equal(await status(w, b.id), 'pending_prod');
      const lastEdit = w.tg.edits.at(-1)!;
      assert.equal(
        lastEdit.text,
        `${t1Message!.text}\n\n✅ #${a.id} 已由 manager 批准推 PROD,將於 T2(2026-11-26 22:00 HKT)部署。\n✅ #${b.id} 已由 manager 批准推 PROD,將於 T2(2026-11-26 22:00 HKT)部署。`,
      );
      assert.deepEqual(lastEdit.replyMarkup, { inline_keyboard: [] });

      const [t2] = await at(w, '2026-11-26T14:00:03Z');
      assert.equal(t2?.status, 'succeeded', JSON.stringify(t2?.report));
      assert.equal(
        inChat(w).at(-1)!.text,
        ['🚀 Bug Fix Pipeline — Flow 1 已部署 PROD', '', `• #${a.id} [medium] Checkout total wrong`, `• #${b.id} [low] Coupon ignored`, '', '✅ Flow 1 完成。UAT 與 PROD 版本已對齊。'].join('\n'),
      );
      assert.equal(inChat(w).at(-1)!.replyMarkup, null);

      // /status and /plan in the ops chat answer from the services, in the chat's language.
      const before = inChat(w).length;
      w.tg.queueUpdate(w.tg.say(bob, '/status', Number(CHAT)));
      const statusReply = await w.tg.waitFor('the /status reply', () => inChat(w)[before]);
      const commit = shortCommit(w.envs.running('prod')!.commit);
      assert.equal(
        statusReply.text,
        [
          '📊 shop',
          '',
          `UAT: v1.0.1 (${commit})`,
          `PROD: v1.0.1 (${commit})`,
          `現在確認的 Bug:Flow 1 — ${(await w.t.tonic.environments.describe(w.t.actors.viewer, 'shop')).flow.reason}`,
          '',
          '等待批准推 PROD:',
          '• 沒有',
          '等待批准 Merge UAT:',
          '• 沒有',
          '',
          '下次 T1:2026-11-27 20:00 HKT',
          '下次 T2:2026-11-27 22:00 HKT',
        ].join('\n'),
      );
      w.tg.queueUpdate(w.tg.say(bob, '/plan', Number(CHAT)));
      const planReply = await w.tg.waitFor('the /plan reply', () => inChat(w)[before + 1]);
      const plan = await w.t.tonic.runs.plan(w.t.actors.viewer, 'shop');
      assert.equal(
        planReply.text,
        ['🗓 計劃 — shop', '', 'T1 2026-11-27 20:00 HKT:', `• #${c.id} No fix yet: skip — ${plan.t1.bugs[0]!.reason}`, '', 'T2 2026-11-27 22:00 HKT:', '• 沒有工作'].join('\n'),
      );
      w.tg.queueUpdate(w.tg.say(stranger, '/status', Number(CHAT)));
      const refused = await w.tg.waitFor('the reply to an unlinked /status', () => inChat(w)[before + 2]);
      assert.equal(refused.text, '請先連結帳戶:/link 連結碼(管理員以 tonic users link-telegram --user 名稱 產生)');
    });

    test('Flow 2: queued, deployed to PROD with "批准 Merge UAT", approved from Telegram, merged at the next T2', async () => {
      const w = await world({ uatAhead: true });
      await link(w, 'manager', bob);
      const bug = await confirmed(w, 'Invoice rounding', 'low', await fixCommit(w, 'fix/rounding', 5));
      assert.equal(bug.fixFlow, 'flow2');

      await at(w, '2026-11-26T12:00:00Z');
      assert.equal(
        inChat(w).at(-1)!.text,
        ['🔧 Bug Fix Pipeline — Flow 2 已排隊部署 PROD', '', `• #${bug.id} [low] Invoice rounding`, '', '⏳ 今晚 T2(2026-11-26 22:00 HKT)自動部署至 PROD。', '部署後請驗收,確認後點「批准 Merge UAT」。'].join('\n'),
      );
      await at(w, '2026-11-26T14:00:00Z');
      const prod = inChat(w).at(-1)!;
      assert.equal(
        prod.text,
        ['🚀 Bug Fix Pipeline — Flow 2 已部署 PROD', '', `• #${bug.id} [low] Invoice rounding`, '', '⚠️ 請登入 PROD 驗收。', '確認正常後點「批准 Merge UAT」。', '下次 T2 時間:2026-11-27 22:00 HKT'].join('\n'),
      );
      const d = await deliveryOf(w, 't2.flow2.deployed_prod');
      assert.deepEqual(prod.replyMarkup, { inline_keyboard: [[{ text: `批准 Merge UAT #${bug.id}`, callback_data: `a:${d}:0:0` }]] });

      w.t.clock.set('2026-11-27T03:00:00Z');
      const answer = await press(w, bob, prod, `a:${d}:0:0`);
      assert.equal(answer.text, `已以 manager 身份批准 #${bug.id}:T2 2026-11-27 22:00 HKT。`);
      assert.equal(await status(w, bug.id), 'pending_uat_merge');
      assert.equal(w.tg.edits.at(-1)!.text, `${prod.text}\n\n✅ #${bug.id} 已由 manager 批准 Merge UAT,將於 T2(2026-11-27 22:00 HKT)合併。`);

      await at(w, '2026-11-27T12:00:00Z');
      await at(w, '2026-11-27T14:00:00Z');
      assert.equal(await status(w, bug.id), 'uat_merged');
      assert.equal(inChat(w).at(-1)!.text, ['✅ Bug Fix Pipeline — Flow 2 完成', '', `• #${bug.id} [low] Invoice rounding`, '', '🎉 Fix 已同步至 UAT。Flow 2 全流程完成。'].join('\n'));
    });

    test('updates by webhook: without the secret token, or with a wrong one, refused and nothing changes; with it, handled', async () => {
      const w = await world({ updates: 'webhook' });
      const made = await w.server.request('admin', 'POST', '/api/v1/users/manager/telegram-link', {});
      const update = { update_id: 900, ...w.tg.say(bob, `/link ${made.body.code}`) };

      const forged = await w.server.request(null, 'POST', '/api/v1/telegram/webhook/ops', update);
      assert.equal(forged.status, 401);
      assert.equal(forged.body.code, 'unauthenticated');
      assert.match(forged.body.detail, /X-Telegram-Bot-Api-Secret-Token header is missing or wrong/);
      const wrong = await w.server.request(null, 'POST', '/api/v1/telegram/webhook/ops', update, { 'x-telegram-bot-api-secret-token': 'telegram-secret_9876543210' });
      assert.equal(wrong.status, 401);
      assert.equal(w.tg.sent.length, 0, 'the bot said nothing');
      assert.equal(await w.t.tonic.notifications.service.actorForTelegram(String(bob.id)), null, 'nothing was linked');
      assert.equal((await w.server.request(null, 'POST', '/api/v1/telegram/webhook/nobot', update, { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET })).status, 404);

      const real = await w.server.request(null, 'POST', '/api/v1/telegram/webhook/ops', update, { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET });
      assert.equal(real.status, 200, JSON.stringify(real.body));
      assert.deepEqual(await w.t.tonic.notifications.service.actorForTelegram(String(bob.id)), { username: 'manager', role: 'manager' }, 'the code still worked: the forged updates did not use it');
      assert.match(w.tg.sent.at(-1)!.text, /^Linked: this Telegram account acts as manager/);

      const reused = await w.server.request(null, 'POST', '/api/v1/telegram/webhook/ops', { ...update, update_id: 901 }, { 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET });
      assert.equal(reused.status, 200);
      assert.match(w.tg.sent.at(-1)!.text, /^That code is not valid: it is wrong, used or expired/, 'a code works once');
    });
  });
}

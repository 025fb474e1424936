/**
 * `tonic serve` with channels configured: the delivery worker and the Telegram bot's long polling
 * run with the server (a real child process), and stop with it on SIGTERM.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startHttpReceiver } from '../support/http-receiver.ts';
import { eventually, freePort, runTonic, waitForHealth } from '../support/processes.ts';
import { startTelegramStandIn } from '../support/telegram-stand-in.ts';

const TOKEN = 'serve-test-token-0123456789';
const CHAT = '-1009876';

test('the server delivers notifications and answers Telegram while it runs, and stops both on SIGTERM', { timeout: 90_000 }, async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tonic-serve-notify-'));
  const tg = await startTelegramStandIn({ chats: [CHAT] });
  const slack = await startHttpReceiver();
  t.after(async () => {
    await tg.close();
    await slack.close();
    rmSync(cwd, { recursive: true, force: true });
  });
  writeFileSync(
    join(cwd, 'tonic.config.yaml'),
    [
      'channels:',
      '  telegramBots:',
      `    - { name: tonic, token: "\${TG_TOKEN}", updates: polling, apiRoot: "${tg.apiRoot}" }`,
      'systems:',
      '  - name: shop',
      '    timeZone: Asia/Hong_Kong',
      '    schedule: { t1: "20:00", t2: "22:00" }',
      '    environments:',
      '      uat: { url: "http://127.0.0.1:9/uat", line: develop }',
      '      prod: { url: "http://127.0.0.1:9/prod", line: main }',
      '    channels:',
      `      - { name: ops-chat, kind: telegram, bot: tonic, chatId: "${CHAT}", language: en, events: [bug.reported] }`,
      `      - { name: dev-slack, kind: slack, webhookUrl: "${slack.url}/hook", language: en, events: ["bug.*"] }`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = runTonic(['serve'], { PORT: String(port), TONIC_ADMIN_TOKEN: TOKEN, TG_TOKEN: tg.token, TONIC_NOTIFY_TICK_SECONDS: '0.2' }, cwd);
  try {
    await waitForHealth(url, server);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return (await res.json()) as any;
    };
    const bug = await post('/systems/shop/bugs', { title: 'Announced by the server', description: '', severity: 'low', foundInEnv: 'uat' });
    await eventually('the Slack message', async () => slack.delivered.length === 1);
    await eventually('the Telegram message', async () => tg.sent.some((s) => s.chatId === CHAT));
    assert.match(tg.sent[0]!.text, new RegExp(`^🐞 New bug awaiting review — shop\\n\\n• #${bug.id} \\[low\\] Announced by the server`));

    const { code } = await post('/users/admin/telegram-link', {});
    tg.queueUpdate(tg.say({ id: 77, first_name: 'Alice' }, `/link ${code}`));
    const reply = await eventually('the reply to /link', async () => tg.sent.find((s) => s.chatId === '77'));
    assert.match(reply.text, /^Linked: this Telegram account acts as admin \(admin\)/);
  } finally {
    server.child.kill('SIGTERM');
  }
  assert.equal(await server.exited, 0, server.output());
});

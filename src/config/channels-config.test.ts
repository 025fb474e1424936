import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig } from './load-config.ts';

const FILE = '/etc/tonic/tonic.config.yaml';

/** A valid system with `channels` lines, under a top-level `channels` section. */
function configWith(channels: string[], top: string[] = []): string {
  return [
    ...top,
    'systems:',
    '  - name: shop',
    '    timeZone: Asia/Hong_Kong',
    '    schedule: { t1: "20:00", t2: "22:00" }',
    '    environments:',
    '      uat: { url: "https://uat.shop.example", line: develop }',
    '      prod: { url: "https://shop.example", line: main }',
    '    channels:',
    ...channels.map((l) => `      ${l}`),
    '',
  ].join('\n');
}

const BOTS = ['channels:', '  telegramBots:', '    - { name: ops, token: "${TG_TOKEN}" }', '  smtp: { host: mail.example, from: "Tonic <tonic@example.com>" }'];

function problems(text: string, env: NodeJS.ProcessEnv = { TG_TOKEN: '123:abc' }): string[] {
  try {
    parseConfig(text, FILE, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected the configuration to be refused');
}

describe('channels in tonic.config.yaml', () => {
  test('each kind normalises with its defaults; secrets come from the environment', () => {
    const config = parseConfig(
      configWith(
        [
          '- { name: ops-chat, kind: telegram, bot: ops, chatId: -1001234567890, events: ["t1.*", "t2.*", release.held] }',
          '- { name: slack, kind: slack, webhookUrl: "${SLACK_URL}", events: ["*"], language: en, remindAfterHours: 2, validationSteps: true }',
          '- { name: hook, kind: webhook, url: "https://hooks.example/tonic", secret: "${HOOK_SECRET}", events: [bug.*] }',
          '- { name: mail, kind: email, to: [cto@example.com], events: [hotfix.deployed, rollback.executed], language: en }',
        ],
        [...BOTS, '  remindAfterHours: 6', '  retry: { maxAttempts: 4, firstDelaySeconds: 10 }'],
      ),
      FILE,
      { TG_TOKEN: '123:abc', SLACK_URL: 'https://hooks.slack.example/T/B/x', HOOK_SECRET: 'a-long-webhook-secret' },
    );
    assert.deepEqual(config.channels, {
      telegramBots: [{ name: 'ops', token: '123:abc', updates: 'polling', webhookSecret: null, apiRoot: null }],
      smtp: { host: 'mail.example', port: 587, secure: false, user: null, password: null, from: 'Tonic <tonic@example.com>' },
      remindAfterMs: 6 * 3_600_000,
      retry: { maxAttempts: 4, firstDelayMs: 10_000, maxDelayMs: 3_600_000 },
    });
    assert.deepEqual(config.systems[0]!.channels, [
      { name: 'ops-chat', events: ['t1.*', 't2.*', 'release.held'], language: 'zh-Hant', remindAfterMs: 6 * 3_600_000, validationSteps: false, kind: 'telegram', bot: 'ops', chatId: '-1001234567890', buttons: true },
      { name: 'slack', events: ['*'], language: 'en', remindAfterMs: 2 * 3_600_000, validationSteps: true, kind: 'slack', webhookUrl: 'https://hooks.slack.example/T/B/x' },
      { name: 'hook', events: ['bug.*'], language: 'zh-Hant', remindAfterMs: 6 * 3_600_000, validationSteps: false, kind: 'webhook', url: 'https://hooks.example/tonic', secret: 'a-long-webhook-secret' },
      { name: 'mail', events: ['hotfix.deployed', 'rollback.executed'], language: 'en', remindAfterMs: 6 * 3_600_000, validationSteps: false, kind: 'email', to: ['cto@example.com'] },
    ]);
  });

  test('an event that does not exist is refused, naming its key path and the events there are', () => {
    const found = problems(configWith(['- { name: ops-chat, kind: telegram, bot: ops, chatId: 1, events: [t1.*, t3.flow1.deployed_uat, "rollback.*"] }'], BOTS));
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, /^systems\[0\]\.channels\[0\]\.events\[1\]: "t3\.flow1\.deployed_uat" is not an event: give an event name, a prefix with \.\* .*events are bug\.reported, /);
    assert.match(found[0]!, /hotfix\.review_due/, 'the contract events are known too');
  });

  test('an unknown channel kind is refused at its key path', () => {
    const found = problems(configWith(['- { name: pager, kind: pagerduty, events: ["*"] }'], BOTS));
    assert.deepEqual(found, ['systems[0].channels[0].kind: must be one of telegram, slack, webhook, email, got "pagerduty" (telegram (a chat, through a bot of channels.telegramBots), slack (an incoming webhook), webhook (signed JSON) or email.)']);
  });

  test("a kind's missing keys, another kind's keys, an undeclared bot, a duplicate name, and email without SMTP", () => {
    const found = problems(
      configWith([
        '- { name: a, kind: telegram, bot: nobody, events: ["*"], webhookUrl: "https://x.example" }',
        '- { name: a, kind: webhook, url: "https://hooks.example", events: ["*"] }',
        '- { name: c, kind: email, to: [ops@example.com], events: ["*"] }',
      ]),
    );
    assert.deepEqual(found.sort(), [
      'systems[0].channels[0].bot: "nobody" is not in channels.telegramBots (no bot is declared)',
      'systems[0].channels[0].chatId: required for a telegram channel',
      'systems[0].channels[0].webhookUrl: not a key of a telegram channel (it takes bot, chatId, buttons)',
      'systems[0].channels[1].name: "a" is declared twice in this system; channel names must be unique',
      'systems[0].channels[1].secret: required for a webhook channel',
      'systems[0].channels[2]: an email channel needs the SMTP server: set channels.smtp (host, from) at the top level',
    ]);
  });

  test('a bot taking updates by webhook needs its secret token', () => {
    const found = problems(configWith(['- { name: a, kind: slack, webhookUrl: "https://hooks.slack.example/x", events: ["*"] }'], ['channels:', '  telegramBots:', '    - { name: ops, token: t, updates: webhook }']));
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(found[0]!, /^channels\.telegramBots\[0\]\.webhookSecret: required when updates is webhook/);
  });

  test('a secret from an environment variable that is not set is named', () => {
    const found = problems(configWith(['- { name: s, kind: slack, webhookUrl: "${SLACK_URL}", events: ["*"] }'], BOTS));
    assert.ok(found.some((p) => p.startsWith('systems[0].channels[0].webhookUrl: uses ${SLACK_URL} but the environment variable SLACK_URL is not set')), found.join('\n'));
  });
});

describe('the starter configuration', () => {
  test('its commented channels example is a valid configuration once uncommented', async () => {
    const { starterConfigYaml } = await import('./starter-config.ts');
    const lines = starterConfigYaml().split('\n');
    // Uncomment the per-system block (from "    # channels:") and the top-level one (from "# channels:"), up to the next blank line.
    const out: string[] = [];
    let inside: string | null = null;
    for (const line of lines) {
      if (inside === null && (line === '    # channels:' || line === '# channels:')) inside = line.slice(0, line.indexOf('#'));
      if (inside !== null && line.trim() === '') inside = null;
      out.push(inside !== null && line.startsWith(`${inside}# `) ? `${inside}${line.slice(inside.length + 2)}` : line);
    }
    const env = { SLACK_WEBHOOK_URL: 'https://hooks.slack.example/T/B/x', TONIC_HOOK_SECRET: 'a-long-webhook-secret', TELEGRAM_BOT_TOKEN: '1:abc', SMTP_PASSWORD: 'p' };
    const config = parseConfig(out.join('\n'), FILE, env);
    assert.deepEqual(config.systems[0]!.channels.map((c) => [c.name, c.kind]), [
      ['ops-chat', 'telegram'],
      ['dev-slack', 'slack'],
      ['audit-hook', 'webhook'],
      ['cto-mail', 'email'],
    ]);
    assert.equal(config.channels?.telegramBots[0]?.token, '1:abc');
    assert.equal(config.channels?.smtp?.port, 587);
  });
});

/**
 * `tonic config check --send-test` and the checks that ask other services, as a person runs them:
 * a test message through a Telegram channel (a Bot API stand-in on loopback), two Slack webhooks
 * (one answering "no_service"), a webhook that never answers and an SMTP server; a real Prometheus
 * parsing the monitoring queries (one of them broken); an OpenAI-compatible stand-in refusing the
 * key; checklist targets that hang or refuse. Each is reported per channel or key path, bounded
 * by the timeout.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestRepo, type TestRepo } from '../support/git-repo.ts';
import { startHttpReceiver, type HttpReceiver } from '../support/http-receiver.ts';
import { startOpenAiStandIn, type OpenAiStandIn } from '../support/openai-stand-in.ts';
import { freePort } from '../support/processes.ts';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.ts';
import { startSmtpStandIn, type SmtpStandIn } from '../support/smtp-stand-in.ts';
import { startTelegramStandIn, type TelegramStandIn } from '../support/telegram-stand-in.ts';
import { runTonic } from './run-tonic.ts';

describe('tonic config check: channels, Prometheus queries, analyzer, checklist targets', () => {
  let repo: TestRepo;
  let dir: string;
  let telegram: TelegramStandIn;
  let slack: HttpReceiver;
  let goneSlack: HttpReceiver;
  let smtp: SmtpStandIn;
  let prometheus: TestPrometheus;
  let openai: OpenAiStandIn;
  let hanging: Server;
  let hangingUrl: string;
  let closedPort: number;

  before(async () => {
    repo = await createTestRepo();
    await repo.commit('app', { 'app.txt': 'v1\n' });
    await repo.git('branch', 'develop');
    dir = mkdtempSync(join(tmpdir(), 'tonic-config-outbound-'));
    telegram = await startTelegramStandIn({ chats: ['-1001'] });
    slack = await startHttpReceiver();
    goneSlack = await startHttpReceiver();
    goneSlack.answerNext(1, { status: 404, body: 'no_service' });
    smtp = await startSmtpStandIn();
    prometheus = await startPrometheus({ waitForFirstScrape: false });
    openai = await startOpenAiStandIn({ apiKey: 'sk-right-key' });
    hanging = createServer(() => {}); // accepts, never answers
    await new Promise<void>((ok) => hanging.listen(0, '127.0.0.1', ok));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    closedPort = await freePort();
  });
  after(async () => {
    hanging.closeAllConnections();
    await new Promise((ok) => hanging.close(ok));
    await Promise.all([telegram.close(), slack.close(), goneSlack.close(), smtp.close(), prometheus.stop(), openai.close()]);
    repo.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function configFile(): string {
    const q = JSON.stringify;
    const file = join(dir, 'tonic.config.yaml');
    writeFileSync(
      file,
      `
channels:
  telegramBots:
    - { name: tonic, token: ${q(telegram.token)}, updates: none, apiRoot: ${q(telegram.apiRoot)} }
  smtp: { host: 127.0.0.1, port: ${smtp.port}, from: "Tonic <tonic@example.com>" }
systems:
  - name: shop
    timeZone: Asia/Hong_Kong
    schedule: { t1: "20:00", t2: "22:00" }
    repository: { path: ${q(repo.path)} }
    environments:
      uat: { url: ${q(slack.url)}, line: develop }
      prod: { url: ${q(`${slack.url}/prod`)}, line: main }
    channels:
      - { name: ops-chat, kind: telegram, bot: tonic, chatId: "-1001", language: zh-Hant, events: ["*"] }
      - { name: dev-slack, kind: slack, webhookUrl: ${q(`${slack.url}/services/T/B/x`)}, language: en, events: ["*"] }
      - { name: old-slack, kind: slack, webhookUrl: ${q(`${goneSlack.url}/services/T/B/gone`)}, events: ["*"] }
      - { name: audit-hook, kind: webhook, url: ${q(`${hangingUrl}/hook`)}, secret: "0123456789abcdef0123", events: ["*"] }
      - { name: cto-mail, kind: email, to: [cto@example.com], language: en, events: ["*"] }
    monitoring:
      provider: { kind: prometheus, url: ${q(prometheus.url)}, selectors: { uat: 'job="shop-uat"', prod: 'job="shop-prod"' } }
      metrics:
        errorRate: { query: "sum(rate(http_requests_total{code=~\\"5..\\"}[$window]) / " }
    analyzer: { provider: openai-compatible, baseUrl: ${q(openai.url)}, model: gpt-test, apiKey: sk-wrong-key }
    checklist:
      dependencies:
        targets:
          - { name: payments, http: ${q(`${hangingUrl}/health`)} }
          - { name: database, tcp: "127.0.0.1:${closedPort}" }
`,
    );
    return file;
  }

  test('--send-test reports each channel; refused queries, a refused key and unreachable targets are named with their key paths; nothing hangs', { timeout: 60_000 }, async () => {
    const r = await runTonic(['config', 'check', '--file', configFile(), '--send-test', '--timeout', '1']);
    const out = r.stdout;
    assert.equal(r.code, 1, out + r.stderr);
    // Channels: each answers for itself.
    assert.match(out, /^ok {4}shop {2}channel ops-chat \(telegram\): test message sent \(message \d+ in chat -1001\)$/m);
    assert.equal(telegram.sent.length, 1);
    assert.match(telegram.sent[0]!.text, /^🔔 Tonic Deploy 測試訊息/);
    assert.match(out, /^ok {4}shop {2}channel dev-slack \(slack\): test message sent \(HTTP 200/m);
    assert.equal(slack.delivered.filter((d) => d.path === '/services/T/B/x').length, 1);
    assert.match(slack.delivered.find((d) => d.path === '/services/T/B/x')!.json.text, /Tonic Deploy test message/);
    assert.match(out, /^FAIL {2}shop {2}channel old-slack \(slack\): refused: HTTP 404: no_service; fix systems\[0\]\.channels\[2\]/m);
    assert.match(out, /^FAIL {2}shop {2}channel audit-hook \(webhook\): not sent: no answer within 1 s; check that systems\[0\]\.channels\[3\] can be reached from here$/m);
    assert.match(out, /^ok {4}shop {2}channel cto-mail \(email\): test message sent/m);
    assert.equal(smtp.mails.length, 1);
    assert.match(smtp.mails[0]!.subject, /Tonic Deploy test message/);
    // Prometheus: the broken query with its key path, the default ones parse.
    assert.match(out, /^FAIL {2}shop {2}prometheus queries: systems\[0\]\.monitoring\.metrics\.errorRate\.query \(uat\): Prometheus refused it \(bad_data: .*\); the query was: sum\(rate\(http_requests_total/m);
    assert.doesNotMatch(out, /the default p95Latency query .* refused/);
    // The analyzer's endpoint answers, but refuses the key.
    assert.match(out, /^FAIL {2}shop {2}analyzer: http:\/\/127\.0\.0\.1:\d+\/v1 refused the API key \(HTTP 401\): fix systems\[0\]\.analyzer\.apiKey/m);
    // Checklist targets, bounded.
    assert.match(out, new RegExp(`^FAIL {2}shop {2}checklist targets: systems\\[0\\]\\.checklist\\.dependencies\\.targets\\[0\\] \\(payments\\): ${hangingUrl}/health did not answer within 1000 ms$`, 'm'));
    assert.match(out, new RegExp(`^FAIL {2}shop {2}checklist targets: systems\\[0\\]\\.checklist\\.dependencies\\.targets\\[1\\] \\(database\\): 127\\.0\\.0\\.1:${closedPort} cannot be reached \\(ECONNREFUSED\\)$`, 'm'));
  });

  test('without --send-test no channel is contacted', { timeout: 60_000 }, async () => {
    const sentBefore = telegram.sent.length;
    const r = await runTonic(['config', 'check', '--file', configFile(), '--timeout', '1']);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout, /channel /);
    assert.equal(telegram.sent.length, sentBefore);
  });
});

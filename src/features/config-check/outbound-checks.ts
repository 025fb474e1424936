/**
 * The parts of `tonic config check` that ask other services: each notification channel takes a
 * test message (`--send-test`), Prometheus parses every monitoring and checklist query, the
 * analyzer's endpoint answers, the checklist's targets answer. Each question is bounded by the
 * check's timeout: a service that hangs is reported as such, at once.
 */
import { connect } from 'node:net';
import { Api } from 'grammy';
import { createEmailNotifier, createMailer } from '../../adapters/notify/email-notifier.ts';
import type { Notifier, OutgoingMessage } from '../../adapters/notify/notifier.ts';
import { createSlackNotifier } from '../../adapters/notify/slack-notifier.ts';
import { createTelegramNotifier } from '../../adapters/notify/telegram-notifier.ts';
import { createWebhookNotifier } from '../../adapters/notify/webhook-notifier.ts';
import { fillQuery, monitoringQueries } from '../../adapters/monitor/prometheus-provider.ts';
import type { ChannelConfig, ChannelDefaults } from '../../config/channels-config.ts';
import type { SystemConfig } from '../../config/load-config.ts';
import { assertNever } from '../../shared/errors.ts';
import type { SendOutcome } from '../notifications/notification-rules.ts';
import { message } from '../notifications/templates/message-format.ts';

export type Finding = { check: string; result: 'ok' | 'warn' | 'fail'; detail: string };

type Options = { timeoutMs: number; now: Date };

/** A promise, or what it means that it did not settle within `ms`. */
function within<T>(ms: number, work: Promise<T>, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  return e?.cause?.code ?? e?.message ?? String(error);
}

// ---- Channels (--send-test) ------------------------------------------------------------------------

export function testMessage(system: string, channel: ChannelConfig, at: Date): OutgoingMessage {
  const zh = channel.language === 'zh-Hant';
  const text = zh
    ? message(['🔔 Tonic Deploy 測試訊息', '', `系統 ${system} 的頻道 ${channel.name} 收到了 tonic config check --send-test 發出的測試訊息。`, '流程沒有任何變更。'])
    : message(['🔔 Tonic Deploy test message', '', `The channel ${channel.name} of system ${system} got this from tonic config check --send-test.`, 'Nothing happened in the pipeline.']);
  return {
    deliveryId: 0,
    idempotencyKey: `config-check:${system}:${channel.name}:${at.toISOString()}`,
    system,
    event: 'config.test',
    message: text,
    payloads: [],
    language: channel.language,
    createdAt: at.toISOString(),
  };
}

function notifierFor(channel: ChannelConfig, defaults: ChannelDefaults, now: () => Date, timeoutMs: number): { notifier: Notifier | null; close(): void; missing?: string } {
  switch (channel.kind) {
    case 'telegram': {
      const bot = defaults.telegramBots.find((b) => b.name === channel.bot);
      if (!bot) return { notifier: null, close: () => {}, missing: `no Telegram bot named ${channel.bot} (channels.telegramBots)` };
      return { notifier: createTelegramNotifier(channel, new Api(bot.token, bot.apiRoot ? { apiRoot: bot.apiRoot } : undefined), timeoutMs), close: () => {} };
    }
    case 'slack':
      return { notifier: createSlackNotifier(channel, timeoutMs), close: () => {} };
    case 'webhook':
      return { notifier: createWebhookNotifier(channel, now, timeoutMs), close: () => {} };
    case 'email': {
      if (!defaults.smtp) return { notifier: null, close: () => {}, missing: 'no SMTP server (channels.smtp)' };
      const mailer = createMailer(defaults.smtp, timeoutMs);
      return { notifier: createEmailNotifier(channel, mailer), close: () => mailer.close() };
    }
    default:
      return assertNever(channel, 'channel');
  }
}

/** Sends a test message through each of the system's channels; reports each channel's answer. */
export async function sendTestMessages(system: SystemConfig, index: number, defaults: ChannelDefaults, options: Options): Promise<Finding[]> {
  if (system.channels.length === 0) {
    return [{ check: 'channels', result: 'warn', detail: `no channel is configured: messages stay in the outbox (systems[${index}].channels)` }];
  }
  return Promise.all(
    system.channels.map(async (channel, i): Promise<Finding> => {
      const check = `channel ${channel.name} (${channel.kind})`;
      const where = `systems[${index}].channels[${i}]`;
      const { notifier, close, missing } = notifierFor(channel, defaults, () => options.now, options.timeoutMs);
      if (!notifier) return { check, result: 'fail', detail: `cannot send: ${missing}` };
      try {
        const outcome = await within<SendOutcome>(
          options.timeoutMs,
          notifier.send(testMessage(system.name, channel, options.now)).catch((error: unknown) => ({ kind: 'retry', answer: describeError(error, options.timeoutMs), retryAfterMs: null })),
          () => ({ kind: 'retry', answer: `no answer within ${options.timeoutMs} ms`, retryAfterMs: null }),
        );
        if (outcome.kind === 'sent') return { check, result: 'ok', detail: `test message sent (${outcome.answer})` };
        if (outcome.kind === 'retry') return { check, result: 'fail', detail: `not sent: ${outcome.answer}; check that ${where} can be reached from here` };
        return { check, result: 'fail', detail: `refused: ${outcome.answer}; fix ${where} (a revoked token, a wrong chat, URL or address)` };
      } finally {
        close();
      }
    }),
  );
}

// ---- Prometheus queries --------------------------------------------------------------------------

type PromAnswer = { status?: string; errorType?: string; error?: string };

/** Does Prometheus accept `query`? Its parse_query API when it has one (2.45+), else an instant query. */
export async function promQueryVerdict(baseUrl: string, query: string, timeoutMs: number, now: Date): Promise<{ ok: boolean; detail: string }> {
  const base = baseUrl.replace(/\/+$/, '');
  const ask = async (path: string, params: Record<string, string>) => {
    const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let answer: PromAnswer | null = null;
    try {
      answer = JSON.parse(text) as PromAnswer;
    } catch {
      answer = null;
    }
    return { status: res.status, answer };
  };
  try {
    let r = await ask('/api/v1/parse_query', { query });
    if (r.status === 404) r = await ask('/api/v1/query', { query, time: String(now.getTime() / 1000) });
    if (r.answer?.status === 'success') return { ok: true, detail: 'parses' };
    if (r.answer?.status === 'error') return { ok: false, detail: `Prometheus refused it (${r.answer.errorType ?? 'error'}: ${r.answer.error ?? 'no detail'})` };
    return { ok: false, detail: `${base} answered HTTP ${r.status} without a Prometheus answer: is it a Prometheus server?` };
  } catch (error) {
    return { ok: false, detail: `${base} ${error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `did not answer within ${timeoutMs} ms` : `cannot be reached (${describeError(error, timeoutMs)})`}` };
  }
}

/** Every PromQL expression the system's monitoring and pre-deploy checklist would send. */
export async function checkPrometheusQueries(system: SystemConfig, index: number, options: Options): Promise<Finding[]> {
  const asked: { where: string; url: string; query: string }[] = [];
  const settings = system.monitoring;
  if (settings?.provider.kind === 'prometheus') {
    const p = settings.provider;
    for (const env of ['uat', 'prod'] as const) {
      for (const q of monitoringQueries(settings, p.selectors[env])) {
        asked.push({
          where: q.custom ? `systems[${index}].monitoring.metrics.${q.metric}.query (${env})` : `the default ${q.metric} query with systems[${index}].monitoring.provider.selectors.${env}`,
          url: p.url,
          query: fillQuery(q.query, { window: p.rateWindow, selector: p.selectors[env], env, system: system.name }),
        });
      }
    }
  }
  const headroom = system.checklist?.headroom?.source;
  if (headroom?.kind === 'prometheus') {
    if (headroom.diskQuery) asked.push({ where: `systems[${index}].checklist.headroom.prometheus.diskQuery`, url: headroom.url, query: headroom.diskQuery });
    if (headroom.memoryQuery) asked.push({ where: `systems[${index}].checklist.headroom.prometheus.memoryQuery`, url: headroom.url, query: headroom.memoryQuery });
  }
  if (asked.length === 0) return [];
  const verdicts = await Promise.all(asked.map((a) => promQueryVerdict(a.url, a.query, options.timeoutMs, options.now)));
  const refused = asked.map((a, i) => ({ ...a, ...verdicts[i]! })).filter((a) => !a.ok);
  if (refused.length === 0) return [{ check: 'prometheus queries', result: 'ok', detail: `${asked.length} queries parse (${[...new Set(asked.map((a) => a.url))].join(', ')})` }];
  // One line per distinct problem: an unreachable server is one problem, not twelve.
  const seen = new Set<string>();
  return refused.flatMap((a) => {
    const key = a.detail.startsWith('Prometheus refused') ? `${a.where}:${a.detail}` : a.detail;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ check: 'prometheus queries', result: 'fail' as const, detail: a.detail.startsWith('Prometheus refused') ? `${a.where}: ${a.detail}; the query was: ${a.query}` : `${a.where}: ${a.detail}` }];
  });
}

// ---- Analyzer and checklist targets -------------------------------------------------------------

/** Any HTTP answer from `url` within the timeout. */
async function answer(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<{ status: number | null; detail: string }> {
  try {
    const res = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { status: res.status, detail: `answered ${res.status}` };
  } catch (error) {
    const e = error as Error;
    return { status: null, detail: e.name === 'TimeoutError' || e.name === 'AbortError' ? `did not answer within ${timeoutMs} ms` : `cannot be reached (${describeError(error, timeoutMs)})` };
  }
}

export async function checkAnalyzer(system: SystemConfig, index: number, options: Options): Promise<Finding[]> {
  const a = system.analyzer;
  if (a.provider !== 'openai-compatible') return [];
  const where = `systems[${index}].analyzer`;
  const url = `${a.baseUrl}/models${a.apiVersion ? `?api-version=${encodeURIComponent(a.apiVersion)}` : ''}`;
  const headers: Record<string, string> = a.apiKey ? (a.apiVersion ? { 'api-key': a.apiKey } : { authorization: `Bearer ${a.apiKey}` }) : {};
  const r = await answer(url, options.timeoutMs, headers);
  if (r.status === null) return [{ check: 'analyzer', result: 'fail', detail: `${a.baseUrl} ${r.detail}: fix ${where}.baseUrl (T1 falls back to the built-in analysis meanwhile)` }];
  if (r.status === 401 || r.status === 403) return [{ check: 'analyzer', result: 'fail', detail: `${a.baseUrl} refused the API key (HTTP ${r.status}): fix ${where}.apiKey` }];
  if (r.status === 404) return [{ check: 'analyzer', result: 'warn', detail: `${url.split('?')[0]} answered 404: is ${where}.baseUrl the API's base (…/v1)?` }];
  return [{ check: 'analyzer', result: r.status >= 500 ? 'warn' : 'ok', detail: `${url.split('?')[0]} ${r.detail} (model ${a.model})` }];
}

function tcpAnswers(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done(`did not accept a connection within ${timeoutMs} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(`cannot be reached (${e.code ?? e.message})`));
  });
}

/** The URLs and hosts the pre-deploy checklist's probes ask: each must answer. */
export async function checkChecklistTargets(system: SystemConfig, index: number, options: Options): Promise<Finding[]> {
  const c = system.checklist;
  if (!c) return [];
  const at = `systems[${index}].checklist`;
  const targets: { where: string; ask: () => Promise<string | null> }[] = [];
  const http = (where: string, url: string) => targets.push({ where, ask: async () => {
    const r = await answer(url, options.timeoutMs);
    return r.status === null ? `${url} ${r.detail}` : null;
  } });
  if (c.backup?.source.kind === 'url') http(`${at}.backup.url`, c.backup.source.url);
  if (c.monitoring) http(`${at}.monitoring.${c.monitoring.kind}`, c.monitoring.kind === 'prometheus' ? `${c.monitoring.url.replace(/\/+$/, '')}/api/v1/rules` : c.monitoring.url);
  if (c.headroom?.source.kind === 'prometheus') http(`${at}.headroom.prometheus.url`, `${c.headroom.source.url.replace(/\/+$/, '')}/-/ready`);
  for (const [i, t] of (c.dependencies?.targets ?? []).entries()) {
    const where = `${at}.dependencies.targets[${i}] (${t.name})`;
    const limit = Math.min(options.timeoutMs, t.timeoutMs);
    if (t.kind === 'http') {
      targets.push({ where, ask: async () => {
        const r = await answer(t.url, limit);
        return r.status === null ? `${t.url} ${r.detail}` : null;
      } });
    } else {
      targets.push({ where, ask: async () => {
        const problem = await tcpAnswers(t.host, t.port, limit);
        return problem ? `${t.host}:${t.port} ${problem}` : null;
      } });
    }
  }
  if (targets.length === 0) return [];
  const problems = await Promise.all(targets.map((t) => t.ask()));
  const failed = targets.flatMap((t, i) => (problems[i] ? [{ check: 'checklist targets', result: 'fail' as const, detail: `${t.where}: ${problems[i]}` }] : []));
  return failed.length > 0 ? failed : [{ check: 'checklist targets', result: 'ok', detail: `${targets.length} target(s) answer` }];
}

/**
 * The Telegram bot as a transport (grammY): button presses approve through the bug service, the
 * same use case as the API (same rules, same cutoff, same audit), and edit the message to show
 * who approved and when it will run; `/link CODE` links an account; `/status` and `/plan` answer
 * from the services. Updates arrive by long polling (one instance at a time, under a lease) or by
 * webhook (`POST /api/v1/telegram/webhook/{bot}`, Telegram's secret-token header checked). It holds
 * no workflow rules: anyone not linked, or whose role may not approve, is told why and nothing
 * changes.
 */
import { timingSafeEqual } from 'node:crypto';
import { Bot, GrammyError, type Context } from 'grammy';
import type { Update } from 'grammy/types';
import { approvalKeyboard, grammySignal, parseApprovalCallback } from '../../adapters/notify/telegram-notifier.ts';
import type { Db } from '../../adapters/db/schema.ts';
import type { TelegramBotConfig } from '../../config/channels-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { BugService } from '../bugs/bug-service.ts';
import type { BugView } from '../bugs/bug-view.ts';
import type { EnvironmentService } from '../environments/environment-service.ts';
import type { Actor } from '../identity/identity-service.ts';
import type { RunService } from '../runs/run-service.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { NotificationService } from './notification-service.ts';
import type { Annotation, NotificationStore } from './notification-store.ts';
import type { Language } from './templates/message-format.ts';
import { annotatedText, commandReplies, planText, pressAnswers, statusText, type StatusFacts } from './templates/telegram-texts.ts';

type TelegramDeps = {
  bots: readonly TelegramBotConfig[];
  db: Db;
  store: NotificationStore;
  notifications: NotificationService;
  bugs: BugService;
  runs: RunService;
  environments: EnvironmentService;
  systems: SystemRegistry;
  clock: Clock;
  instance: string;
  log?: (message: string, error?: unknown) => void;
};

/** Long polling: how long Telegram holds a getUpdates open, and how long this instance's lease on it lasts. */
const POLL_TIMEOUT_SECONDS = 25;
const POLL_LEASE_MS = 90_000;

export function createTelegramBots(deps: TelegramDeps) {
  const { db, store, notifications, bugs, runs, environments, systems, clock } = deps;
  const log = deps.log ?? ((message: string, error?: unknown) => console.error(message, error ?? ''));
  const bots = new Map<string, { config: TelegramBotConfig; bot: Bot; ready: Promise<void> | null }>();

  /** The channels posting to a chat tell the language it speaks and the systems it follows. */
  function chatChannels(chatId: number | string | undefined) {
    const id = String(chatId);
    return systems.list().flatMap((s) => s.channels.filter((c) => c.kind === 'telegram' && c.chatId === id).map((c) => ({ system: s.name, language: c.language })));
  }
  const chatLanguage = (chatId: number | string | undefined): Language => chatChannels(chatId)[0]?.language ?? 'en';

  function channelOf(system: string | null, name: string) {
    return systems.list().find((s) => s.name === system)?.channels.find((c) => c.name === name) ?? null;
  }

  async function linkedActor(ctx: Context): Promise<Actor | null> {
    return ctx.from ? notifications.actorForTelegram(String(ctx.from.id)) : null;
  }

  /** The system a command is about: named, or the one this chat follows, or the only one. */
  function systemFor(ctx: Context, command: string, language: Language): string | null {
    const named = String(ctx.match ?? '').trim();
    const all = systems.list().map((s) => s.name);
    if (named) return named;
    const followed = [...new Set(chatChannels(ctx.chat?.id).map((c) => c.system))];
    if (followed.length === 1) return followed[0]!;
    if (all.length === 1) return all[0]!;
    void ctx.reply(commandReplies.whichSystem(command, all, language));
    return null;
  }

  async function onApprovalPress(ctx: Context): Promise<void> {
    const press = parseApprovalCallback(ctx.callbackQuery?.data);
    const chat = ctx.callbackQuery?.message?.chat.id;
    const messageId = ctx.callbackQuery?.message?.message_id;
    let language = chatLanguage(chat);
    const delivery = press ? await notifications.delivery(press.deliveryId) : undefined;
    const channel = delivery ? channelOf(delivery.system, delivery.channel) : null;
    if (channel) language = channel.language;
    const button = press && delivery?.content?.buttons[press.row]?.[press.column];
    // The press must come from the very message the delivery posted.
    if (!press || !delivery || !button || !delivery.system || delivery.externalId !== `${chat}:${messageId}`) {
      await ctx.answerCallbackQuery({ text: pressAnswers.unknownMessage(language), show_alert: true });
      return;
    }
    const actor = await linkedActor(ctx);
    if (!actor) {
      await ctx.answerCallbackQuery({ text: pressAnswers.notLinked(language), show_alert: true });
      return;
    }
    const system = delivery.system;
    const timeZone = systems.get(system).timeZone;
    const already = new Set(delivery.annotations.flatMap((a) => a.bugIds));
    const ids = button.bugIds.filter((id) => !already.has(id));
    if (ids.length === 0) {
      await ctx.answerCallbackQuery({ text: pressAnswers.nothingLeft(language) });
      return;
    }
    const merge = button.approval === 'approve_uat_merge';
    const approved: BugView[] = [];
    const refused: string[] = [];
    try {
      if (ids.length === 1) {
        approved.push(await (merge ? bugs.approveUatMerge : bugs.approveProd)(actor, system, ids[0]!));
      } else {
        for (const r of await (merge ? bugs.approveUatMergeBatch : bugs.approveProdBatch)(actor, system, ids)) {
          if (r.ok) approved.push(r.bug);
          else refused.push(`#${r.id}: ${r.error.message}`);
        }
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refused.push(error.message);
    }
    if (approved.length === 0) {
      await ctx.answerCallbackQuery({ text: pressAnswers.refused(refused.join('; '), language), show_alert: true });
      return;
    }
    const at = clock.now().toISOString();
    const byRunsAt = new Map<string | null, number[]>();
    for (const b of approved) byRunsAt.set(b.runsAt, [...(byRunsAt.get(b.runsAt) ?? []), b.id]);
    const notes: Annotation[] = [...byRunsAt].map(([runsAt, bugIds]) => ({ bugIds, approval: button.approval, by: actor.username, runsAt, at }));
    const updated = await notifications.annotate(delivery.id, notes);
    const done = new Set(updated.annotations.flatMap((a) => a.bugIds));
    try {
      await ctx.editMessageText(annotatedText(delivery.content!.text, updated.annotations, language, timeZone), {
        reply_markup: approvalKeyboard(delivery.id, delivery.content!.buttons, done) ?? { inline_keyboard: [] },
        link_preview_options: { is_disabled: true },
      });
    } catch (error) {
      // The approval stands (it is recorded and audited); only the message could not show it.
      if (!(error instanceof GrammyError && /not modified/.test(error.description))) log(`telegram: could not edit message ${chat}:${messageId}`, error);
    }
    const answer = pressAnswers.approved(
      approved.map((b) => b.id),
      actor.username,
      approved[0]!.runsAt,
      language,
      timeZone,
    );
    await ctx.answerCallbackQuery({ text: refused.length ? `${answer} ${pressAnswers.refused(refused.join('; '), language)}`.slice(0, 200) : answer, show_alert: refused.length > 0 });
  }

  async function onLink(ctx: Context): Promise<void> {
    const language = chatLanguage(ctx.chat?.id);
    const code = String(ctx.match ?? '').trim();
    if (!code || !ctx.from) {
      await ctx.reply(commandReplies.linkUsage(language));
      return;
    }
    const actor = await notifications.redeemLinkCode(code, { id: String(ctx.from.id), username: ctx.from.username ?? null });
    await ctx.reply(actor ? commandReplies.linked(actor.username, actor.role, language) : commandReplies.linkRefused(language));
  }

  async function onStatus(ctx: Context): Promise<void> {
    const language = chatLanguage(ctx.chat?.id);
    const actor = await linkedActor(ctx);
    if (!actor) return void (await ctx.reply(commandReplies.linkFirst(language)));
    const system = systemFor(ctx, 'status', language);
    if (!system) return;
    try {
      const described = await environments.describe(actor, system);
      const byStatus = async (status: 'deployed_uat' | 'deployed_prod' | 'pending_prod' | 'pending_uat_merge') =>
        (await bugs.list(actor, system, { status, limit: 20 })).items;
      const plan = await runs.plan(actor, system);
      const facts: StatusFacts = {
        system,
        environments: described.environments.map((e) => ({ env: e.env, version: e.version, commit: e.commit, url: e.url })),
        flow: { flow: described.flow.flow, reason: described.flow.reason },
        awaitingProd: await byStatus('deployed_uat'),
        awaitingMerge: (await byStatus('deployed_prod')).filter((b) => b.fixFlow === 'flow2'),
        queued: [...(await byStatus('pending_prod')), ...(await byStatus('pending_uat_merge'))],
        t1At: plan.t1.at,
        t2At: plan.t2.at,
      };
      await ctx.reply(statusText(facts, language, systems.get(system).timeZone), { link_preview_options: { is_disabled: true } });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await ctx.reply(commandReplies.refused(error.message, language));
    }
  }

  async function onPlan(ctx: Context): Promise<void> {
    const language = chatLanguage(ctx.chat?.id);
    const actor = await linkedActor(ctx);
    if (!actor) return void (await ctx.reply(commandReplies.linkFirst(language)));
    const system = systemFor(ctx, 'plan', language);
    if (!system) return;
    try {
      const plan = await runs.plan(actor, system);
      await ctx.reply(planText(plan, language, systems.get(system).timeZone));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await ctx.reply(commandReplies.refused(error.message, language));
    }
  }

  for (const config of deps.bots) {
    const bot = new Bot(config.token, { client: { apiRoot: config.apiRoot ?? undefined, timeoutSeconds: POLL_TIMEOUT_SECONDS + 10 } });
    bot.command(['start', 'help'], (ctx) => ctx.reply(commandReplies.help(chatLanguage(ctx.chat.id))));
    bot.command('link', onLink);
    bot.command('status', onStatus);
    bot.command('plan', onPlan);
    bot.on('callback_query:data', onApprovalPress);
    bot.catch((err) => log(`telegram bot ${config.name}: an update failed`, err.error));
    bots.set(config.name, { config, bot, ready: null });
  }

  /** grammY needs the bot's own account (getMe) before it handles updates; asked once. */
  function ready(name: string): Promise<void> {
    const entry = bots.get(name)!;
    entry.ready ??= entry.bot.init().catch((error: unknown) => {
      entry.ready = null;
      throw error;
    });
    return entry.ready;
  }

  async function pollLoop(name: string, signal: AbortSignal): Promise<void> {
    const { bot } = bots.get(name)!;
    const lease = `telegram-poll:${name}`;
    let offset = 0;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const now = clock.now();
        if (!(await store.acquireLease(db, lease, deps.instance, now, new Date(now.getTime() + POLL_LEASE_MS)))) {
          await sleep(5_000, signal); // another instance polls this bot
          continue;
        }
        await ready(name);
        const updates = await bot.api.getUpdates({ offset, timeout: POLL_TIMEOUT_SECONDS, allowed_updates: ['message', 'callback_query'] }, grammySignal(signal));
        for (const update of updates) {
          offset = update.update_id + 1;
          await bot.handleUpdate(update).catch((error: unknown) => log(`telegram bot ${name}: update ${update.update_id} failed`, error));
        }
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        log(`telegram bot ${name}: getUpdates failed (attempt ${failures})`, error instanceof GrammyError ? `${error.error_code} ${error.description}` : error);
        await sleep(Math.min(60_000, 1_000 * 2 ** Math.min(failures, 6)), signal);
      }
    }
    await store.releaseLease(db, lease, deps.instance).catch(() => undefined);
  }

  return {
    names: () => [...bots.keys()],

    /** The Bot API client of a bot, for the notifiers. */
    api(name: string) {
      return bots.get(name)?.bot.api ?? null;
    },

    /**
     * An update Telegram POSTed to `/telegram/webhook/{bot}`: refused unless that bot takes updates
     * by webhook and the request carries its secret token.
     */
    async handleWebhook(name: string, secretHeader: string | undefined, update: Update): Promise<void> {
      const entry = bots.get(name);
      if (!entry || entry.config.updates !== 'webhook') {
        throw new DomainError('not_found', `no bot named "${name}" takes updates by webhook (channels.telegramBots[].updates: webhook)`);
      }
      const expected = Buffer.from(entry.config.webhookSecret ?? '');
      const given = Buffer.from(secretHeader ?? '');
      if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new DomainError('unauthenticated', 'the X-Telegram-Bot-Api-Secret-Token header is missing or wrong: only Telegram, given the secret at setWebhook, may post updates here');
      }
      await ready(name);
      await entry.bot.handleUpdate(update);
    },

    /** Starts long polling for the bots that take updates that way; returns stop(). */
    startPolling(): () => Promise<void> {
      const controller = new AbortController();
      const loops = [...bots.values()].filter((b) => b.config.updates === 'polling').map((b) => pollLoop(b.config.name, controller.signal));
      return async () => {
        controller.abort();
        await Promise.allSettled(loops);
      };
    },
  };
}

export type TelegramBots = ReturnType<typeof createTelegramBots>;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

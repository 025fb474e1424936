/**
 * A stand-in of the Telegram Bot API on a loopback port: a real HTTP server answering
 * POST /bot<token>/<method> as Telegram does ({ ok, result } or { ok: false, error_code,
 * description }). It knows its bots' tokens and its chats (a wrong token is 401, an unknown chat
 * 400 "chat not found"), records sendMessage, editMessageText and answerCallbackQuery, and serves
 * getUpdates with queued updates (long polling: it holds the request until an update arrives or
 * the timeout passes). It can be taken down (502) or rate-limit (429 with retry_after).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type SentMessage = { token: string; chatId: string; messageId: number; text: string; replyMarkup: InlineKeyboard | null };
export type InlineKeyboard = { inline_keyboard: { text: string; callback_data: string }[][] };
export type Edit = { chatId: string; messageId: number; text: string; replyMarkup: InlineKeyboard | null };
export type CallbackAnswer = { callbackQueryId: string; text: string | null; showAlert: boolean };
export type TelegramUser = { id: number; first_name: string; username?: string };

type Failure = { status: number; description: string; retryAfter?: number };

export type TelegramStandIn = {
  /** What grammY's apiRoot should be. */
  apiRoot: string;
  token: string;
  bot: TelegramUser & { is_bot: true };
  sent: SentMessage[];
  edits: Edit[];
  answers: CallbackAnswer[];
  /** Every method called, in order (getUpdates excluded). */
  calls: string[];
  addChat(chatId: string | number): void;
  /** The next `count` sendMessage calls fail this way (count Infinity: until `up()`). */
  failSends(count: number, failure: Failure): void;
  up(): void;
  /** Queues an update for getUpdates; returns it with its update_id. */
  queueUpdate(update: Record<string, unknown>): Record<string, unknown> & { update_id: number };
  /** An update of a person pressing a button under a message the bot sent. */
  press(from: TelegramUser, message: SentMessage, callbackData: string): Record<string, unknown>;
  /** An update of a person writing to the bot (a command when it starts with /). */
  say(from: TelegramUser, text: string, chatId?: number): Record<string, unknown>;
  /** Resolves once `check` holds (polled), or fails after `ms`. */
  waitFor<T>(what: string, check: () => T | undefined | null | false, ms?: number): Promise<T>;
  close(): Promise<void>;
};

export async function startTelegramStandIn(options: { token?: string; chats?: (string | number)[] } = {}): Promise<TelegramStandIn> {
  const token = options.token ?? '123456:test-bot-token';
  const bot = { id: 123456, is_bot: true as const, first_name: 'Tonic', username: 'tonic_test_bot' };
  const chats = new Set((options.chats ?? []).map(String));
  const sent: SentMessage[] = [];
  const edits: Edit[] = [];
  const answers: CallbackAnswer[] = [];
  const calls: string[] = [];
  const updates: (Record<string, unknown> & { update_id: number })[] = [];
  const waiters = new Set<() => void>();
  let nextUpdateId = 1;
  let nextMessageId = 100;
  let failure: (Failure & { left: number }) | null = null;
  let queryId = 1;

  function reply(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
  const ok = (res: ServerResponse, result: unknown) => reply(res, 200, { ok: true, result });
  const error = (res: ServerResponse, f: Failure) =>
    reply(res, f.status, { ok: false, error_code: f.status, description: f.description, ...(f.retryAfter !== undefined ? { parameters: { retry_after: f.retryAfter } } : {}) });

  async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (!text) return {};
    const type = req.headers['content-type'] ?? '';
    if (type.includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(new URLSearchParams(text));
  }

  const chatOf = (id: unknown) => ({ id: Number(id), type: Number(id) < 0 ? 'supergroup' : 'private', title: 'Ops' });

  async function getUpdates(req: IncomingMessage, res: ServerResponse, params: Record<string, unknown>) {
    const offset = Number(params.offset ?? 0);
    // Confirmed updates are forgotten, as Telegram does.
    while (updates.length > 0 && updates[0]!.update_id < offset) updates.shift();
    if (updates.length === 0) {
      const timeoutMs = Math.min(Number(params.timeout ?? 0), 2) * 1000;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(done);
        req.once('close', done);
      });
    }
    if (res.destroyed) return;
    ok(res, updates.filter((u) => u.update_id >= offset));
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      if (!m || req.method !== 'POST') return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      const [, given, method] = m;
      if (given !== token) return error(res, { status: 401, description: 'Unauthorized' });
      const params = await body(req);
      if (method === 'getUpdates') return getUpdates(req, res, params);
      calls.push(method!);
      switch (method) {
        case 'getMe':
          return ok(res, bot);
        case 'sendMessage': {
          if (failure && failure.left > 0) {
            failure.left -= 1;
            return error(res, failure);
          }
          const chatId = String(params.chat_id);
          if (!chats.has(chatId)) return error(res, { status: 400, description: 'Bad Request: chat not found' });
          const messageId = nextMessageId++;
          const markup = (params.reply_markup as InlineKeyboard | undefined) ?? null;
          sent.push({ token, chatId, messageId, text: String(params.text), replyMarkup: markup?.inline_keyboard ? markup : null });
          return ok(res, { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: chatOf(chatId), from: bot, text: params.text, ...(markup ? { reply_markup: markup } : {}) });
        }
        case 'editMessageText': {
          const chatId = String(params.chat_id);
          const messageId = Number(params.message_id);
          const original = sent.find((s) => s.chatId === chatId && s.messageId === messageId);
          if (!original) return error(res, { status: 400, description: 'Bad Request: message to edit not found' });
          const markup = (params.reply_markup as InlineKeyboard | undefined) ?? null;
          edits.push({ chatId, messageId, text: String(params.text), replyMarkup: markup });
          return ok(res, { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: chatOf(chatId), from: bot, text: params.text });
        }
        case 'answerCallbackQuery':
          answers.push({ callbackQueryId: String(params.callback_query_id), text: params.text === undefined ? null : String(params.text), showAlert: params.show_alert === true || params.show_alert === 'true' });
          return ok(res, true);
        case 'setWebhook':
        case 'deleteWebhook':
          return ok(res, true);
        default:
          return error(res, { status: 404, description: `Not Found: method ${method} is not part of this stand-in` });
      }
    })().catch((e: unknown) => {
      if (!res.headersSent) reply(res, 500, { ok: false, error_code: 500, description: String(e) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const standIn: TelegramStandIn = {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    bot,
    sent,
    edits,
    answers,
    calls,
    addChat: (chatId) => void chats.add(String(chatId)),
    failSends(count, f) {
      failure = { ...f, left: count };
    },
    up() {
      failure = null;
    },
    queueUpdate(update) {
      const full = { ...update, update_id: nextUpdateId++ };
      updates.push(full);
      for (const wake of [...waiters]) wake();
      return full;
    },
    press(from, message, callbackData) {
      return {
        callback_query: {
          id: String(queryId++),
          from: { is_bot: false, ...from },
          chat_instance: '1',
          data: callbackData,
          message: { message_id: message.messageId, date: 0, chat: chatOf(message.chatId), from: bot, text: message.text },
        },
      };
    },
    say(from, text, chatId = from.id) {
      chats.add(String(chatId));
      const command = /^\/\w+/.exec(text);
      return {
        message: {
          message_id: nextMessageId++,
          date: Math.floor(Date.now() / 1000),
          chat: chatOf(chatId),
          from: { is_bot: false, ...from },
          text,
          ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
        },
      };
    },
    async waitFor(what, check, ms = 15_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = check();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; sent: ${JSON.stringify(sent.map((s) => s.text.split('\n')[0]))}, answers: ${JSON.stringify(answers)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      for (const wake of [...waiters]) wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return standIn;
}

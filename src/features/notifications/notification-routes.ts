/**
 * Notifications over HTTP: delivery records (`?status=failed` shows what did not go out and
 * why), manual resend, Telegram link codes, and the Telegram webhook.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Update } from 'grammy/types';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum } from '../../http/schema-helpers.ts';
import { DELIVERY_STATUSES } from './notification-rules.ts';
import type { NotificationService } from './notification-service.ts';
import type { TelegramBots } from './telegram-bot.ts';

export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  outboxId: Type.Integer({ description: 'The outbox message (the first one, for a digest of a run).' }),
  messageIds: Type.Array(Type.Integer(), { description: 'Every outbox message this delivery carries.' }),
  system: Nullable(Type.String()),
  channel: Type.String(),
  kind: Type.String(),
  event: Type.String(),
  idempotencyKey: Type.String(),
  status: StringEnum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  nextAttemptAt: Type.String({ format: 'date-time' }),
  lastError: Nullable(Type.String({ description: 'Why the last attempt did not deliver, or why the delivery was suppressed.' })),
  answer: Nullable(Type.String({ description: "What the channel answered last (status and body)." })),
  externalId: Nullable(Type.String({ description: "The channel's id of the message (Telegram: chatId:messageId)." })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  sentAt: Nullable(Type.String({ format: 'date-time' })),
  text: Nullable(Type.String({ description: 'The text as sent.' })),
});

export const DeliveryPageSchema = Type.Object({ items: Type.Array(DeliverySchema), nextCursor: Nullable(Type.Integer()) });
export const TelegramLinkSchema = Type.Object({ code: Type.String(), username: Type.String(), expiresAt: Type.String({ format: 'date-time' }) });

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false });

function view(d: Awaited<ReturnType<NotificationService['get']>>) {
  const { content, annotations: _annotations, ...rest } = d;
  return { ...rest, text: content?.text ?? null };
}

export function registerNotificationRoutes(app: FastifyInstance, deps: { notifications: NotificationService; telegram: TelegramBots }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['notifications'];

  r.get('/notifications', {
    schema: {
      tags,
      summary: 'Notification deliveries, newest first (?status=failed: what did not go out, with the channel\'s answer)',
      querystring: Type.Object(
        {
          status: Type.Optional(StringEnum(DELIVERY_STATUSES)),
          system: Type.Optional(Type.String({ maxLength: 64 })),
          channel: Type.Optional(Type.String({ maxLength: 64 })),
          event: Type.Optional(Type.String({ maxLength: 64 })),
          cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: DeliveryPageSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => {
      const limit = req.query.limit ?? 50;
      const items = await deps.notifications.list(actorOf(req), { ...req.query, beforeId: req.query.cursor, limit });
      return { items: items.map(view), nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
    },
  });

  r.get('/notifications/:id', {
    schema: { tags, summary: 'One delivery', params: IdParams, response: { 200: DeliverySchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => view(await deps.notifications.get(actorOf(req), req.params.id)),
  });

  r.post('/notifications/:id/resend', {
    schema: {
      tags,
      summary: 'Send a failed or suppressed delivery again, from its first attempt (admin)',
      params: IdParams,
      body: Type.Object({}, { additionalProperties: false }),
      response: { 200: DeliverySchema, ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema) },
    },
    handler: async (req) => view(await deps.notifications.resend(actorOf(req), req.params.id)),
  });

  r.post('/users/:username/telegram-link', {
    schema: {
      tags: ['users'],
      summary: 'A one-time code that links a Telegram account to the user: send /link CODE to the bot (admin, or yourself); valid 15 minutes',
      params: Type.Object({ username: Type.String() }, { additionalProperties: false }),
      body: Type.Object({}, { additionalProperties: false }),
      response: { 201: TelegramLinkSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req, reply) => reply.code(201).send(await deps.notifications.createLinkCode(actorOf(req), req.params.username)),
  });

  r.post('/telegram/webhook/:bot', {
    config: { public: true },
    schema: {
      tags: ['telegram'],
      summary: 'Telegram delivers updates here (setWebhook with secret_token); X-Telegram-Bot-Api-Secret-Token must match',
      security: [],
      params: Type.Object({ bot: Type.String() }, { additionalProperties: false }),
      body: Type.Object({ update_id: Type.Integer() }, { additionalProperties: true }),
      response: { 200: Type.Object({ ok: Type.Boolean() }), 401: Type.Ref(ProblemSchema), 404: Type.Ref(ProblemSchema) },
    },
    handler: async (req) => {
      const header = req.headers['x-telegram-bot-api-secret-token'];
      await deps.telegram.handleWebhook(req.params.bot, Array.isArray(header) ? header[0] : header, req.body as unknown as Update);
      return { ok: true };
    },
  });
}

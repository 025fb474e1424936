/**
 * The `channels` sections of tonic.config.yaml: per system, which events go where (Telegram,
 * Slack, webhooks, email) in which language; at the top level, what channels share (Telegram
 * bots, the SMTP server, retries, how often a waiting state is repeated).
 */
import { Type } from '@sinclair/typebox';
import { LANGUAGES } from '../features/notifications/templates/message-format.ts';

export const CHANNEL_KINDS = ['telegram', 'slack', 'webhook', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
const UPDATE_MODES = ['polling', 'webhook', 'none'] as const;

const Url = (description: string) => Type.String({ format: 'uri', description });

export const ChannelSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$', description: 'Names the channel in delivery records; unique within the system.', examples: ['ops-chat'] }),
    kind: Type.Union(CHANNEL_KINDS.map((k) => Type.Literal(k)), { description: 'telegram (a chat, through a bot of channels.telegramBots), slack (an incoming webhook), webhook (signed JSON) or email.' }),
    events: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Events delivered here: exact names (release.held), prefixes (t1.*, bug.*) or * for all.',
      examples: [['t1.*', 't2.*', 'release.held']],
    }),
    language: Type.Optional(Type.Union(LANGUAGES.map((l) => Type.Literal(l)), { description: 'zh-Hant (SEED.md\'s Traditional Chinese templates) or en. Default zh-Hant.' })),
    remindAfterHours: Type.Optional(
      Type.Number({ minimum: 0, maximum: 720, description: 'A waiting state (release held, freeze, no fix) is announced again at most this often; when absent, channels.remindAfterHours.', examples: [12] }),
    ),
    validationSteps: Type.Optional(
      Type.Boolean({
        description:
          "Add each bug's validation steps (from its analysis) to the messages that ask people to validate (T1 Flow 1, T2 Flow 2 PROD). Default false (SEED.md's text as it is).",
      }),
    ),
    bot: Type.Optional(Type.String({ description: 'telegram: the name of a bot in channels.telegramBots.', examples: ['tonic'] })),
    chatId: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Integer()], { description: 'telegram: the chat id (-100… for groups) or @channelname.', examples: ['-1001234567890'] })),
    buttons: Type.Optional(Type.Boolean({ description: 'telegram: approval buttons under the T1 Flow 1 and T2 Flow 2 messages. Default true.' })),
    webhookUrl: Type.Optional(Type.String({ format: 'uri', description: 'slack: the incoming-webhook URL (a secret: use ${ENV_VAR}).', examples: ['${SLACK_WEBHOOK_URL}'] })),
    url: Type.Optional(Url('webhook: receives a JSON POST per message.')),
    secret: Type.Optional(Type.String({ minLength: 16, description: 'webhook: HMAC-SHA256 key signing "<timestamp>.<body>"; use ${ENV_VAR}.', examples: ['${TONIC_HOOK_SECRET}'] })),
    to: Type.Optional(Type.Array(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' }), { minItems: 1, description: 'email: the addresses that receive the messages.', examples: [['cto@example.com']] })),
  },
  { additionalProperties: false },
);

const TelegramBotSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$', description: 'Referred to by channels (bot:) and in the webhook URL /api/v1/telegram/webhook/{name}.', examples: ['tonic'] }),
    token: Type.String({ minLength: 1, description: 'The bot token from @BotFather; use ${ENV_VAR}.', examples: ['${TELEGRAM_BOT_TOKEN}'] }),
    updates: Type.Optional(
      Type.Union(UPDATE_MODES.map((m) => Type.Literal(m)), {
        description: 'How button presses and commands reach Tonic: polling (getUpdates; one instance at a time), webhook (Telegram POSTs to Tonic) or none. Default polling.',
      }),
    ),
    webhookSecret: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9_-]{16,256}$', description: 'webhook: the secret_token given to setWebhook; updates without it in X-Telegram-Bot-Api-Secret-Token are refused.', examples: ['${TELEGRAM_WEBHOOK_SECRET}'] }),
    ),
    apiRoot: Type.Optional(Url('A Bot API server other than Telegram\'s own (https://api.telegram.org), such as a local one.')),
  },
  { additionalProperties: false },
);

const SmtpSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'SMTP server for email channels.', examples: ['smtp.example.com'] }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Default 587 (465 when secure).', examples: [587] })),
    secure: Type.Optional(Type.Boolean({ description: 'TLS from the start (port 465). Otherwise STARTTLS when the server offers it. Default false.' })),
    user: Type.Optional(Type.String({ description: 'Login, when the server needs one.', examples: ['tonic'] })),
    password: Type.Optional(Type.String({ description: 'Use ${ENV_VAR}.', examples: ['${SMTP_PASSWORD}'] })),
    from: Type.String({ minLength: 3, description: 'The sender address.', examples: ['Tonic Deploy <tonic@example.com>'] }),
  },
  { additionalProperties: false, description: 'The SMTP server of the email channels.' },
);

export const ChannelDefaultsSchema = Type.Object(
  {
    telegramBots: Type.Optional(Type.Array(TelegramBotSchema, { description: 'Telegram bots that telegram channels post through.' })),
    smtp: Type.Optional(SmtpSchema),
    remindAfterHours: Type.Optional(
      Type.Number({ minimum: 0, maximum: 720, description: 'How often, at most, a waiting state is announced again on channels that do not say. Default 12 (once a night, not on every manual run).', examples: [12] }),
    ),
    retry: Type.Optional(
      Type.Object(
        {
          maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Attempts before a delivery is marked failed. Default 10.' })),
          firstDelaySeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, description: 'Wait after the first failed attempt; doubles each time. Default 30.' })),
          maxDelayMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, description: 'Longest wait between attempts. Default 60.' })),
        },
        { additionalProperties: false, description: 'Retries of a channel that fails in a way retrying can help (5xx, timeouts, 429).' },
      ),
    ),
  },
  { additionalProperties: false, description: 'What the channels of every system share.' },
);

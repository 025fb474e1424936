/**
 * The `channels` sections, checked and normalised: every problem names its key path (an unknown
 * event or kind, a Telegram channel without a bot, an email channel with no SMTP server), and the
 * result is what the delivery worker reads.
 */
import type { Static } from '@sinclair/typebox';
import { DEFAULT_REMIND_AFTER_MS, DEFAULT_RETRY, type RetryPolicy } from '../features/notifications/notification-rules.ts';
import type { Language } from '../features/notifications/templates/message-format.ts';
import { eventsMatching, NOTIFIED_EVENTS } from '../features/notifications/templates/notified-events.ts';
import { assertNever } from '../shared/errors.ts';
import { CHANNEL_KINDS, type ChannelDefaultsSchema, type ChannelKind, type ChannelSchema } from './channels-schema.ts';

type ChannelInput = Static<typeof ChannelSchema>;
type DefaultsInput = Static<typeof ChannelDefaultsSchema>;

type ChannelCommon = {
  name: string;
  events: string[];
  language: Language;
  remindAfterMs: number;
  /** Validation steps under the messages that ask people to validate (absent: false). */
  validationSteps?: boolean;
};

export type ChannelConfig = ChannelCommon &
  (
    | { kind: 'telegram'; bot: string; chatId: string; buttons: boolean }
    | { kind: 'slack'; webhookUrl: string }
    | { kind: 'webhook'; url: string; secret: string }
    | { kind: 'email'; to: string[] }
  );

export type TelegramBotConfig = { name: string; token: string; updates: 'polling' | 'webhook' | 'none'; webhookSecret: string | null; apiRoot: string | null };
export type SmtpConfig = { host: string; port: number; secure: boolean; user: string | null; password: string | null; from: string };

export type ChannelDefaults = { telegramBots: TelegramBotConfig[]; smtp: SmtpConfig | null; remindAfterMs: number; retry: RetryPolicy };

/** The keys each kind takes besides the common ones; any other kind's key is a mistake. */
const KIND_KEYS: Record<ChannelKind, { required: (keyof ChannelInput)[]; optional: (keyof ChannelInput)[] }> = {
  telegram: { required: ['bot', 'chatId'], optional: ['buttons'] },
  slack: { required: ['webhookUrl'], optional: [] },
  webhook: { required: ['url', 'secret'], optional: [] },
  email: { required: ['to'], optional: [] },
};
const KIND_SPECIFIC = new Set(Object.values(KIND_KEYS).flatMap((k) => [...k.required, ...k.optional]));

/** Problems of the top-level `channels` section (the schema has checked the types). */
export function checkChannelDefaults(d: Partial<DefaultsInput> | null | undefined, problems: string[]): void {
  if (!d || typeof d !== 'object') return;
  const bots = Array.isArray(d.telegramBots) ? d.telegramBots : [];
  const seen = new Set<string>();
  bots.forEach((b, i) => {
    if (!b || typeof b !== 'object') return;
    if (typeof b.name === 'string') {
      if (seen.has(b.name)) problems.push(`channels.telegramBots[${i}].name: "${b.name}" is declared twice; bot names must be unique`);
      seen.add(b.name);
    }
    if (b.updates === 'webhook' && !b.webhookSecret) {
      problems.push(`channels.telegramBots[${i}].webhookSecret: required when updates is webhook: the secret_token Telegram sends with every update (16+ letters, digits, _ or -)`);
    }
  });
}

/** Problems of one system's `channels` list, given the top-level section. */
export function checkChannels(channels: unknown, at: string, defaults: Partial<DefaultsInput> | null | undefined, problems: string[]): void {
  if (!Array.isArray(channels)) return;
  const bots = new Set((Array.isArray(defaults?.telegramBots) ? defaults.telegramBots : []).map((b) => b?.name).filter((n): n is string => typeof n === 'string'));
  const names = new Set<string>();
  channels.forEach((raw: Partial<ChannelInput> | null, i) => {
    const path = `${at}[${i}]`;
    if (!raw || typeof raw !== 'object') return;
    if (typeof raw.name === 'string') {
      if (names.has(raw.name)) problems.push(`${path}.name: "${raw.name}" is declared twice in this system; channel names must be unique`);
      names.add(raw.name);
    }
    if (Array.isArray(raw.events)) {
      raw.events.forEach((pattern, j) => {
        if (typeof pattern === 'string' && pattern !== '' && eventsMatching(pattern).length === 0) {
          problems.push(
            `${path}.events[${j}]: "${pattern}" is not an event: give an event name, a prefix with .* (t1.*, bug.*) or *; events are ${NOTIFIED_EVENTS.join(', ')}`,
          );
        }
      });
    }
    const kind = raw.kind as ChannelKind | undefined;
    if (!kind || !CHANNEL_KINDS.includes(kind)) return; // the schema reported it
    for (const key of KIND_KEYS[kind].required) {
      if (raw[key] === undefined) problems.push(`${path}.${key}: required for a ${kind} channel`);
    }
    const allowed = new Set([...KIND_KEYS[kind].required, ...KIND_KEYS[kind].optional]);
    for (const key of Object.keys(raw) as (keyof ChannelInput)[]) {
      if (KIND_SPECIFIC.has(key) && !allowed.has(key)) {
        problems.push(`${path}.${key}: not a key of a ${kind} channel (it takes ${[...allowed].join(', ')})`);
      }
    }
    if (kind === 'telegram' && typeof raw.bot === 'string' && !bots.has(raw.bot)) {
      const known = bots.size ? `declared bots: ${[...bots].join(', ')}` : 'no bot is declared';
      problems.push(`${path}.bot: "${raw.bot}" is not in channels.telegramBots (${known})`);
    }
    if (kind === 'email' && !defaults?.smtp) {
      problems.push(`${path}: an email channel needs the SMTP server: set channels.smtp (host, from) at the top level`);
    }
  });
}

export function normaliseChannelDefaults(d: DefaultsInput | undefined): ChannelDefaults {
  return {
    telegramBots: (d?.telegramBots ?? []).map((b) => ({
      name: b.name,
      token: b.token,
      updates: b.updates ?? 'polling',
      webhookSecret: b.webhookSecret ?? null,
      apiRoot: b.apiRoot ? b.apiRoot.replace(/\/+$/, '') : null,
    })),
    smtp: d?.smtp
      ? {
          host: d.smtp.host,
          port: d.smtp.port ?? (d.smtp.secure ? 465 : 587),
          secure: d.smtp.secure ?? false,
          user: d.smtp.user ?? null,
          password: d.smtp.password ?? null,
          from: d.smtp.from,
        }
      : null,
    remindAfterMs: d?.remindAfterHours !== undefined ? Math.round(d.remindAfterHours * 3_600_000) : DEFAULT_REMIND_AFTER_MS,
    retry: {
      maxAttempts: d?.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
      firstDelayMs: d?.retry?.firstDelaySeconds !== undefined ? d.retry.firstDelaySeconds * 1000 : DEFAULT_RETRY.firstDelayMs,
      maxDelayMs: d?.retry?.maxDelayMinutes !== undefined ? d.retry.maxDelayMinutes * 60_000 : DEFAULT_RETRY.maxDelayMs,
    },
  };
}

export function normaliseChannels(channels: ChannelInput[] | undefined, defaults: ChannelDefaults): ChannelConfig[] {
  return (channels ?? []).map((c): ChannelConfig => {
    const common: ChannelCommon = {
      name: c.name,
      events: [...c.events],
      language: c.language ?? 'zh-Hant',
      remindAfterMs: c.remindAfterHours !== undefined ? Math.round(c.remindAfterHours * 3_600_000) : defaults.remindAfterMs,
      validationSteps: c.validationSteps ?? false,
    };
    switch (c.kind) {
      case 'telegram':
        return { ...common, kind: 'telegram', bot: c.bot!, chatId: String(c.chatId!), buttons: c.buttons ?? true };
      case 'slack':
        return { ...common, kind: 'slack', webhookUrl: c.webhookUrl! };
      case 'webhook':
        return { ...common, kind: 'webhook', url: c.url!, secret: c.secret! };
      case 'email':
        return { ...common, kind: 'email', to: [...c.to!] };
      default:
        return assertNever(c.kind, 'channel kind');
    }
  });
}

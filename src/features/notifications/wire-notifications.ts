/**
 * Notifications wired from configuration: the store, the use cases, the Telegram bots, one
 * notifier per configured channel, and the delivery worker. compose.ts calls this once.
 */
import type { Dialect } from '../../adapters/db/database.ts';
import type { Db } from '../../adapters/db/schema.ts';
import { createEmailNotifier, createMailer } from '../../adapters/notify/email-notifier.ts';
import type { Notifier } from '../../adapters/notify/notifier.ts';
import { createSlackNotifier } from '../../adapters/notify/slack-notifier.ts';
import { createTelegramNotifier } from '../../adapters/notify/telegram-notifier.ts';
import { createWebhookNotifier } from '../../adapters/notify/webhook-notifier.ts';
import { normaliseChannelDefaults, type ChannelConfig } from '../../config/channels-config.ts';
import type { TonicConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { assertNever } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { BugService } from '../bugs/bug-service.ts';
import type { EnvironmentService } from '../environments/environment-service.ts';
import type { IdentityService } from '../identity/identity-service.ts';
import { createIdentityStore } from '../identity/identity-store.ts';
import type { RunService } from '../runs/run-service.ts';
import type { RunStore } from '../runs/run-store.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import { createDeliveryWorker } from './delivery-worker.ts';
import { createNotificationService } from './notification-service.ts';
import { createNotificationStore } from './notification-store.ts';
import { createTelegramBots } from './telegram-bot.ts';

type WireDeps = {
  db: Db;
  dialect: Dialect;
  config: TonicConfig;
  systems: SystemRegistry;
  identity: IdentityService;
  audit: AuditStore;
  bugs: BugService;
  runs: RunService;
  runStore: RunStore;
  environments: EnvironmentService;
  clock: Clock;
  instance: string;
  /** Where the worker and the bots report their failures (default: standard error). */
  logger?: Logger;
};

export function wireNotifications(deps: WireDeps) {
  const { db, systems, clock, instance } = deps;
  const log = deps.logger ? (message: string, error?: unknown) => deps.logger!.error(error === undefined ? {} : { err: error }, message) : undefined;
  const defaults = deps.config.channels ?? normaliseChannelDefaults(undefined);
  const store = createNotificationStore(deps.dialect);
  const service = createNotificationService({ db, store, identityStore: createIdentityStore(), identity: deps.identity, systems, audit: deps.audit, clock });
  const telegram = createTelegramBots({
    bots: defaults.telegramBots,
    db,
    store,
    notifications: service,
    bugs: deps.bugs,
    runs: deps.runs,
    environments: deps.environments,
    systems,
    clock,
    instance,
    ...(log ? { log } : {}),
  });
  const mailer = defaults.smtp ? createMailer(defaults.smtp) : null;

  const notifiers = new Map<string, Notifier | null>();
  function build(channel: ChannelConfig): Notifier | null {
    switch (channel.kind) {
      case 'telegram': {
        const api = telegram.api(channel.bot);
        return api ? createTelegramNotifier(channel, api) : null;
      }
      case 'slack':
        return createSlackNotifier(channel);
      case 'webhook':
        return createWebhookNotifier(channel, () => clock.now());
      case 'email':
        return mailer ? createEmailNotifier(channel, mailer) : null;
      default:
        return assertNever(channel, 'channel');
    }
  }

  const worker = createDeliveryWorker({
    db,
    store,
    systems,
    defaults,
    clock,
    instance,
    ...(log ? { log } : {}),
    notifierFor(system, channel) {
      const key = `${system}/${channel.name}`;
      if (!notifiers.has(key)) notifiers.set(key, build(channel));
      return notifiers.get(key) ?? null;
    },
    async runEnded(reader, system, runId) {
      const run = await deps.runStore.get(reader, system, runId);
      return run === undefined || run.status !== 'running';
    },
  });

  return {
    store,
    service,
    telegram,
    worker,
    /** The server: the worker on a timer and the bots' long polling; returns stop(). */
    start(intervalMs: number): () => Promise<void> {
      const stopWorker = worker.start(intervalMs);
      const stopPolling = telegram.startPolling();
      return async () => {
        await stopPolling();
        await stopWorker();
        mailer?.close();
      };
    },
  };
}

export type Notifications = ReturnType<typeof wireNotifications>;

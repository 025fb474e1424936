/**
 * Drains the outbox (DESIGN.md decision 12). Each tick:
 *   1. a send cut short (the instance was killed while sending) is settled: sent again where the
 *      channel recognises repeats (webhooks by Idempotency-Key, email by Message-ID), else marked
 *      failed with the reason, for a person to check and resend: never posted twice;
 *   2. new outbox messages are routed: one delivery per channel that takes the event, a run's
 *      per-bug findings as one digest per channel, a waiting state already announced recently
 *      recorded as suppressed;
 *   3. due deliveries are claimed (FOR UPDATE SKIP LOCKED on PostgreSQL, so instances share the
 *      work), rendered, sent in order per channel, and their outcome recorded: sent with the
 *      channel's message id, retried with backoff when retrying can help, failed otherwise.
 */
import type { Db } from '../../adapters/db/schema.ts';
import type { Notifier, OutgoingMessage } from '../../adapters/notify/notifier.ts';
import type { ChannelConfig, ChannelDefaults } from '../../config/channels-config.ts';
import type { Clock } from '../../shared/clock.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import { afterAttempt, channelsFor, digestKey, isQuietRepeat, waitingStateKey, type RetryPolicy, type SendOutcome } from './notification-rules.ts';
import type { NewDelivery, NotificationStore, OutboxRow } from './notification-store.ts';
import { MissingPlaceholderError, type RenderedMessage } from './templates/message-format.ts';
import { isNotifiedEvent } from './templates/notified-events.ts';
import { renderMessage } from './templates/render.ts';
import type { NotificationDeliveryRow, Reader } from '../../adapters/db/schema.ts';

export type DeliveryWorkerDeps = {
  db: Db;
  store: NotificationStore;
  systems: SystemRegistry;
  defaults: ChannelDefaults;
  clock: Clock;
  instance: string;
  /** The notifier of a system's channel; null when it cannot be built (its bot or SMTP server is gone). */
  notifierFor(system: string, channel: ChannelConfig): Notifier | null;
  /** Whether a run has ended (a digest waits for its run's last finding). */
  runEnded(db: Reader, system: string, runId: number): Promise<boolean>;
  /** Logs what the worker cannot report elsewhere. */
  log?: (message: string, error?: unknown) => void;
};

const ROUTE_BATCH = 200;
const SEND_BATCH = 50;
/** A send longer than this (twice the request time limit, and some) is taken for dead. */
const SEND_LEASE_MS = 60_000;
/** How long a digest of a running run waits before it looks again. */
const DIGEST_WAIT_MS = 10_000;
/** Rounds of claim-and-send per tick, so that a tick ends. */
const MAX_SEND_ROUNDS = 20;

export function createDeliveryWorker(deps: DeliveryWorkerDeps) {
  const { db, store, systems, clock, instance } = deps;
  const retry: RetryPolicy = deps.defaults.retry;
  const log = deps.log ?? ((message: string, error?: unknown) => console.error(message, error ?? ''));
  let ticking: Promise<void> | null = null;
  let stopping = false;

  function systemOf(name: string | null) {
    if (name === null) return null;
    return systems.list().find((s) => s.name === name) ?? null;
  }

  function channelOf(system: string | null, name: string): ChannelConfig | null {
    return systemOf(system)?.channels.find((c) => c.name === name) ?? null;
  }

  // ---- 1. sends cut short ---------------------------------------------------------------------

  async function settleExpiredSends(): Promise<void> {
    const now = clock.now();
    for (const row of await store.expiredSends(db, now)) {
      const channel = channelOf(row.system, row.channel);
      const notifier = channel && row.system ? deps.notifierFor(row.system, channel) : null;
      if (notifier?.idempotent) {
        await store.releaseExpired(db, row.id, {
          status: 'pending',
          lastError: `attempt ${row.attempts} was cut short (the sending instance ${row.claimed_by} stopped); sent again with the same idempotency key`,
          at: now,
        });
      } else {
        await store.releaseExpired(db, row.id, {
          status: 'failed',
          lastError:
            `attempt ${row.attempts} was cut short (the sending instance ${row.claimed_by} stopped) and ${row.kind} cannot recognise a repeat: ` +
            'the message may or may not have arrived. Check the channel, and resend it if it is missing (POST /api/v1/notifications/{id}/resend)',
          at: now,
        });
      }
    }
  }

  // ---- 2. routing ---------------------------------------------------------------------------

  async function routeBatch(): Promise<number> {
    return db.transaction().execute(async (trx) => {
      const now = clock.now();
      const messages = await store.claimOutbox(trx, now, ROUTE_BATCH);
      const unrouted: number[] = [];
      const waiting: number[] = [];
      const routed: number[] = [];
      const groups = new Map<string, OutboxRow[]>();
      for (const m of messages) {
        const system = systemOf(m.system);
        const channels = system && isNotifiedEvent(m.event) ? channelsFor(m.event, system.channels) : [];
        if (!system || channels.length === 0) {
          unrouted.push(m.id);
          continue;
        }
        const digest = digestKey(m.event, m.payload);
        if (digest && !(await deps.runEnded(trx, system.name, m.payload.runId as number))) {
          waiting.push(m.id);
          continue;
        }
        const key = digest ? `${system.name} ${digest}` : `message ${m.id}`;
        groups.set(key, [...(groups.get(key) ?? []), m]);
      }
      const deliveries: NewDelivery[] = [];
      for (const members of groups.values()) {
        const first = members[0]!;
        const system = systemOf(first.system)!;
        const payloads = members.map((m) => m.payload);
        const quietKey = waitingStateKey(first.event, payloads);
        for (const channel of channelsFor(first.event, system.channels)) {
          const last = quietKey ? await store.lastAnnounced(trx, system.name, channel.name, quietKey) : null;
          const quiet = isQuietRepeat(last, now, channel.remindAfterMs);
          deliveries.push({
            outboxId: first.id,
            messageIds: members.map((m) => m.id),
            system: system.name,
            channel: channel.name,
            kind: channel.kind,
            event: first.event,
            idempotencyKey: `${first.idempotencyKey}@${system.name}/${channel.name}`,
            quietKey,
            status: quiet ? 'suppressed' : 'pending',
            lastError: quiet
              ? `the same waiting state went to ${channel.name} at ${last!.toISOString()}; it is repeated at most every ${Math.round(channel.remindAfterMs / 60_000)} minutes (remindAfterHours)`
              : null,
            at: now,
          });
        }
        routed.push(...members.map((m) => m.id));
      }
      await store.insertDeliveries(trx, deliveries);
      await store.finishOutbox(trx, routed, 'routed');
      await store.finishOutbox(trx, unrouted, 'unrouted');
      await store.finishOutbox(trx, waiting, 'pending', new Date(now.getTime() + DIGEST_WAIT_MS));
      return messages.length;
    });
  }

  async function route(): Promise<void> {
    for (let round = 0; round < 50 && !stopping; round++) {
      if ((await routeBatch()) < ROUTE_BATCH) return;
    }
  }

  // ---- 3. sending ---------------------------------------------------------------------------

  /** Renders a delivery's message from its outbox payloads, in its channel's language and its system's zone. */
  async function render(row: NotificationDeliveryRow, channel: ChannelConfig): Promise<{ message: RenderedMessage; payloads: Record<string, unknown>[] }> {
    const ids = JSON.parse(row.message_ids) as number[];
    const messages = await store.outboxPayloads(db, ids);
    if (messages.length === 0) throw new MissingPlaceholderError(row.event, ['(the outbox message)']);
    if (!isNotifiedEvent(row.event)) throw new Error(`no template for event ${row.event}`);
    const payloads = messages.map((m) => m.payload);
    const timeZone = systemOf(row.system)?.timeZone ?? 'UTC';
    const rendered = renderMessage(row.event, payloads, { language: channel.language, timeZone, system: row.system, validationSteps: channel.validationSteps ?? false });
    const withButtons = channel.kind === 'telegram' && channel.buttons ? rendered : { ...rendered, buttons: [] };
    return { message: withButtons, payloads };
  }

  /** One attempt at one delivery; true when it went out. */
  async function attempt(row: NotificationDeliveryRow): Promise<boolean> {
    const channel = channelOf(row.system, row.channel);
    const notifier = channel && row.system ? deps.notifierFor(row.system, channel) : null;
    if (!channel || !notifier) {
      await store.recordAttempt(db, row.id, instance, {
        status: 'failed',
        lastError: `channel ${row.channel} of ${row.system ?? '(no system)'} is no longer configured (or its bot or SMTP server is missing)`,
        at: clock.now(),
      });
      return false;
    }
    let outgoing: OutgoingMessage;
    try {
      const { message, payloads } = await render(row, channel);
      outgoing = { deliveryId: row.id, idempotencyKey: row.idempotency_key, system: row.system, event: row.event, message, payloads, language: channel.language, createdAt: row.created_at };
    } catch (error) {
      // A template that cannot be filled will not be filled by trying again: failed, visibly.
      await store.recordAttempt(db, row.id, instance, { status: 'failed', lastError: (error as Error).message, at: clock.now() });
      return false;
    }
    let outcome: SendOutcome;
    try {
      outcome = await notifier.send(outgoing);
    } catch (error) {
      outcome = { kind: 'retry', answer: `unexpected error: ${(error as Error).message}`, retryAfterMs: null };
    }
    const now = clock.now();
    const next = afterAttempt(outcome, row.attempts, now, retry);
    const recorded = await store.recordAttempt(db, row.id, instance, {
      ...next,
      ...(next.status === 'sent' ? { content: outgoing.message, lastError: null } : {}),
      at: now,
    });
    if (!recorded) log(`notification delivery ${row.id}: its claim was lost while sending; the outcome (${next.status}) was not recorded`);
    return next.status === 'sent';
  }

  /** A channel's claimed deliveries, in order; after one that did not go out, the rest wait. */
  async function sendChannel(rows: NotificationDeliveryRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i++) {
      if (stopping) {
        await store.giveBack(db, rows.slice(i).map((r) => r.id), instance);
        return;
      }
      if (!(await attempt(rows[i]!))) {
        await store.giveBack(db, rows.slice(i + 1).map((r) => r.id), instance);
        return;
      }
    }
  }

  async function sendDue(): Promise<void> {
    for (let round = 0; round < MAX_SEND_ROUNDS && !stopping; round++) {
      const now = clock.now();
      const claimed = await store.claimDue(db, { now, instance, leaseUntil: new Date(now.getTime() + SEND_LEASE_MS), limit: SEND_BATCH });
      if (claimed.length === 0) return;
      const byChannel = new Map<string, NotificationDeliveryRow[]>();
      for (const row of claimed) {
        const key = `${row.system ?? ''}/${row.channel}`;
        byChannel.set(key, [...(byChannel.get(key) ?? []), row]);
      }
      // Channels in parallel (one slow chat does not hold up Slack); each channel in order.
      await Promise.all([...byChannel.values()].map(sendChannel));
      if (claimed.length < SEND_BATCH) return;
    }
  }

  async function tickOnce(): Promise<void> {
    await settleExpiredSends();
    await route();
    await sendDue();
  }

  return {
    /** One pass; concurrent calls share it. */
    tick(): Promise<void> {
      ticking ??= tickOnce().finally(() => {
        ticking = null;
      });
      return ticking;
    },

    /** Ticks on a real timer (the server); tests call tick() with a fake clock. Returns stop(). */
    start(intervalMs: number): () => Promise<void> {
      stopping = false;
      const run = () => void this.tick().catch((e: unknown) => log('notification delivery tick failed', e));
      const timer = setInterval(run, intervalMs);
      run();
      return async () => {
        stopping = true;
        clearInterval(timer);
        await ticking?.catch(() => undefined);
      };
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;

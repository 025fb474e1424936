/**
 * The delivery policy, pure: which channels take a message, what a channel's answer means (sent,
 * retry, give up), how long to wait before the next attempt, which messages are one waiting state
 * announced again (kept quiet), which messages of a run travel together, and in what order a
 * channel's messages go out. No I/O, no clock: instants are parameters.
 */
import type { ChannelConfig } from '../../config/channels-config.ts';
import { DIGEST_EVENTS } from './templates/render.ts';
import { eventMatches } from './templates/notified-events.ts';

export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type RetryPolicy = { maxAttempts: number; firstDelayMs: number; maxDelayMs: number };
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, firstDelayMs: 30_000, maxDelayMs: 60 * 60_000 };

/** A waiting state is announced again at most this often by default: once a night, not per manual run. */
export const DEFAULT_REMIND_AFTER_MS = 12 * 60 * 60_000;

/** What one attempt to send came to, as a notifier reports it. */
export type SendOutcome =
  | { kind: 'sent'; answer: string; externalId: string | null }
  | { kind: 'retry'; answer: string; retryAfterMs: number | null }
  | { kind: 'failed'; answer: string };

/**
 * An HTTP answer: 2xx delivered; 408, 425, 429 and 5xx may pass if tried again; any other 4xx
 * (bad token, unknown chat, a Slack URL that no longer exists) will not, so it fails at once.
 */
export function classifyHttpStatus(status: number): SendOutcome['kind'] {
  if (status >= 200 && status < 300) return 'sent';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/** Wait after `attempts` failed attempts: firstDelay, doubled each time, at most maxDelay. */
export function backoffMs(attempts: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, attempts - 1));
}

export type AttemptResult =
  | { status: 'sent'; externalId: string | null; answer: string }
  | { status: 'pending'; nextAttemptAt: Date; lastError: string; answer: string }
  | { status: 'failed'; lastError: string; answer: string };

/**
 * The delivery's next state after attempt number `attempts` ended in `outcome` at `now`. A retry
 * waits the backoff, or longer when the channel asked for it (Telegram's retry_after, HTTP
 * Retry-After); after maxAttempts it gives up.
 */
export function afterAttempt(outcome: SendOutcome, attempts: number, now: Date, policy: RetryPolicy): AttemptResult {
  switch (outcome.kind) {
    case 'sent':
      return { status: 'sent', externalId: outcome.externalId, answer: outcome.answer };
    case 'failed':
      return { status: 'failed', lastError: `the channel refused the message, and retrying cannot help: ${outcome.answer}`, answer: outcome.answer };
    case 'retry': {
      if (attempts >= policy.maxAttempts) {
        return { status: 'failed', lastError: `gave up after ${attempts} attempts; the last answer: ${outcome.answer}`, answer: outcome.answer };
      }
      const wait = Math.max(backoffMs(attempts, policy), outcome.retryAfterMs ?? 0);
      return { status: 'pending', nextAttemptAt: new Date(now.getTime() + wait), lastError: `attempt ${attempts} failed: ${outcome.answer}`, answer: outcome.answer };
    }
  }
}

/** The channels of a system that take `event`. */
export function channelsFor<C extends Pick<ChannelConfig, 'events'>>(event: string, channels: readonly C[]): C[] {
  return channels.filter((c) => c.events.some((pattern) => eventMatches(pattern, event)));
}

// ---- quiet repeats ------------------------------------------------------------------------------

const ids = (list: unknown): string =>
  Array.isArray(list)
    ? list
        .map((b) => (b && typeof b === 'object' ? (b as { id?: unknown }).id : b))
        .map(String)
        .sort()
        .join(',')
    : '';

const field = (payload: Record<string, unknown>, key: string): string => {
  const v = payload[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
};

/**
 * The waiting state a message announces, when it announces one that can last for nights (a
 * release held back by the same bugs, a freeze, a checklist failing the same way, bugs without a
 * fix): the same key means "nothing changed since the last message". Null for everything else:
 * events happen once and are always delivered.
 */
export function waitingStateKey(event: string, payloads: readonly Record<string, unknown>[]): string | null {
  const first = payloads[0] ?? {};
  const bugIds = (key: string) => ids(payloads.map((p) => p[key]));
  switch (event) {
    case 'release.held':
      return `release.held:${field(first, 'release')}:${ids(first.waiting)}`;
    case 'bug.fix_missing':
      return `bug.fix_missing:${bugIds('bug')}`;
    case 'bug.conflict':
      return `bug.conflict:${payloads.map((p) => `${ids([p.bug])}@${field(p, 'commit')}`).sort().join(',')}`;
    case 'run.skipped': {
      // T1 and T2 skipped by one freeze are one waiting state.
      const freezes = Array.isArray(first.freezes) ? first.freezes.map((f) => (f && typeof f === 'object' ? String((f as { label?: unknown }).label) : '')).sort().join(',') : '';
      const failing = Array.isArray(first.checklist)
        ? first.checklist
            .filter((c) => c && typeof c === 'object' && (c as { result?: unknown }).result !== 'pass')
            .map((c) => String((c as { probe?: unknown }).probe))
            .sort()
            .join(',')
        : '';
      return `run.skipped:${field(first, 'reason')}:${freezes || failing || field(first, 'detail')}`;
    }
    case 'run.modules_frozen':
      return `run.modules_frozen:${ids(first.modules)}:${ids(first.bugs)}`;
    case 'checklist.failed': {
      const items = Array.isArray(first.items) ? first.items : [];
      const failing = items
        .filter((c) => c && typeof c === 'object' && (c as { result?: unknown }).result !== 'pass')
        .map((c) => String((c as { probe?: unknown }).probe))
        .sort()
        .join(',');
      return `checklist.failed:${field(first, 'env')}:${failing}`;
    }
    default:
      return null;
  }
}

/** Kept quiet: the same waiting state went to this channel less than `remindAfterMs` ago. */
export function isQuietRepeat(lastAnnouncedAt: Date | null, now: Date, remindAfterMs: number): boolean {
  return lastAnnouncedAt !== null && remindAfterMs > 0 && now.getTime() - lastAnnouncedAt.getTime() < remindAfterMs;
}

// ---- digests ------------------------------------------------------------------------------------

/**
 * The messages a run emits per bug (re-routed, conflict, no fix) travel as one digest per run:
 * they share this key. Null for a message that travels alone.
 */
export function digestKey(event: string, payload: Record<string, unknown>): string | null {
  if (!(DIGEST_EVENTS as readonly string[]).includes(event)) return null;
  return typeof payload.runId === 'number' ? `${event}:run:${payload.runId}` : null;
}

// ---- order per channel ----------------------------------------------------------------------------

export type UnsentDelivery = { id: number; channelKey: string; status: 'pending' | 'sending'; due: boolean };

/**
 * Which deliveries to send now, keeping each channel's messages in order: per channel, the
 * oldest unsent ones for as long as they are pending and due. A channel whose oldest message
 * waits for its retry (or is being sent) sends nothing newer meanwhile: a channel that is down
 * gets one probe at a time, and the night's messages arrive in the order they happened.
 */
export function sendableInOrder(unsent: readonly UnsentDelivery[]): number[] {
  const byChannel = new Map<string, UnsentDelivery[]>();
  for (const d of [...unsent].sort((a, b) => a.id - b.id)) byChannel.set(d.channelKey, [...(byChannel.get(d.channelKey) ?? []), d]);
  const out: number[] = [];
  for (const list of byChannel.values()) {
    for (const d of list) {
      if (d.status !== 'pending' || !d.due) break;
      out.push(d.id);
    }
  }
  return out.sort((a, b) => a - b);
}

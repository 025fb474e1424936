/**
 * A notifier delivers one rendered message to one channel and says what came of it. One
 * implementation per kind, each in its own file; none decides about retries: the answer is
 * classified (sent, retry, failed) and the delivery worker applies the policy.
 */
import type { ChannelKind } from '../../config/channels-schema.ts';
import { classifyHttpStatus, type SendOutcome } from '../../features/notifications/notification-rules.ts';
import type { RenderedMessage } from '../../features/notifications/templates/message-format.ts';

export type OutgoingMessage = {
  /** The delivery's id: Telegram's buttons refer to it. */
  deliveryId: number;
  /** Unique per (message, channel): the same on every attempt, so a receiver can drop repeats. */
  idempotencyKey: string;
  system: string | null;
  event: string;
  message: RenderedMessage;
  /** The outbox payloads the message was rendered from (one, or a digest's). */
  payloads: readonly Record<string, unknown>[];
  language: string;
  /** When the change it announces happened (ISO-8601). */
  createdAt: string;
};

export interface Notifier {
  readonly kind: ChannelKind;
  /**
   * Whether sending the same message again is harmless: the receiver recognises the idempotency
   * key (webhooks) or Message-ID (email). An attempt cut short by a crash is retried only then.
   */
  readonly idempotent: boolean;
  send(message: OutgoingMessage): Promise<SendOutcome>;
}

/** Time limit of one request to a channel. */
export const SEND_TIMEOUT_MS = 15_000;

/** A network failure or timeout: worth another try. */
export function networkFailure(error: unknown): SendOutcome {
  const e = error as Error & { cause?: unknown };
  const why = e?.name === 'TimeoutError' || e?.name === 'AbortError' ? `no answer within ${SEND_TIMEOUT_MS / 1000} s` : String(e?.cause ?? e?.message ?? error);
  return { kind: 'retry', answer: why, retryAfterMs: null };
}

/** Retry-After in seconds (the HTTP-date form is rare for these services and is ignored). */
export function retryAfterMs(header: string | null): number | null {
  const n = header === null ? Number.NaN : Number(header);
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1000) : null;
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** POSTs a JSON body to a channel's URL and reads its answer as a send outcome (Slack, webhooks). */
export async function postJson(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(SEND_TIMEOUT_MS) });
  } catch (error) {
    return networkFailure(error);
  }
  const text = clip((await res.text().catch(() => '')).trim(), 300);
  const answer = `HTTP ${res.status}${text ? `: ${text}` : ''}`;
  const kind = classifyHttpStatus(res.status);
  if (kind === 'sent') return { kind, answer, externalId: null };
  if (kind === 'retry') return { kind, answer, retryAfterMs: retryAfterMs(res.headers.get('retry-after')) };
  return { kind, answer };
}

/**
 * Telegram through grammY: sendMessage to the channel's chat, with the message's approval
 * buttons as an inline keyboard whose callback data names the delivery and the button
 * ("a:<deliveryId>:<row>:<column>"), so a press finds the message and what it approves.
 * Telegram's answer is classified: 401 (bad token), 400 (chat not found), 403 (bot removed) fail
 * at once; 429 waits retry_after; 5xx and network failures are retried.
 */
import { GrammyError, HttpError, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import { classifyHttpStatus, type SendOutcome } from '../../features/notifications/notification-rules.ts';
import type { ApprovalButton } from '../../features/notifications/templates/message-format.ts';
import { networkFailure, SEND_TIMEOUT_MS, type Notifier } from './notifier.ts';

/**
 * The inline keyboard of a message's buttons, less those whose bugs are all approved (a batch
 * button stays while two or more of its bugs wait). Callback data keeps each button's place in
 * the message as sent, so it stays valid as buttons disappear.
 */
export function approvalKeyboard(deliveryId: number, buttons: readonly (readonly ApprovalButton[])[], approved: ReadonlySet<number> = new Set()): InlineKeyboardMarkup | undefined {
  const rows = buttons
    .map((row, r) =>
      row
        .map((b, c) => ({ b, r, c, left: b.bugIds.filter((id) => !approved.has(id)).length }))
        .filter(({ b, left }) => (b.bugIds.length === 1 ? left === 1 : left >= 2))
        .map(({ b, r: row, c }) => ({ text: b.label, callback_data: `a:${deliveryId}:${row}:${c}` })),
    )
    .filter((row) => row.length > 0);
  return rows.length > 0 ? { inline_keyboard: rows } : undefined;
}

/** "a:12:0:0" → the delivery and the button pressed; null for anything else. */
export function parseApprovalCallback(data: string | undefined): { deliveryId: number; row: number; column: number } | null {
  const m = /^a:(\d{1,12}):(\d{1,3}):(\d{1,3})$/.exec(data ?? '');
  return m ? { deliveryId: Number(m[1]), row: Number(m[2]), column: Number(m[3]) } : null;
}

/** grammY types its signals with an older AbortSignal shim; Node's is the same thing at run time. */
export function grammySignal(signal: AbortSignal): Parameters<Api['sendMessage']>[3] {
  return signal as unknown as Parameters<Api['sendMessage']>[3];
}

/** What Telegram (or the network) said, as a send outcome. */
export function telegramOutcome(error: unknown): SendOutcome {
  if (error instanceof GrammyError) {
    const answer = `HTTP ${error.error_code}: ${error.description}`;
    const kind = classifyHttpStatus(error.error_code);
    if (kind === 'retry') {
      const after = error.parameters?.retry_after;
      return { kind, answer, retryAfterMs: typeof after === 'number' ? after * 1000 : null };
    }
    return { kind: 'failed', answer };
  }
  if (error instanceof HttpError) return networkFailure(error.error ?? error);
  return networkFailure(error);
}

export function createTelegramNotifier(config: { chatId: string; buttons: boolean }, api: Api, timeoutMs = SEND_TIMEOUT_MS): Notifier {
  return {
    kind: 'telegram',
    idempotent: false,
    async send(message): Promise<SendOutcome> {
      try {
        const sent = await api.sendMessage(
          config.chatId,
          message.message.text,
          { reply_markup: config.buttons ? approvalKeyboard(message.deliveryId, message.message.buttons) : undefined, link_preview_options: { is_disabled: true } },
          grammySignal(AbortSignal.timeout(timeoutMs)),
        );
        return { kind: 'sent', answer: `message ${sent.message_id} in chat ${sent.chat.id}`, externalId: `${sent.chat.id}:${sent.message_id}` };
      } catch (error) {
        return telegramOutcome(error);
      }
    },
  };
}

/**
 * Slack incoming webhooks: a Block Kit message (header, the text as mrkdwn, the system and event
 * as context), with the plain text as the notification fallback. Slack answers "ok" with 200;
 * 404 "no_service" or 403 "invalid_token" mean the URL is gone (failed at once); 429 carries
 * Retry-After.
 */
import { classifyHttpStatus, type SendOutcome } from '../../features/notifications/notification-rules.ts';
import { clip, networkFailure, retryAfterMs, SEND_TIMEOUT_MS, type Notifier, type OutgoingMessage } from './notifier.ts';

/** Slack's mrkdwn treats &, < and > as markup. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function slackBlocks(message: OutgoingMessage) {
  const body = message.message.text.split('\n').slice(1).join('\n').trim();
  return {
    text: message.message.title,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(message.message.title, 150), emoji: true } },
      ...(body ? [{ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(body), 3000) } }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`${message.system ?? 'tonic'} · ${message.event}`) }] },
    ],
  };
}

export function createSlackNotifier(config: { webhookUrl: string }, timeoutMs = SEND_TIMEOUT_MS): Notifier {
  return {
    kind: 'slack',
    idempotent: false,
    async send(message): Promise<SendOutcome> {
      let res: Response;
      try {
        res = await fetch(config.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(slackBlocks(message)),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        return networkFailure(error, timeoutMs);
      }
      const text = clip((await res.text().catch(() => '')).trim(), 300);
      const answer = `HTTP ${res.status}${text ? `: ${text}` : ''}`;
      const kind = classifyHttpStatus(res.status);
      if (kind === 'sent') return { kind, answer, externalId: null };
      if (kind === 'retry') return { kind, answer, retryAfterMs: retryAfterMs(res.headers.get('retry-after')) };
      return { kind, answer };
    },
  };
}

/**
 * Slack incoming webhooks: a Block Kit message (header, the text as mrkdwn, the system and event
 * as context), with the plain text as the notification fallback. Slack answers "ok" with 200;
 * 404 "no_service" or 403 "invalid_token" mean the URL is gone (failed at once); 429 carries
 * Retry-After.
 */
import { clip, postJson, type Notifier, type OutgoingMessage } from './notifier.ts';

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

export function createSlackNotifier(config: { webhookUrl: string }): Notifier {
  return {
    kind: 'slack',
    idempotent: false,
    send: (message) => postJson(config.webhookUrl, {}, JSON.stringify(slackBlocks(message))),
  };
}

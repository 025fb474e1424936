/**
 * Generic webhooks: the message and its payloads as JSON, signed like the webhook deploy driver
 * (HMAC-SHA256 over "<timestamp>.<body>" in X-Tonic-Timestamp / X-Tonic-Signature), with an
 * Idempotency-Key header that stays the same on every attempt so the receiver can drop repeats.
 */
import { signWebhook } from '../deploy/webhook-driver.ts';
import { postJson, type Notifier } from './notifier.ts';

export function createWebhookNotifier(config: { url: string; secret: string }, now: () => Date): Notifier {
  return {
    kind: 'webhook',
    idempotent: true,
    async send(message) {
      const body = JSON.stringify({
        id: message.idempotencyKey,
        event: message.event,
        system: message.system,
        at: message.createdAt,
        language: message.language,
        title: message.message.title,
        text: message.message.text,
        payload: message.payloads[0] ?? {},
        payloads: message.payloads,
      });
      const timestamp = String(Math.floor(now().getTime() / 1000));
      return postJson(
        config.url,
        {
          'idempotency-key': message.idempotencyKey,
          'x-tonic-event': message.event,
          'x-tonic-timestamp': timestamp,
          'x-tonic-signature': signWebhook(config.secret, timestamp, body),
        },
        body,
      );
    },
  };
}

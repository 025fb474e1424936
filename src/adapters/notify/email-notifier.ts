/**
 * Email over SMTP (nodemailer), for people without a chat. The Message-ID is derived from the
 * idempotency key, so a message sent again after a crash is the same message to mail clients.
 * A 5xx reply (unknown mailbox, refused login) fails at once; 4xx replies and connection
 * failures are retried.
 */
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { SmtpConfig } from '../../config/channels-config.ts';
import type { SendOutcome } from '../../features/notifications/notification-rules.ts';
import { SEND_TIMEOUT_MS, type Notifier } from './notifier.ts';

export type Mailer = ReturnType<typeof createMailer>;

/** One SMTP transport per server, shared by the email channels. */
export function createMailer(smtp: SmtpConfig, timeoutMs = SEND_TIMEOUT_MS) {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return { from: smtp.from, transport, close: () => transport.close() };
}

export function messageIdFor(idempotencyKey: string, from: string): string {
  const domain = /@([^>\s]+)/.exec(from)?.[1] ?? 'tonic.invalid';
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

export function createEmailNotifier(config: { to: string[] }, mailer: Mailer): Notifier {
  return {
    kind: 'email',
    idempotent: true,
    async send(message): Promise<SendOutcome> {
      const messageId = messageIdFor(message.idempotencyKey, mailer.from);
      try {
        const info = await mailer.transport.sendMail({
          from: mailer.from,
          to: config.to,
          subject: `${message.system ? `[${message.system}] ` : ''}${message.message.title}`,
          text: message.message.text,
          messageId,
          headers: { 'X-Tonic-Event': message.event, 'X-Tonic-Idempotency-Key': message.idempotencyKey },
        });
        const rejected = (info.rejected ?? []).map(String);
        if (rejected.length > 0 && rejected.length === config.to.length) {
          return { kind: 'failed', answer: `every recipient was refused: ${rejected.join(', ')} (${info.response})` };
        }
        return { kind: 'sent', answer: `${info.response}${rejected.length ? `; refused: ${rejected.join(', ')}` : ''}`, externalId: messageId };
      } catch (error) {
        const e = error as Error & { responseCode?: number; code?: string; response?: string };
        const answer = `${e.code ? `${e.code}: ` : ''}${e.response ?? e.message}`;
        if (typeof e.responseCode === 'number') {
          return e.responseCode >= 500 ? { kind: 'failed', answer } : { kind: 'retry', answer, retryAfterMs: null };
        }
        if (e.code === 'EAUTH' || e.code === 'EENVELOPE' || e.code === 'EMESSAGE') return { kind: 'failed', answer };
        return { kind: 'retry', answer, retryAfterMs: null };
      }
    },
  };
}

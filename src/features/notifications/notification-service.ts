/**
 * The notification use cases people call: read the delivery records, resend one, make a one-time
 * code that links a Telegram account to a user, redeem it, and know who a Telegram account is.
 * Each change runs in one transaction with its audit event.
 */
import { createHash, randomInt } from 'node:crypto';
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import { GLOBAL_STREAM, type AuditStore } from '../audit/audit-store.ts';
import type { Actor, IdentityService } from '../identity/identity-service.ts';
import type { IdentityStore } from '../identity/identity-store.ts';
import { assertCan, isRole } from '../identity/roles.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import type { DeliveryStatus } from './notification-rules.ts';
import type { Annotation, DeliveryView, NotificationStore } from './notification-store.ts';

type NotificationDeps = {
  db: Db;
  store: NotificationStore;
  identityStore: IdentityStore;
  identity: IdentityService;
  systems: SystemRegistry;
  audit: AuditStore;
  clock: Clock;
};

/** A link code lives this long. */
export const LINK_CODE_TTL_MS = 15 * 60_000;
/** No 0/O, 1/I/L: read off a screen and typed on a phone. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;

export function hashLinkCode(code: string): string {
  return createHash('sha256').update(code.trim().toUpperCase()).digest('hex');
}

export function createNotificationService({ db, store, identityStore, identity, systems, audit, clock }: NotificationDeps) {
  function authorize(actor: Actor, permission: 'notifications.read' | 'notifications.manage', system?: string | null) {
    if (system) systems.get(system);
    assertCan({ username: actor.username, roles: identity.rolesOn(actor, system ?? undefined) }, permission, system ?? undefined);
  }

  return {
    /** `GET /notifications`: deliveries newest first, filtered by status, system, channel, event. */
    async list(actor: Actor, query: { status?: DeliveryStatus; system?: string; channel?: string; event?: string; beforeId?: number; limit: number }): Promise<DeliveryView[]> {
      authorize(actor, 'notifications.read', query.system);
      return store.list(db, query);
    },

    async get(actor: Actor, id: number): Promise<DeliveryView> {
      const delivery = await store.get(db, id);
      if (!delivery) throw new DomainError('not_found', `notification delivery ${id} does not exist`);
      authorize(actor, 'notifications.read', delivery.system);
      return delivery;
    },

    /**
     * `POST /notifications/{id}/resend` (admin): a failed or suppressed delivery goes out again,
     * from its first attempt, rendered afresh from the outbox message.
     */
    async resend(actor: Actor, id: number): Promise<DeliveryView> {
      const delivery = await store.get(db, id);
      if (!delivery) throw new DomainError('not_found', `notification delivery ${id} does not exist`);
      authorize(actor, 'notifications.manage', delivery.system);
      await db.transaction().execute(async (trx) => {
        const at = clock.now();
        if (!(await store.requeue(trx, id, at))) {
          const now = await store.get(trx, id);
          throw new DomainError('invalid_transition', `notification delivery ${id} is ${now?.status ?? 'gone'}; only a failed or suppressed delivery can be resent`);
        }
        await audit.append(trx, {
          stream: delivery.system ?? GLOBAL_STREAM,
          actor: actor.username,
          action: 'notification.resent',
          subject: `notification:${id}`,
          data: { channel: delivery.channel, event: delivery.event, previousStatus: delivery.status, lastError: delivery.lastError },
          at,
        });
      });
      return (await store.get(db, id))!;
    },

    /**
     * A one-time code that links a Telegram account to `username` when sent to the bot as
     * `/link CODE` (admins for anyone, everyone for themselves). Shown once; only its hash is kept.
     */
    async createLinkCode(actor: Actor, username: string): Promise<{ code: string; username: string; expiresAt: string }> {
      if (actor.username !== username) assertCan({ username: actor.username, roles: [actor.role] }, 'users.manage');
      const code = Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
      const at = clock.now();
      const expiresAt = new Date(at.getTime() + LINK_CODE_TTL_MS);
      await db.transaction().execute(async (trx) => {
        const user = await identityStore.findUserByUsername(trx, username);
        if (!user) throw new DomainError('not_found', `user ${username} does not exist`);
        if (user.disabled) throw new DomainError('validation_failed', `user ${username} is disabled`);
        await store.insertLinkCode(trx, { codeHash: hashLinkCode(code), userId: user.id, by: actor.username, at, expiresAt });
        await audit.append(trx, { stream: GLOBAL_STREAM, actor: actor.username, action: 'telegram.link_code_created', subject: `user:${username}`, data: { expiresAt: expiresAt.toISOString() }, at });
      });
      return { code, username, expiresAt: expiresAt.toISOString() };
    },

    /** `/link CODE` from a Telegram account: links it to the code's user; null for a bad or used code. */
    async redeemLinkCode(code: string, telegram: { id: string; username: string | null }): Promise<Actor | null> {
      return db.transaction().execute(async (trx) => {
        const at = clock.now();
        const redeemed = await store.redeemLinkCode(trx, hashLinkCode(code), at);
        if (!redeemed) return null;
        const user = await store.userById(trx, redeemed.userId);
        if (!user || user.disabled || !isRole(user.role)) return null;
        await store.upsertLink(trx, { telegramUserId: telegram.id, userId: user.id, telegramUsername: telegram.username, at });
        await audit.append(trx, {
          stream: GLOBAL_STREAM,
          actor: user.username,
          action: 'telegram.linked',
          subject: `user:${user.username}`,
          data: { telegramUserId: telegram.id, telegramUsername: telegram.username },
          at,
        });
        return { username: user.username, role: user.role };
      });
    },

    /** The user a Telegram account is linked to, or null (not linked, or the user is disabled). */
    async actorForTelegram(telegramUserId: string): Promise<Actor | null> {
      const row = await store.linkedUser(db, telegramUserId);
      if (!row || row.disabled || !isRole(row.role)) return null;
      return { username: row.username, role: row.role };
    },

    /** The message a button belongs to, as it was sent. */
    async sentMessage(externalId: string): Promise<DeliveryView | undefined> {
      return store.findSent(db, externalId);
    },

    async delivery(id: number): Promise<DeliveryView | undefined> {
      return store.get(db, id);
    },

    /** Notes approvals made from a message's buttons on its delivery (the message is edited to show them). */
    async annotate(id: number, annotations: readonly Annotation[]): Promise<DeliveryView> {
      return db.transaction().execute((trx) => store.annotate(trx, id, annotations, clock.now()));
    },
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;

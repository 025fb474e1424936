/**
 * Deliveries, Telegram links and leases in the database. Claims are single statements that
 * re-check the status they expect, so two instances never take the same row; on PostgreSQL the
 * rows are picked with FOR UPDATE SKIP LOCKED so instances do not wait on each other.
 */
import type { Dialect } from '../../adapters/db/database.ts';
import type { Db, NotificationDeliveryRow, Reader, Tx } from '../../adapters/db/schema.ts';
import type { RenderedMessage } from './templates/message-format.ts';
import { sendableInOrder, type DeliveryStatus } from './notification-rules.ts';

export type OutboxRow = { id: number; system: string | null; event: string; payload: Record<string, unknown>; idempotencyKey: string; createdAt: string };

export type NewDelivery = {
  outboxId: number;
  messageIds: number[];
  system: string | null;
  channel: string;
  kind: string;
  event: string;
  idempotencyKey: string;
  quietKey: string | null;
  status: 'pending' | 'failed' | 'suppressed';
  lastError: string | null;
  at: Date;
};

/** What happened to a message after it was sent: approvals from its buttons. */
export type Annotation = { bugIds: number[]; approval: string; by: string; runsAt: string | null; at: string };

export type DeliveryView = {
  id: number;
  outboxId: number;
  messageIds: number[];
  system: string | null;
  channel: string;
  kind: string;
  event: string;
  idempotencyKey: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  answer: string | null;
  externalId: string | null;
  content: RenderedMessage | null;
  annotations: Annotation[];
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
};

export function toDeliveryView(r: NotificationDeliveryRow): DeliveryView {
  return {
    id: r.id,
    outboxId: r.outbox_id,
    messageIds: JSON.parse(r.message_ids) as number[],
    system: r.system,
    channel: r.channel,
    kind: r.kind,
    event: r.event,
    idempotencyKey: r.idempotency_key,
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    answer: r.answer,
    externalId: r.external_id,
    content: r.content ? (JSON.parse(r.content) as RenderedMessage) : null,
    annotations: JSON.parse(r.annotations) as Annotation[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    sentAt: r.sent_at,
  };
}

/** How many unsent deliveries a claim looks at to keep each channel in order. */
const BACKLOG_WINDOW = 2_000;

export function createNotificationStore(dialect: Dialect) {
  const pg = dialect === 'postgres';

  return {
    /**
     * Takes up to `limit` pending outbox messages due by `now` for routing, inside the caller's
     * transaction: they are marked `routing` and stay so only if the transaction commits.
     */
    async claimOutbox(trx: Tx, now: Date, limit: number): Promise<OutboxRow[]> {
      const iso = now.toISOString();
      const pick = trx.selectFrom('outbox').select('id').where('status', '=', 'pending').where('next_attempt_at', '<=', iso).orderBy('id').limit(limit);
      const rows = await trx
        .updateTable('outbox')
        .set({ status: 'routing' })
        .where('status', '=', 'pending')
        .where('id', 'in', pg ? pick.forUpdate().skipLocked() : pick)
        .returning(['id', 'system', 'event', 'payload', 'idempotency_key', 'created_at'])
        .execute();
      return rows
        .map((r) => ({ id: r.id, system: r.system, event: r.event, payload: JSON.parse(r.payload) as Record<string, unknown>, idempotencyKey: r.idempotency_key, createdAt: r.created_at }))
        .sort((a, b) => a.id - b.id);
    },

    async finishOutbox(trx: Tx, ids: readonly number[], status: 'routed' | 'unrouted' | 'pending', nextAttemptAt?: Date): Promise<void> {
      if (ids.length === 0) return;
      await trx
        .updateTable('outbox')
        .set(nextAttemptAt ? { status, next_attempt_at: nextAttemptAt.toISOString() } : { status })
        .where('id', 'in', [...ids])
        .execute();
    },

    async outboxPayloads(db: Reader, ids: readonly number[]): Promise<OutboxRow[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('outbox').select(['id', 'system', 'event', 'payload', 'idempotency_key', 'created_at']).where('id', 'in', [...ids]).orderBy('id').execute();
      return rows.map((r) => ({ id: r.id, system: r.system, event: r.event, payload: JSON.parse(r.payload) as Record<string, unknown>, idempotencyKey: r.idempotency_key, createdAt: r.created_at }));
    },

    /** The last time this waiting state went (or is going) to the channel. */
    async lastAnnounced(trx: Reader, system: string | null, channel: string, quietKey: string): Promise<Date | null> {
      let q = trx
        .selectFrom('notification_deliveries')
        .select('created_at')
        .where('channel', '=', channel)
        .where('quiet_key', '=', quietKey)
        .where('status', 'in', ['pending', 'sending', 'sent'])
        .orderBy('created_at', 'desc')
        .limit(1);
      q = system === null ? q.where('system', 'is', null) : q.where('system', '=', system);
      const row = await q.executeTakeFirst();
      return row ? new Date(row.created_at) : null;
    },

    async insertDeliveries(trx: Tx, deliveries: readonly NewDelivery[]): Promise<void> {
      if (deliveries.length === 0) return;
      await trx
        .insertInto('notification_deliveries')
        .values(
          deliveries.map((d) => ({
            outbox_id: d.outboxId,
            message_ids: JSON.stringify(d.messageIds),
            system: d.system,
            channel: d.channel,
            kind: d.kind,
            event: d.event,
            idempotency_key: d.idempotencyKey,
            quiet_key: d.quietKey,
            status: d.status,
            attempts: 0,
            next_attempt_at: d.at.toISOString(),
            last_error: d.lastError,
            created_at: d.at.toISOString(),
            updated_at: d.at.toISOString(),
          })),
        )
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .execute();
    },

    /**
     * Claims the deliveries to send now for `instance`, each channel's oldest first and in order
     * (sendableInOrder); marks them `sending` until `leaseUntil` and counts the attempt.
     */
    async claimDue(db: Db, input: { now: Date; instance: string; leaseUntil: Date; limit: number }): Promise<NotificationDeliveryRow[]> {
      const iso = input.now.toISOString();
      const unsent = await db
        .selectFrom('notification_deliveries')
        .select(['id', 'system', 'channel', 'status', 'next_attempt_at'])
        .where('status', 'in', ['pending', 'sending'])
        .orderBy('id')
        .limit(BACKLOG_WINDOW)
        .execute();
      const wanted = sendableInOrder(
        unsent.map((d) => ({ id: d.id, channelKey: `${d.system ?? ''}/${d.channel}`, status: d.status as 'pending' | 'sending', due: d.next_attempt_at <= iso })),
      ).slice(0, input.limit);
      if (wanted.length === 0) return [];
      const pick = db.selectFrom('notification_deliveries').select('id').where('id', 'in', wanted).where('status', '=', 'pending');
      const claimed = await db
        .updateTable('notification_deliveries')
        .set((eb) => ({ status: 'sending', claimed_by: input.instance, lease_until: input.leaseUntil.toISOString(), attempts: eb('attempts', '+', 1), updated_at: iso }))
        .where('status', '=', 'pending')
        .where('id', 'in', pg ? pick.forUpdate().skipLocked() : pick)
        .returningAll()
        .execute();
      const rows = claimed.sort((a, b) => a.id - b.id);
      // Another instance may have taken some of them meanwhile: keep, per channel, only those
      // with no gap before them, and give the rest back (uncounted) so order holds.
      const taken = new Set(rows.map((r) => r.id));
      const keep = new Set<number>();
      const blocked = new Set<string>();
      const byId = new Map(unsent.map((d) => [d.id, `${d.system ?? ''}/${d.channel}`]));
      for (const id of wanted) {
        const key = byId.get(id)!;
        if (blocked.has(key)) continue;
        if (taken.has(id)) keep.add(id);
        else blocked.add(key);
      }
      await this.giveBack(db, rows.filter((r) => !keep.has(r.id)).map((r) => r.id), input.instance);
      return rows.filter((r) => keep.has(r.id));
    },

    /** Claimed deliveries not tried after all (their channel's earlier message failed): pending again, uncounted. */
    async giveBack(db: Db, ids: readonly number[], instance: string): Promise<void> {
      if (ids.length === 0) return;
      await db
        .updateTable('notification_deliveries')
        .set((eb) => ({ status: 'pending', claimed_by: null, lease_until: null, attempts: eb('attempts', '-', 1) }))
        .where('id', 'in', [...ids])
        .where('claimed_by', '=', instance)
        .where('status', '=', 'sending')
        .execute();
    },

    /** Records an attempt's outcome; only the instance holding the claim may. */
    async recordAttempt(
      db: Db,
      id: number,
      instance: string,
      change: { status: 'sent' | 'pending' | 'failed'; nextAttemptAt?: Date; lastError?: string | null; answer?: string | null; externalId?: string | null; content?: RenderedMessage | null; at: Date },
    ): Promise<boolean> {
      const iso = change.at.toISOString();
      const result = await db
        .updateTable('notification_deliveries')
        .set({
          status: change.status,
          claimed_by: null,
          lease_until: null,
          updated_at: iso,
          ...(change.nextAttemptAt ? { next_attempt_at: change.nextAttemptAt.toISOString() } : {}),
          ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
          ...(change.answer !== undefined ? { answer: change.answer } : {}),
          ...(change.externalId !== undefined ? { external_id: change.externalId } : {}),
          ...(change.content !== undefined ? { content: change.content ? JSON.stringify(change.content) : null } : {}),
          ...(change.status === 'sent' ? { sent_at: iso, last_error: null } : {}),
        })
        .where('id', '=', id)
        .where('claimed_by', '=', instance)
        .where('status', '=', 'sending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Deliveries whose sender stopped (killed) while sending: their lease lapsed. */
    async expiredSends(db: Reader, now: Date): Promise<NotificationDeliveryRow[]> {
      return db.selectFrom('notification_deliveries').selectAll().where('status', '=', 'sending').where('lease_until', '<', now.toISOString()).orderBy('id').limit(500).execute();
    },

    async releaseExpired(db: Db, id: number, change: { status: 'pending' | 'failed'; lastError: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('notification_deliveries')
        .set({ status: change.status, claimed_by: null, lease_until: null, last_error: change.lastError, updated_at: change.at.toISOString(), next_attempt_at: change.at.toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'sending')
        .where('lease_until', '<', change.at.toISOString())
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async get(db: Reader, id: number): Promise<DeliveryView | undefined> {
      const row = await db.selectFrom('notification_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toDeliveryView(row) : undefined;
    },

    async list(db: Reader, query: { status?: DeliveryStatus; system?: string; channel?: string; event?: string; beforeId?: number; limit: number }): Promise<DeliveryView[]> {
      let q = db.selectFrom('notification_deliveries').selectAll().orderBy('id', 'desc').limit(query.limit);
      if (query.status) q = q.where('status', '=', query.status);
      if (query.system) q = q.where('system', '=', query.system);
      if (query.channel) q = q.where('channel', '=', query.channel);
      if (query.event) q = q.where('event', '=', query.event);
      if (query.beforeId) q = q.where('id', '<', query.beforeId);
      return (await q.execute()).map(toDeliveryView);
    },

    /** A failed or suppressed delivery queued again from its first attempt. */
    async requeue(trx: Tx, id: number, at: Date): Promise<boolean> {
      const result = await trx
        .updateTable('notification_deliveries')
        .set({ status: 'pending', attempts: 0, next_attempt_at: at.toISOString(), claimed_by: null, lease_until: null, updated_at: at.toISOString() })
        .where('id', '=', id)
        .where('status', 'in', ['failed', 'suppressed'])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async findSent(db: Reader, externalId: string): Promise<DeliveryView | undefined> {
      const row = await db.selectFrom('notification_deliveries').selectAll().where('external_id', '=', externalId).where('status', '=', 'sent').executeTakeFirst();
      return row ? toDeliveryView(row) : undefined;
    },

    /** Adds annotations, re-reading the row in the transaction (locked on PostgreSQL). */
    async annotate(trx: Tx, id: number, add: readonly Annotation[], at: Date): Promise<DeliveryView> {
      let q = trx.selectFrom('notification_deliveries').selectAll().where('id', '=', id);
      if (pg) q = q.forUpdate();
      const row = await q.executeTakeFirstOrThrow();
      const annotations = [...(JSON.parse(row.annotations) as Annotation[]), ...add];
      await trx.updateTable('notification_deliveries').set({ annotations: JSON.stringify(annotations), updated_at: at.toISOString() }).where('id', '=', id).execute();
      return toDeliveryView({ ...row, annotations: JSON.stringify(annotations) });
    },

    // ---- Telegram links ----------------------------------------------------------------------

    async insertLinkCode(trx: Tx, input: { codeHash: string; userId: number; by: string; at: Date; expiresAt: Date }): Promise<void> {
      await trx
        .insertInto('telegram_link_codes')
        .values({ code_hash: input.codeHash, user_id: input.userId, created_by: input.by, created_at: input.at.toISOString(), expires_at: input.expiresAt.toISOString(), used_at: null })
        .execute();
    },

    /** Marks an unused, unexpired code used and answers its user; undefined when it is not such a code. */
    async redeemLinkCode(trx: Tx, codeHash: string, at: Date): Promise<{ userId: number } | undefined> {
      const row = await trx
        .updateTable('telegram_link_codes')
        .set({ used_at: at.toISOString() })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', at.toISOString())
        .returning('user_id')
        .executeTakeFirst();
      return row ? { userId: row.user_id } : undefined;
    },

    async upsertLink(trx: Tx, input: { telegramUserId: string; userId: number; telegramUsername: string | null; at: Date }): Promise<void> {
      await trx
        .insertInto('telegram_links')
        .values({ telegram_user_id: input.telegramUserId, user_id: input.userId, telegram_username: input.telegramUsername, linked_at: input.at.toISOString() })
        .onConflict((oc) =>
          oc.column('telegram_user_id').doUpdateSet({ user_id: input.userId, telegram_username: input.telegramUsername, linked_at: input.at.toISOString() }),
        )
        .execute();
    },

    /** The Tonic user a Telegram account is linked to. */
    async linkedUser(db: Reader, telegramUserId: string) {
      return db
        .selectFrom('telegram_links')
        .innerJoin('users', 'users.id', 'telegram_links.user_id')
        .select(['users.id as userId', 'users.username', 'users.role', 'users.disabled'])
        .where('telegram_links.telegram_user_id', '=', telegramUserId)
        .executeTakeFirst();
    },

    async userById(db: Reader, id: number) {
      return db.selectFrom('users').select(['id', 'username', 'role', 'disabled']).where('id', '=', id).executeTakeFirst();
    },

    // ---- leases ------------------------------------------------------------------------------

    /** Takes or renews the lease `name` for `holder` unless another holds it unexpired. */
    async acquireLease(db: Db, name: string, holder: string, now: Date, until: Date): Promise<boolean> {
      const row = await db
        .insertInto('notification_leases')
        .values({ name, holder, lease_until: until.toISOString() })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ holder, lease_until: until.toISOString() })
            .where((eb) => eb.or([eb('notification_leases.holder', '=', holder), eb('notification_leases.lease_until', '<', now.toISOString())])),
        )
        .returning('holder')
        .executeTakeFirst();
      return row?.holder === holder;
    },

    async releaseLease(db: Db, name: string, holder: string): Promise<void> {
      await db.deleteFrom('notification_leases').where('name', '=', name).where('holder', '=', holder).execute();
    },
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;

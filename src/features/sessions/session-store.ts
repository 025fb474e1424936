import type { Reader, Tx } from '../../adapters/db/schema.ts';

export function createSessionStore() {
  return {
    async insert(trx: Tx, s: { id: string; userId: number; csrfToken: string; at: Date; expiresAt: Date; ip: string | null; userAgent: string | null }): Promise<void> {
      const at = s.at.toISOString();
      await trx
        .insertInto('sessions')
        .values({ id: s.id, user_id: s.userId, csrf_token: s.csrfToken, created_at: at, last_seen_at: at, expires_at: s.expiresAt.toISOString(), ip: s.ip, user_agent: s.userAgent })
        .execute();
    },

    /** The session and its user, whatever their state (the caller checks expiry and disabled). */
    async find(db: Reader, id: string) {
      return db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'sessions.id',
          'sessions.csrf_token',
          'sessions.created_at',
          'sessions.last_seen_at',
          'sessions.expires_at',
          'users.id as userId',
          'users.username',
          'users.display_name',
          'users.role',
          'users.disabled',
        ])
        .where('sessions.id', '=', id)
        .executeTakeFirst();
    },

    async touch(db: Reader, id: string, lastSeenAt: Date, expiresAt: Date): Promise<void> {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAt.toISOString(), expires_at: expiresAt.toISOString() }).where('id', '=', id).execute();
    },

    async delete(db: Reader, id: string): Promise<number> {
      const result = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteForUser(trx: Tx, userId: number, exceptId?: string): Promise<void> {
      let q = trx.deleteFrom('sessions').where('user_id', '=', userId);
      if (exceptId) q = q.where('id', '!=', exceptId);
      await q.execute();
    },

    async deleteExpired(db: Reader, now: Date): Promise<void> {
      await db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).execute();
    },

    async failuresSince(db: Reader, key: string, since: Date): Promise<Date[]> {
      const rows = await db.selectFrom('login_failures').select('at').where('key', '=', key).where('at', '>', since.toISOString()).orderBy('at').execute();
      return rows.map((r) => new Date(r.at));
    },

    /** Records a failure and forgets every failure older than the window (the table stays small). */
    async addFailure(trx: Tx, key: string, at: Date, windowStart: Date): Promise<void> {
      await trx.deleteFrom('login_failures').where('at', '<=', windowStart.toISOString()).execute();
      await trx.insertInto('login_failures').values({ key, at: at.toISOString() }).execute();
    },

    async clearFailures(db: Reader, key: string): Promise<void> {
      await db.deleteFrom('login_failures').where('key', '=', key).execute();
    },

    async setPasswordHash(trx: Tx, userId: number, hash: string): Promise<void> {
      await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

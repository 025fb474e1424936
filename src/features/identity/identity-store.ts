import type { Reader, Tx, UserRow } from '../../adapters/db/schema.ts';

export function createIdentityStore() {
  return {
    async findUserByUsername(db: Reader, username: string): Promise<UserRow | undefined> {
      return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    },

    async listUsers(db: Reader): Promise<UserRow[]> {
      return db.selectFrom('users').selectAll().orderBy('username').execute();
    },

    async countUsers(db: Reader): Promise<number> {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async insertUser(trx: Tx, user: { username: string; displayName: string; role: string; at: Date }): Promise<UserRow> {
      return trx
        .insertInto('users')
        .values({ username: user.username, display_name: user.displayName, role: user.role, password_hash: null, created_at: user.at.toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    /** The active user a token belongs to, if the token is valid. */
    async findByTokenHash(db: Reader, tokenHash: string) {
      return db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .select(['users.id as userId', 'users.username', 'users.role', 'users.disabled', 'api_tokens.id as tokenId'])
        .where('api_tokens.token_hash', '=', tokenHash)
        .where('api_tokens.revoked_at', 'is', null)
        .executeTakeFirst();
    },

    async insertToken(trx: Tx, token: { userId: number; name: string; tokenHash: string; at: Date }): Promise<number> {
      const row = await trx
        .insertInto('api_tokens')
        .values({ user_id: token.userId, name: token.name, token_hash: token.tokenHash, created_at: token.at.toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    async revokeTokensNamed(trx: Tx, userId: number, name: string, at: Date): Promise<void> {
      await trx
        .updateTable('api_tokens')
        .set({ revoked_at: at.toISOString() })
        .where('user_id', '=', userId)
        .where('name', '=', name)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async updateUser(trx: Tx, userId: number, changes: { role?: string; display_name?: string; disabled?: number }): Promise<UserRow> {
      return trx.updateTable('users').set(changes).where('id', '=', userId).returningAll().executeTakeFirstOrThrow();
    },

    async revokeToken(trx: Tx, userId: number, tokenId: number, at: Date): Promise<boolean> {
      const result = await trx
        .updateTable('api_tokens')
        .set({ revoked_at: at.toISOString() })
        .where('user_id', '=', userId)
        .where('id', '=', tokenId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async listTokens(db: Reader, userId: number) {
      return db
        .selectFrom('api_tokens')
        .select(['id', 'name', 'created_at', 'last_used_at', 'revoked_at'])
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute();
    },
  };
}

export type IdentityStore = ReturnType<typeof createIdentityStore>;

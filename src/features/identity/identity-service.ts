/**
 * Users, roles and API tokens. A user has a role everywhere; the configuration can grant more on
 * one system (`systems[].people`). Tokens are stored as SHA-256 hashes and shown once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db, UserRow } from '../../adapters/db/schema.ts';
import type { SystemConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import { GLOBAL_STREAM, type AuditStore } from '../audit/audit-store.ts';
import type { IdentityStore } from './identity-store.ts';
import { assertCan, isRole, ROLES, type Role } from './roles.ts';

export type Actor = { username: string; role: Role };

/** The scheduled pipeline, when it acts on bugs. */
export const SYSTEM_ACTOR: Actor = { username: 'tonic', role: 'admin' };

export const ADMIN_USERNAME = 'admin';
const ENV_TOKEN_NAME = 'env:TONIC_ADMIN_TOKEN';
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TOKEN_CACHE_MS = 5_000;
const TOKEN_CACHE_SIZE = 1_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type IdentityDeps = { db: Db; store: IdentityStore; audit: AuditStore; clock: Clock; systems: readonly SystemConfig[] };

export function createIdentityService({ db, store, audit, clock, systems }: IdentityDeps) {
  const grants = new Map(systems.map((s) => [s.name, s.people]));
  const recent = new Map<string, { actor: Actor | null; until: number }>();

  async function createUserInTx(actor: Actor, input: { username: string; displayName: string; role: Role }) {
    return db.transaction().execute(async (trx) => {
      if (await store.findUserByUsername(trx, input.username)) {
        throw new DomainError('conflict', `user ${input.username} already exists`);
      }
      const at = clock.now();
      const user = await store.insertUser(trx, { ...input, at });
      await audit.append(trx, { stream: GLOBAL_STREAM, actor: actor.username, action: 'user.created', subject: `user:${user.username}`, data: { role: input.role }, at });
      return user;
    });
  }

  return {
    /** Roles of an actor on a system: their own role plus what the configuration grants there. */
    rolesOn(actor: Actor, system?: string): Role[] {
      const roles = new Set<Role>([actor.role]);
      const people = system ? grants.get(system) : undefined;
      if (people) for (const r of ROLES) if (people[r].includes(actor.username)) roles.add(r);
      return [...roles];
    },

    /**
     * The actor a token belongs to. Answers are remembered for a few seconds so that a busy
     * dashboard does not pay a lookup per request: a revoked token may work that long on another
     * instance (this one forgets it at once, see forgetTokens).
     */
    async authenticate(token: string): Promise<Actor | null> {
      const tokenHash = hashToken(token);
      const now = Date.now();
      const cached = recent.get(tokenHash);
      if (cached && cached.until > now) return cached.actor;
      const row = await store.findByTokenHash(db, tokenHash);
      const actor = !row || row.disabled || !isRole(row.role) ? null : { username: row.username, role: row.role };
      if (recent.size >= TOKEN_CACHE_SIZE) recent.delete(recent.keys().next().value!);
      recent.set(tokenHash, { actor, until: now + TOKEN_CACHE_MS });
      return actor;
    },

    /** Forget remembered token answers (after a token is revoked or a user changed). */
    forgetTokens(): void {
      recent.clear();
    },

    /**
     * Start-up: on an empty database create the `admin` user; make TONIC_ADMIN_TOKEN (when set) a
     * valid admin token, replacing a previous value; create the users the configuration names.
     */
    async bootstrap(adminToken: string | null): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const at = clock.now();
        let admin = await store.findUserByUsername(trx, ADMIN_USERNAME);
        if (!admin && (await store.countUsers(trx)) === 0) {
          admin = await store.insertUser(trx, { username: ADMIN_USERNAME, displayName: 'Administrator', role: 'admin', at });
          await audit.append(trx, { stream: GLOBAL_STREAM, actor: SYSTEM_ACTOR.username, action: 'user.created', subject: 'user:admin', data: { role: 'admin', bootstrap: true }, at });
        }
        if (admin && adminToken) {
          const tokenHash = hashToken(adminToken);
          if (!(await store.findByTokenHash(trx, tokenHash))) {
            await store.revokeTokensNamed(trx, admin.id, ENV_TOKEN_NAME, at);
            recent.clear();
            await store.insertToken(trx, { userId: admin.id, name: ENV_TOKEN_NAME, tokenHash, at });
            await audit.append(trx, { stream: GLOBAL_STREAM, actor: SYSTEM_ACTOR.username, action: 'token.created', subject: 'user:admin', data: { name: ENV_TOKEN_NAME }, at });
          }
        }
        const named = new Set(systems.flatMap((s) => ROLES.flatMap((r) => s.people[r])));
        for (const username of named) {
          if (!(await store.findUserByUsername(trx, username))) {
            await store.insertUser(trx, { username, displayName: username, role: 'viewer', at });
            await audit.append(trx, { stream: GLOBAL_STREAM, actor: SYSTEM_ACTOR.username, action: 'user.created', subject: `user:${username}`, data: { role: 'viewer', fromConfig: true }, at });
          }
        }
      });
    },

    async createUser(actor: Actor, input: { username: string; displayName?: string; role: string }) {
      assertCan({ username: actor.username, roles: [actor.role] }, 'users.manage');
      if (!USERNAME.test(input.username)) {
        throw new DomainError('validation_failed', `username "${input.username}" is not valid: use lower-case letters, digits, dots, dashes or underscores (max 64)`);
      }
      if (!isRole(input.role)) {
        throw new DomainError('validation_failed', `role "${input.role}" is unknown: use one of ${ROLES.join(', ')}`);
      }
      const user = await createUserInTx(actor, { username: input.username, displayName: input.displayName ?? input.username, role: input.role });
      return { id: user.id, username: user.username, displayName: user.display_name, role: user.role as Role, createdAt: user.created_at };
    },

    async listUsers(actor: Actor) {
      assertCan({ username: actor.username, roles: [actor.role] }, 'users.manage');
      const users = await store.listUsers(db);
      return users.map(userView);
    },

    /** Changes a user's role, name or whether they may sign in (admin); nobody disables or demotes themselves. */
    async updateUser(actor: Actor, username: string, input: { role?: string; displayName?: string; disabled?: boolean }) {
      assertCan({ username: actor.username, roles: [actor.role] }, 'users.manage');
      if (input.role !== undefined && !isRole(input.role)) {
        throw new DomainError('validation_failed', `role "${input.role}" is unknown: use one of ${ROLES.join(', ')}`, { field: 'role' });
      }
      if (username === actor.username && (input.disabled === true || (input.role !== undefined && input.role !== actor.role))) {
        throw new DomainError('conflict', 'you cannot disable yourself or change your own role: ask another admin');
      }
      const user = await db.transaction().execute(async (trx) => {
        const found = await store.findUserByUsername(trx, username);
        if (!found) throw new DomainError('not_found', `user ${username} does not exist`);
        const changes = {
          ...(input.role !== undefined ? { role: input.role } : {}),
          ...(input.displayName !== undefined ? { display_name: input.displayName } : {}),
          ...(input.disabled !== undefined ? { disabled: input.disabled ? 1 : 0 } : {}),
        };
        if (Object.keys(changes).length === 0) return found;
        const updated = await store.updateUser(trx, found.id, changes);
        const at = clock.now();
        const data = { ...(input.role !== undefined ? { role: input.role, previousRole: found.role } : {}), ...(input.disabled !== undefined ? { disabled: input.disabled } : {}), ...(input.displayName !== undefined ? { displayName: input.displayName } : {}) };
        await audit.append(trx, { stream: GLOBAL_STREAM, actor: actor.username, action: 'user.updated', subject: `user:${username}`, data, at });
        return updated;
      });
      recent.clear();
      return userView(user);
    },

    /** A user's API tokens (never their values): admins for anyone, everyone for themselves. */
    async listTokens(actor: Actor, username: string) {
      if (actor.username !== username) assertCan({ username: actor.username, roles: [actor.role] }, 'users.manage');
      const user = await store.findUserByUsername(db, username);
      if (!user) throw new DomainError('not_found', `user ${username} does not exist`);
      const tokens = await store.listTokens(db, user.id);
      return tokens.map((t) => ({ id: t.id, name: t.name, createdAt: t.created_at, lastUsedAt: t.last_used_at, revokedAt: t.revoked_at }));
    },

    async revokeToken(actor: Actor, username: string, tokenId: number): Promise<void> {
      if (actor.username !== username) assertCan({ username: actor.username, roles: [actor.role] }, 'users.manage');
      await db.transaction().execute(async (trx) => {
        const user = await store.findUserByUsername(trx, username);
        if (!user) throw new DomainError('not_found', `user ${username} does not exist`);
        const at = clock.now();
        if (!(await store.revokeToken(trx, user.id, tokenId, at))) throw new DomainError('not_found', `user ${username} has no active token ${tokenId}`);
        await audit.append(trx, { stream: GLOBAL_STREAM, actor: actor.username, action: 'token.revoked', subject: `user:${username}`, data: { tokenId }, at });
      });
      recent.clear();
    },

    /** Issues a token for `username`: admins for anyone, everyone for themselves. Shown once. */
    async createToken(actor: Actor, username: string, name: string): Promise<{ token: string; name: string; username: string }> {
      if (actor.username !== username) assertCan({ username: actor.username, roles: [actor.role] }, 'users.manage');
      const token = `tonic_${randomBytes(32).toString('base64url')}`;
      await db.transaction().execute(async (trx) => {
        const user = await store.findUserByUsername(trx, username);
        if (!user) throw new DomainError('not_found', `user ${username} does not exist`);
        const at = clock.now();
        await store.insertToken(trx, { userId: user.id, name, tokenHash: hashToken(token), at });
        await audit.append(trx, { stream: GLOBAL_STREAM, actor: actor.username, action: 'token.created', subject: `user:${username}`, data: { name }, at });
      });
      return { token, name, username };
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;

function userView(u: UserRow) {
  return { id: u.id, username: u.username, displayName: u.display_name, role: u.role as Role, disabled: u.disabled === 1, hasPassword: u.password_hash !== null, createdAt: u.created_at };
}

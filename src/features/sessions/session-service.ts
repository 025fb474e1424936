/**
 * Dashboard sign-in: user name and password (scrypt), a session kept in the database behind an
 * HttpOnly cookie, a CSRF token per session, and a limit on failed sign-ins per (IP, user name)
 * shared by every instance. API tokens (identity) stay the way for automation.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../adapters/db/schema.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import { GLOBAL_STREAM, type AuditStore } from '../audit/audit-store.ts';
import type { Actor, IdentityService } from '../identity/identity-service.ts';
import type { IdentityStore } from '../identity/identity-store.ts';
import { assertCan, can, isRole, PERMISSIONS, type Permission } from '../identity/roles.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import { hashPassword, unusableHash, verifyPassword } from './password-hash.ts';
import {
  LOGIN_WINDOW_MS,
  loginVerdict,
  passwordProblem,
  rateLimitKey,
  SESSION_MAX_MS,
  sessionExpiry,
  shouldTouch,
} from './session-rules.ts';
import type { SessionStore } from './session-store.ts';

type SessionDeps = { db: Db; store: SessionStore; users: IdentityStore; identity: IdentityService; audit: AuditStore; clock: Clock; systems: SystemRegistry };

export type SignedIn = { token: string; csrfToken: string; expiresAt: string; user: { username: string; displayName: string; role: Actor['role'] } };
export type SessionActor = { actor: Actor; displayName: string; sessionId: string; csrfToken: string };

const hashSessionToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createSessionService({ db, store, users, identity, audit, clock, systems }: SessionDeps) {
  return {
    /**
     * Checks the password and opens a session. A wrong user name and a wrong password get the same
     * answer; after too many failures from one address for one name, sign-in is refused for a while.
     */
    async signIn(input: { username: string; password: string; ip: string; userAgent: string | null }): Promise<SignedIn> {
      const now = clock.now();
      const key = rateLimitKey(input.ip, input.username);
      const windowStart = new Date(now.getTime() - LOGIN_WINDOW_MS);
      const verdict = loginVerdict(await store.failuresSince(db, key, windowStart), now);
      if (!verdict.allowed) {
        const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
        throw new DomainError(
          'rate_limited',
          `too many failed sign-ins for "${input.username}" from this address: try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask an admin to reset the password`,
          { retryAfterSeconds: verdict.retryAfterSeconds },
        );
      }
      const user = await users.findUserByUsername(db, input.username.trim().toLowerCase());
      const ok = await verifyPassword(input.password, user?.password_hash ?? (await unusableHash()));
      if (!user || !user.password_hash || !ok || user.disabled || !isRole(user.role)) {
        await db.transaction().execute((trx) => store.addFailure(trx, key, now, windowStart));
        throw new DomainError('unauthenticated', 'wrong user name or password (a user without a password signs in after an admin sets one: tonic users set-password)');
      }
      const token = randomBytes(32).toString('base64url');
      const csrfToken = randomBytes(32).toString('base64url');
      const expiresAt = sessionExpiry(now, now);
      await db.transaction().execute(async (trx) => {
        await store.insert(trx, { id: hashSessionToken(token), userId: user.id, csrfToken, at: now, expiresAt, ip: input.ip, userAgent: input.userAgent?.slice(0, 300) ?? null });
        await audit.append(trx, { stream: GLOBAL_STREAM, actor: user.username, action: 'session.signed_in', subject: `user:${user.username}`, data: { ip: input.ip }, at: now });
      });
      await store.clearFailures(db, key);
      await store.deleteExpired(db, now);
      return { token, csrfToken, expiresAt: expiresAt.toISOString(), user: { username: user.username, displayName: user.display_name, role: user.role } };
    },

    /** The actor behind a session cookie; null when unknown, expired or the user is disabled. */
    async authenticate(token: string): Promise<SessionActor | null> {
      const id = hashSessionToken(token);
      const row = await store.find(db, id);
      if (!row || row.disabled || !isRole(row.role)) return null;
      const now = clock.now();
      if (new Date(row.expires_at).getTime() <= now.getTime()) {
        await store.delete(db, id);
        return null;
      }
      if (shouldTouch(new Date(row.last_seen_at), now)) {
        await store.touch(db, id, now, sessionExpiry(new Date(row.created_at), now));
      }
      return { actor: { username: row.username, role: row.role }, displayName: row.display_name, sessionId: id, csrfToken: row.csrf_token };
    },

    async signOut(session: SessionActor): Promise<void> {
      const at = clock.now();
      await db.transaction().execute(async (trx) => {
        await store.delete(trx, session.sessionId);
        await audit.append(trx, { stream: GLOBAL_STREAM, actor: session.actor.username, action: 'session.signed_out', subject: `user:${session.actor.username}`, at });
      });
      await store.deleteExpired(db, at);
    },

    /**
     * Sets a user's password: admins for anyone, a user for themselves with the current password.
     * The user's other sessions end.
     */
    async setPassword(actor: Actor, username: string, input: { password: string; currentPassword?: string }, keepSession?: string): Promise<void> {
      const self = actor.username === username;
      if (!self || input.currentPassword === undefined) assertCan({ username: actor.username, roles: identity.rolesOn(actor) }, 'users.manage');
      const user = await users.findUserByUsername(db, username);
      if (!user) throw new DomainError('not_found', `user ${username} does not exist`);
      if (self && input.currentPassword !== undefined && !(user.password_hash && (await verifyPassword(input.currentPassword, user.password_hash)))) {
        throw new DomainError('forbidden', 'the current password is not right');
      }
      const problem = passwordProblem(input.password, username);
      if (problem) throw new DomainError('validation_failed', `${problem}; choose another`, { field: 'password' });
      const hash = await hashPassword(input.password);
      const at = clock.now();
      await db.transaction().execute(async (trx) => {
        await store.setPasswordHash(trx, user.id, hash);
        await store.deleteForUser(trx, user.id, keepSession);
        await audit.append(trx, { stream: GLOBAL_STREAM, actor: actor.username, action: 'user.password_set', subject: `user:${username}`, at });
      });
    },

    /** Whether a password still signs `username` in (the demo prints it only while it does). */
    async passwordWorks(username: string, password: string): Promise<boolean> {
      const user = await users.findUserByUsername(db, username);
      return Boolean(user?.password_hash && (await verifyPassword(password, user.password_hash)));
    },

    async hasPassword(username: string): Promise<boolean> {
      return Boolean((await users.findUserByUsername(db, username))?.password_hash);
    },

    /** What the signed-in person may do, everywhere and per system: the dashboard shows only that. */
    permissionsOf(actor: Actor): { global: Permission[]; systems: Record<string, Permission[]> } {
      const allowed = (system?: string) => PERMISSIONS.filter((p) => can(identity.rolesOn(actor, system), p));
      return { global: allowed(), systems: Object.fromEntries(systems.list().map((s) => [s.name, allowed(s.name)])) };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;

/** How long the cookie may live in the browser; the server decides expiry itself. */
export const SESSION_COOKIE_MAX_AGE_SECONDS = Math.floor(SESSION_MAX_MS / 1000);

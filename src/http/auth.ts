/**
 * Authentication for /api/v1: a Bearer API token (automation, the CLI) or the dashboard's session
 * cookie. A request authenticated by cookie that changes something must also come from this
 * site (Origin) and carry the session's CSRF token in X-CSRF-Token. Routes marked
 * `config: { public: true }` skip authentication.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor, IdentityService } from '../features/identity/identity-service.ts';
import { readCookie, SESSION_COOKIE } from '../features/sessions/session-rules.ts';
import type { SessionActor, SessionService } from '../features/sessions/session-service.ts';
import { DomainError } from '../shared/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    /** Set when the request was authenticated by the session cookie. */
    session: SessionActor | null;
  }
  interface FastifyContextConfig {
    public?: boolean;
  }
}

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function registerAuth(app: FastifyInstance, identity: IdentityService, sessions: SessionService): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    const header = request.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new DomainError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
      const actor = await identity.authenticate(match[1]!);
      if (!actor) throw new DomainError('unauthenticated', 'the API token is not valid (unknown, revoked, or its user is disabled)');
      request.actor = actor;
      return;
    }
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (!cookie) {
      throw new DomainError('unauthenticated', 'sign in to the dashboard, or send an API token: Authorization: Bearer <token> (tonic tokens create, or TONIC_ADMIN_TOKEN)');
    }
    const session = await sessions.authenticate(cookie);
    if (!session) throw new DomainError('unauthenticated', 'your session has ended (signed out, expired, or the user was disabled): sign in again');
    if (!SAFE_METHODS.has(request.method)) {
      assertSameSite(request);
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameText(sent, session.csrfToken)) {
        throw new DomainError(
          'forbidden',
          `a change made with the session cookie must carry the session's CSRF token in the ${CSRF_HEADER} header (GET /api/v1/session gives it): request refused`,
          { csrf: true },
        );
      }
    }
    request.actor = session.actor;
    request.session = session;
  });
}

/**
 * Refuses a cookie-authenticated change sent from another site: the browser's Origin (or
 * Sec-Fetch-Site) must name this server. Requests without either (non-browser clients) pass here
 * and are held by the CSRF token.
 */
export function assertSameSite(request: FastifyRequest): void {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') {
    throw new DomainError('forbidden', `a change sent from another site (Sec-Fetch-Site: ${fetchSite}) is refused`, { csrf: true });
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | null = null;
  try {
    host = new URL(origin).host;
  } catch {
    host = null;
  }
  if (host === null || host !== request.host) {
    throw new DomainError('forbidden', `a change sent from ${origin} is refused: only pages served by this server (${request.host}) may change things with the session cookie`, {
      csrf: true,
    });
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The authenticated actor of a request that passed `registerAuth`. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new DomainError('unauthenticated', 'this endpoint needs an API token');
  return request.actor;
}

/** If-Match: "3" (or W/"3") → 3; absent → undefined. */
export function expectedVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(String(header).trim());
  if (!m) throw new DomainError('validation_failed', `If-Match "${String(header)}" is not a bug version: send the ETag from GET …/bugs/{id}, e.g. "3"`, { field: 'if-match' });
  return Number(m[1]);
}

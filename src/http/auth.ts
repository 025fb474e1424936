/**
 * Bearer-token authentication for /api/v1. Routes marked `config: { public: true }` skip it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor, IdentityService } from '../features/identity/identity-service.ts';
import { DomainError } from '../shared/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    public?: boolean;
  }
}

export function registerAuth(app: FastifyInstance, identity: IdentityService): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public) return;
    const header = request.headers.authorization;
    if (!header) throw new DomainError('unauthenticated', 'send an API token: Authorization: Bearer <token> (tonic tokens create, or TONIC_ADMIN_TOKEN)');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new DomainError('unauthenticated', 'the Authorization header must be "Bearer <token>"');
    const actor = await identity.authenticate(match[1]!);
    if (!actor) throw new DomainError('unauthenticated', 'the API token is not valid (unknown, revoked, or its user is disabled)');
    request.actor = actor;
  });
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

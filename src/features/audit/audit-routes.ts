import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../adapters/db/schema.ts';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES } from '../../http/schema-helpers.ts';
import type { IdentityService } from '../identity/identity-service.ts';
import { assertCan } from '../identity/roles.ts';
import type { AuditStore } from './audit-store.ts';

export const AuditEventSchema = Type.Object({
  id: Type.Integer(),
  stream: Type.String({ description: 'A system name, or _global for users and tokens.' }),
  seq: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String(),
  subject: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  hash: Type.String(),
});

export const AuditPageSchema = Type.Object({ items: Type.Array(AuditEventSchema), nextCursor: Nullable(Type.Integer()) });

export function registerAuditRoutes(app: FastifyInstance, deps: { db: Db; audit: AuditStore; identity: IdentityService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['audit'];
  const authorize = (req: Parameters<typeof actorOf>[0], stream?: string) => {
    const actor = actorOf(req);
    assertCan({ username: actor.username, roles: deps.identity.rolesOn(actor, stream) }, 'audit.read', stream);
  };

  r.get('/audit', {
    schema: {
      tags,
      summary: 'Audit events, newest first',
      querystring: Type.Object(
        {
          stream: Type.Optional(Type.String({ maxLength: 64 })),
          subject: Type.Optional(Type.String({ maxLength: 200 })),
          actor: Type.Optional(Type.String({ maxLength: 64, description: 'Who: a user name, or "system".' })),
          action: Type.Optional(Type.String({ maxLength: 100, description: 'What: an action ("bug.approve_prod"), or a prefix ending in * ("freeze.*").' })),
          cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: AuditPageSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => {
      authorize(req, req.query.stream);
      const limit = req.query.limit ?? 100;
      const items = await deps.audit.list(deps.db, { stream: req.query.stream, subject: req.query.subject, actor: req.query.actor, action: req.query.action, before: req.query.cursor, limit });
      return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
    },
  });

  r.get('/audit/verify', {
    schema: {
      tags,
      summary: 'Check the hash chain of every stream',
      response: {
        200: Type.Object({
          ok: Type.Boolean(),
          streams: Type.Integer(),
          events: Type.Integer(),
          breaks: Type.Array(Type.Object({ stream: Type.String(), seq: Type.Integer(), id: Type.Integer(), problem: Type.String() })),
        }),
        ...PROBLEM_RESPONSES,
      },
    },
    handler: async (req) => {
      authorize(req);
      return deps.audit.verify(deps.db);
    },
  });
}

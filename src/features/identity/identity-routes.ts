import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { PROBLEM_RESPONSES, StringEnum } from '../../http/schema-helpers.ts';
import type { IdentityService } from './identity-service.ts';
import { ROLES } from './roles.ts';

const UserSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: StringEnum(ROLES),
  disabled: Type.Optional(Type.Boolean()),
  createdAt: Type.String({ format: 'date-time' }),
});

export function registerIdentityRoutes(app: FastifyInstance, identity: IdentityService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['users'];

  r.get('/me', {
    schema: { tags, summary: 'Who the token belongs to', response: { 200: Type.Object({ username: Type.String(), role: StringEnum(ROLES) }), ...PROBLEM_RESPONSES } },
    handler: async (req) => actorOf(req),
  });

  r.get('/users', {
    schema: { tags, summary: 'Users (admin)', response: { 200: Type.Object({ items: Type.Array(UserSchema) }), ...PROBLEM_RESPONSES } },
    handler: async (req) => ({ items: await identity.listUsers(actorOf(req)) }),
  });

  r.post('/users', {
    schema: {
      tags,
      summary: 'Create a user (admin)',
      body: Type.Object(
        { username: Type.String({ minLength: 1, maxLength: 64 }), displayName: Type.Optional(Type.String({ maxLength: 200 })), role: StringEnum(ROLES) },
        { additionalProperties: false },
      ),
      response: { 201: UserSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req, reply) => reply.code(201).send(await identity.createUser(actorOf(req), req.body)),
  });

  r.post('/users/:username/tokens', {
    schema: {
      tags,
      summary: 'Issue an API token (admin, or yourself); the token is shown once',
      params: Type.Object({ username: Type.String() }, { additionalProperties: false }),
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      response: { 201: Type.Object({ token: Type.String(), name: Type.String(), username: Type.String() }), ...PROBLEM_RESPONSES },
    },
    handler: async (req, reply) => reply.code(201).send(await identity.createToken(actorOf(req), req.params.username, req.body.name)),
  });
}

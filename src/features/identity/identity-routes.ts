import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum } from '../../http/schema-helpers.ts';
import type { IdentityService } from './identity-service.ts';
import { ROLES } from './roles.ts';

export const UserSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: StringEnum(ROLES),
  disabled: Type.Optional(Type.Boolean()),
  hasPassword: Type.Optional(Type.Boolean({ description: 'Whether the user can sign in to the dashboard.' })),
  createdAt: Type.String({ format: 'date-time' }),
});

export const ApiTokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
});

export const CreateUserBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), displayName: Type.Optional(Type.String({ maxLength: 200 })), role: StringEnum(ROLES) },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  { role: Type.Optional(StringEnum(ROLES)), displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const IssuedTokenSchema = Type.Object({ token: Type.String(), name: Type.String(), username: Type.String() });

export const UserListSchema = Type.Object({ items: Type.Array(UserSchema) });
export const ApiTokenListSchema = Type.Object({ items: Type.Array(ApiTokenSchema) });

const UsernameParams = Type.Object({ username: Type.String() }, { additionalProperties: false });

export function registerIdentityRoutes(app: FastifyInstance, identity: IdentityService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['users'];

  r.get('/me', {
    schema: { tags, summary: 'Who the token belongs to', response: { 200: Type.Object({ username: Type.String(), role: StringEnum(ROLES) }), ...PROBLEM_RESPONSES } },
    handler: async (req) => actorOf(req),
  });

  r.get('/users', {
    schema: { tags, summary: 'Users (admin)', response: { 200: UserListSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => ({ items: await identity.listUsers(actorOf(req)) }),
  });

  r.post('/users', {
    schema: {
      tags,
      summary: 'Create a user (admin)',
      body: CreateUserBody,
      response: { 201: UserSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req, reply) => reply.code(201).send(await identity.createUser(actorOf(req), req.body)),
  });

  r.patch('/users/:username', {
    schema: { tags, summary: "Change a user's role, display name or whether they may sign in (admin)", params: UsernameParams, body: UpdateUserBody, response: { 200: UserSchema, ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema) } },
    handler: async (req) => identity.updateUser(actorOf(req), req.params.username, req.body),
  });

  r.get('/users/:username/tokens', {
    schema: { tags, summary: "A user's API tokens, without their values (admin, or yourself)", params: UsernameParams, response: { 200: ApiTokenListSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => ({ items: await identity.listTokens(actorOf(req), req.params.username) }),
  });

  r.delete('/users/:username/tokens/:id', {
    schema: {
      tags,
      summary: 'Revoke an API token (admin, or yourself)',
      params: Type.Object({ username: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...PROBLEM_RESPONSES },
    },
    handler: async (req, reply) => {
      await identity.revokeToken(actorOf(req), req.params.username, req.params.id);
      return reply.code(204).send(null);
    },
  });

  r.post('/users/:username/tokens', {
    schema: {
      tags,
      summary: 'Issue an API token (admin, or yourself); the token is shown once',
      params: UsernameParams,
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      response: { 201: IssuedTokenSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req, reply) => reply.code(201).send(await identity.createToken(actorOf(req), req.params.username, req.body.name)),
  });
}

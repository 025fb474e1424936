/**
 * /api/v1/session: sign in (sets the HttpOnly session cookie), who is signed in (with the CSRF
 * token the dashboard sends back on changes), sign out; and setting a password.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf, assertSameSite } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum } from '../../http/schema-helpers.ts';
import { PERMISSIONS, ROLES } from '../identity/roles.ts';
import { PASSWORD_MAX_LENGTH, sessionCookie } from './session-rules.ts';
import { SESSION_COOKIE_MAX_AGE_SECONDS, type SessionService } from './session-service.ts';

const Permission = StringEnum(PERMISSIONS);

export const SessionSchema = Type.Object({
  user: Type.Object({ username: Type.String(), displayName: Type.String(), role: StringEnum(ROLES) }),
  csrfToken: Nullable(Type.String({ description: 'Send it as X-CSRF-Token on every change made with the session cookie; null for API tokens.' })),
  permissions: Type.Object({
    global: Type.Array(Permission),
    systems: Type.Record(Type.String(), Type.Array(Permission), { description: 'What the user may do on each system (their role plus the system\'s people grants).' }),
  }),
});

export const SignInBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }) },
  { additionalProperties: false },
);

export const SetPasswordBody = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
    currentPassword: Type.Optional(Type.String({ maxLength: PASSWORD_MAX_LENGTH, description: 'Needed to change your own password unless you are an admin.' })),
  },
  { additionalProperties: false },
);

/** Secure cookies when the request came over TLS (directly, or X-Forwarded-Proto behind a trusted proxy). */
const secure = (req: FastifyRequest) => req.protocol === 'https';

export function registerSessionRoutes(app: FastifyInstance, sessions: SessionService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['session'];

  r.post('/session', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Sign in with user name and password; sets the session cookie',
      security: [],
      body: SignInBody,
      response: { 200: SessionSchema, 400: Type.Ref(ProblemSchema), 401: Type.Ref(ProblemSchema), 403: Type.Ref(ProblemSchema), 429: Type.Ref(ProblemSchema) },
    },
    handler: async (req, reply) => {
      assertSameSite(req);
      const signedIn = await sessions.signIn({ username: req.body.username, password: req.body.password, ip: req.ip, userAgent: req.headers['user-agent'] ?? null });
      const actor = { username: signedIn.user.username, role: signedIn.user.role };
      reply.header('set-cookie', sessionCookie(signedIn.token, { secure: secure(req), maxAgeSeconds: SESSION_COOKIE_MAX_AGE_SECONDS }));
      reply.header('cache-control', 'no-store');
      return { user: signedIn.user, csrfToken: signedIn.csrfToken, permissions: sessions.permissionsOf(actor) };
    },
  });

  r.get('/session', {
    schema: { tags, summary: 'Who is signed in, what they may do, and the CSRF token', response: { 200: SessionSchema, ...PROBLEM_RESPONSES } },
    handler: async (req, reply) => {
      const actor = actorOf(req);
      reply.header('cache-control', 'no-store');
      return {
        user: { username: actor.username, displayName: req.session?.displayName ?? actor.username, role: actor.role },
        csrfToken: req.session?.csrfToken ?? null,
        permissions: sessions.permissionsOf(actor),
      };
    },
  });

  r.delete('/session', {
    schema: { tags, summary: 'Sign out: ends the session and clears the cookie', response: { 204: Type.Null(), ...PROBLEM_RESPONSES } },
    handler: async (req, reply) => {
      actorOf(req);
      if (req.session) await sessions.signOut(req.session);
      return reply.code(204).header('set-cookie', sessionCookie(null, { secure: secure(req), maxAgeSeconds: 0 })).send(null);
    },
  });

  r.put('/users/:username/password', {
    schema: {
      tags: ['users'],
      summary: "Set a user's password (admin; or yours, with the current one); their other sessions end",
      params: Type.Object({ username: Type.String() }, { additionalProperties: false }),
      body: SetPasswordBody,
      response: { 204: Type.Null(), ...PROBLEM_RESPONSES },
    },
    handler: async (req, reply) => {
      await sessions.setPassword(actorOf(req), req.params.username, req.body, req.session?.sessionId);
      return reply.code(204).send(null);
    },
  });
}

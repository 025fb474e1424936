/**
 * The HTTP application, separate from listening (server.ts) so tests run the real app.
 */
import swagger from '@fastify/swagger';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { AnalysisSchema, registerAnalysisRoutes, ValidationStepSchema } from '../features/analysis/analysis-routes.ts';
import { registerAuditRoutes } from '../features/audit/audit-routes.ts';
import { BugSchema, BugSummarySchema, registerBugRoutes } from '../features/bugs/bug-routes.ts';
import { registerChecklistRoutes } from '../features/checklists/checklist-routes.ts';
import { registerEnvironmentRoutes } from '../features/environments/environment-routes.ts';
import { registerFreezeRoutes } from '../features/freezes/freeze-routes.ts';
import { registerHotfixRoutes } from '../features/hotfixes/hotfix-routes.ts';
import { registerIdentityRoutes } from '../features/identity/identity-routes.ts';
import { registerRollbackRoutes } from '../features/rollbacks/rollback-routes.ts';
import { registerRehearsalRoutes } from '../features/rehearsal/rehearsal-routes.ts';
import { registerMonitoringRoutes } from '../features/monitoring/monitoring-routes.ts';
import { registerNotificationRoutes } from '../features/notifications/notification-routes.ts';
import { registerRunRoutes } from '../features/runs/run-routes.ts';
import { registerSystemRoutes } from '../features/systems/system-routes.ts';
import type { Tonic } from '../compose.ts';
import { registerLiveRoutes } from '../features/live-events/live-routes.ts';
import { registerSessionRoutes } from '../features/sessions/session-routes.ts';
import { registerAuth } from './auth.ts';
import { changesSomething, type DrainGate } from './drain.ts';
import { readiness } from './readiness.ts';
import { problem, registerProblemHandlers, sendProblem } from './problem.ts';
import { ProblemSchema } from './schema-helpers.ts';
import { defaultWebRoot, registerWebApp } from './static.ts';
import { requestLogger, withLogContext, type Logger } from '../shared/logger.ts';

export type AppOptions = {
  /** The server's logger (src/shared/logger.ts); none: the app logs nothing. */
  logger?: Logger;
  /** Graceful shutdown: while draining, requests that change something are refused with 503. */
  drain?: DrainGate;
  /** Trust X-Forwarded-* from a proxy in front (TONIC_TRUST_PROXY): the client address, and TLS for Secure cookies. */
  trustProxy?: boolean | string;
  /** The built dashboard (dist/web by default). */
  webRoot?: string;
};

/** Bodies are validated strictly: no unknown fields, no type coercion ("5" is not 5). */
function createValidators() {
  const base = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false } as const;
  const strict = addFormats.default(new Ajv.default({ ...base, coerceTypes: false }));
  // Query strings and path parameters arrive as text: those coerce ("?limit=5").
  const coercing = addFormats.default(new Ajv.default({ ...base, coerceTypes: 'array' }));
  for (const ajv of [strict, coercing]) ajv.addSchema([ProblemSchema, ValidationStepSchema, AnalysisSchema, BugSchema, BugSummarySchema]);
  return { strict, coercing };
}

export async function buildApp(tonic: Tonic, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger
      ? { loggerInstance: options.logger as FastifyBaseLogger, childLoggerFactory: (logger: FastifyBaseLogger, bindings: Bindings, opts: ChildLoggerOptions) => requestLogger(logger, bindings, opts) }
      : { logger: false }),
    bodyLimit: 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
    trustProxy: options.trustProxy ?? false,
    ajv: { customOptions: { removeAdditional: false } },
  });
  const validators = createValidators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? validators.strict : validators.coercing).compile(schema));
  app.addSchema(ProblemSchema);
  app.addSchema(ValidationStepSchema);
  app.addSchema(AnalysisSchema);
  app.addSchema(BugSchema);
  app.addSchema(BugSummarySchema);
  // Every line logged while a request is handled carries its id, in whatever code logs it.
  app.addHook('onRequest', (request, _reply, done) => withLogContext({ reqId: String(request.id) }, done));
  const drain = options.drain;
  if (drain) {
    app.addHook('onRequest', async (request, reply) => {
      if (!changesSomething(request.method)) return;
      if (drain.draining) {
        reply.header('retry-after', '5').header('connection', 'close');
        return sendProblem(reply, problem('shutting_down', `${drain.reason ?? 'this instance is shutting down'}: send the request again (to another instance, or once this one is back)`, String(request.id)));
      }
      drain.enter();
      let left = false;
      const leave = () => {
        if (!left) drain.leave();
        left = true;
      };
      reply.raw.once('close', leave);
      reply.raw.once('finish', leave);
    });
  }
  // An action sent with no body at all means "no options", the same as {}.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method === 'POST') request.body = {};
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    tonic.metrics.observeHttp(request.method, request.routeOptions.url ?? '(no route)', reply.statusCode, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tonic Deploy API',
        version: '1',
        description: 'The dual-environment (UAT + PROD) bug-fix pipeline. Errors are application/problem+json with a stable code.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  registerProblemHandlers(app);

  await app.register(
    async (api) => {
      registerAuth(api, tonic.identity, tonic.sessions);
      api.get('/health', { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness', security: [] } }, async () => ({ status: 'ok' }));
      api.get(
        '/ready',
        { config: { public: true }, schema: { tags: ['health'], summary: 'Readiness: the database answers and its schema is this version\'s', security: [] } },
        async (_request, reply) => {
          if (drain?.draining) return reply.code(503).send({ ready: false, database: 'ok', schema: 'unknown', detail: drain.reason ?? 'shutting down' });
          const state = await readiness(tonic);
          return reply.code(state.ready ? 200 : 503).send(state);
        },
      );
      api.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
      registerSystemRoutes(api, tonic.systems);
      registerEnvironmentRoutes(api, tonic.environments);
      registerBugRoutes(api, tonic.bugs);
      registerHotfixRoutes(api, tonic.hotfixes);
      registerAnalysisRoutes(api, tonic.analysis);
      registerRunRoutes(api, { runs: tonic.runs, releases: tonic.releases, deployments: tonic.deployments });
      registerFreezeRoutes(api, tonic.freezes);
      registerRollbackRoutes(api, { rollbacks: tonic.rollbacks, lock: tonic.lock });
      registerRehearsalRoutes(api, tonic.rehearsals);
      registerChecklistRoutes(api, tonic.checklists);
      registerAuditRoutes(api, { db: tonic.db, audit: tonic.audit, identity: tonic.identity });
      registerIdentityRoutes(api, tonic.identity);
      registerMonitoringRoutes(api, tonic.monitoring);
      registerSessionRoutes(api, tonic.sessions);
      registerLiveRoutes(api, { live: tonic.live, identity: tonic.identity });
      registerNotificationRoutes(api, { notifications: tonic.notifications.service, telegram: tonic.notifications.telegram });
    },
    { prefix: '/api/v1' },
  );

  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(await tonic.metrics.render()),
  );
  // The dashboard at `/`; the API and its description stay under /api/v1.
  registerWebApp(app, { root: options.webRoot ?? defaultWebRoot() });
  return app;
}

/**
 * The HTTP application, separate from listening (server.ts) so tests run the real app.
 */
import swagger from '@fastify/swagger';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyInstance } from 'fastify';
import { AnalysisSchema, registerAnalysisRoutes, ValidationStepSchema } from '../features/analysis/analysis-routes.ts';
import { registerAuditRoutes } from '../features/audit/audit-routes.ts';
import { BugSchema, BugSummarySchema, registerBugRoutes } from '../features/bugs/bug-routes.ts';
import { registerEnvironmentRoutes } from '../features/environments/environment-routes.ts';
import { registerIdentityRoutes } from '../features/identity/identity-routes.ts';
import { registerMonitoringRoutes } from '../features/monitoring/monitoring-routes.ts';
import { registerRunRoutes } from '../features/runs/run-routes.ts';
import { registerSystemRoutes } from '../features/systems/system-routes.ts';
import type { Tonic } from '../compose.ts';
import { registerAuth } from './auth.ts';
import { readiness } from './readiness.ts';
import { registerProblemHandlers } from './problem.ts';
import { ProblemSchema } from './schema-helpers.ts';

export type AppOptions = { logger?: boolean | { level: string } };

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
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { removeAdditional: false } },
  });
  const validators = createValidators();
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? validators.strict : validators.coercing).compile(schema));
  app.addSchema(ProblemSchema);
  app.addSchema(ValidationStepSchema);
  app.addSchema(AnalysisSchema);
  app.addSchema(BugSchema);
  app.addSchema(BugSummarySchema);
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
      registerAuth(api, tonic.identity);
      api.get('/health', { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness', security: [] } }, async () => ({ status: 'ok' }));
      api.get(
        '/ready',
        { config: { public: true }, schema: { tags: ['health'], summary: 'Readiness: the database answers and its schema is this version\'s', security: [] } },
        async (_request, reply) => {
          const state = await readiness(tonic);
          return reply.code(state.ready ? 200 : 503).send(state);
        },
      );
      api.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
      registerSystemRoutes(api, tonic.systems);
      registerEnvironmentRoutes(api, tonic.environments);
      registerBugRoutes(api, tonic.bugs);
      registerAnalysisRoutes(api, tonic.analysis);
      registerRunRoutes(api, { runs: tonic.runs, releases: tonic.releases, deployments: tonic.deployments });
      registerAuditRoutes(api, { db: tonic.db, audit: tonic.audit, identity: tonic.identity });
      registerIdentityRoutes(api, tonic.identity);
      registerMonitoringRoutes(api, tonic.monitoring);
    },
    { prefix: '/api/v1' },
  );

  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(await tonic.metrics.render()),
  );
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => reply.redirect('/api/v1/openapi.json'));
  return app;
}

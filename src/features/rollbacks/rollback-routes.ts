/**
 * Rollbacks, their HISTORY, and the deploy lock over HTTP.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum, SystemParams } from '../../http/schema-helpers.ts';
import { DeploymentServicesSchema } from '../services/service-schemas.ts';
import type { DeployLock } from '../deployments/deploy-lock.ts';
import { ROLLBACK_IMPACTS, ROLLBACK_STATUSES, ROLLBACK_TRIGGERS } from './rollback-rules.ts';
import type { RollbackService } from './rollback-service.ts';

const IdParams = Type.Object({ system: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false });
const Env = StringEnum(['uat', 'prod'] as const);
const AnyObject = (description: string) => Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description });

export const RollbackSchema = Type.Object({
  id: Type.Integer(),
  system: Type.String(),
  env: Env,
  status: StringEnum(ROLLBACK_STATUSES, { description: 'followup (impact ux: not rolled back), running, validating, stable, escalated, failed' }),
  impact: StringEnum(ROLLBACK_IMPACTS),
  trigger: StringEnum(ROLLBACK_TRIGGERS),
  reason: Type.String({ description: 'What broke.' }),
  by: Type.String(),
  deployed: Type.Object(
    { deploymentId: Nullable(Type.Integer()), releaseId: Nullable(Type.Integer()), version: Nullable(Type.String()), commit: Nullable(Type.String()), at: Nullable(Type.String()) },
    { description: 'What was deployed, and when: what this rollback undid.' },
  ),
  target: Type.Object({ releaseId: Nullable(Type.Integer()), version: Nullable(Type.String()), commit: Nullable(Type.String()) }, { description: 'Where the environment went back to.' }),
  rollbackDeploymentId: Nullable(Type.Integer()),
  scope: Type.Array(Type.String()),
  migration: Nullable(AnyObject('The down migration: needed, files, command, ok, output, detail.')),
  bugs: Type.Array(Type.Object({ id: Type.Integer(), from: Type.String(), to: Nullable(Type.String()), result: StringEnum(['reverted', 'left'] as const), reason: Nullable(Type.String()) })),
  smoke: Nullable(AnyObject('Smoke results after the rollback.')),
  validation: Nullable(AnyObject('verdict (stable | escalate), detail, monitoring.')),
  detail: Nullable(Type.String()),
  rootCause: Nullable(Type.String()),
  fixPlan: Nullable(Type.String()),
  notified: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  checklist: Type.Array(Type.Object({ item: Type.String(), done: Type.Boolean(), detail: Type.String() }), { description: "SEED.md's rollback checklist, item by item." }),
});

export const LockSchema = Type.Object({
  inProgress: Type.Boolean({ description: 'true: a deploy holds the system ("deploy in progress").' }),
  system: Type.String(),
  holder: Type.Optional(Type.String({ description: 'Who.' })),
  purpose: Type.Optional(Type.String({ description: 'What.' })),
  runId: Type.Optional(Nullable(Type.Integer())),
  instance: Type.Optional(Type.String()),
  acquiredAt: Type.Optional(Type.String()),
  since: Type.Optional(Type.String()),
  sinceLocal: Type.Optional(Type.String()),
  leaseUntil: Type.Optional(Type.String()),
  leaseExpired: Type.Optional(Type.Boolean({ description: 'The holder stopped renewing; the next scheduler sweep releases it.' })),
  message: Type.Optional(Type.String()),
  deployment: Type.Optional(
    Nullable(
      Type.Object(
        { id: Type.Integer(), env: StringEnum(['uat', 'prod'] as const), releaseId: Type.Integer(), startedAt: Type.String(), services: Nullable(DeploymentServicesSchema) },
        { description: 'The deployment under way, with each service\'s progress (multi-service systems).' },
      ),
    ),
  ),
});

export const RollbackPageSchema = Type.Object({ items: Type.Array(RollbackSchema), nextCursor: Nullable(Type.Integer()) });

export function registerRollbackRoutes(app: FastifyInstance, deps: { rollbacks: RollbackService; lock: DeployLock }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/systems/:system/deploy-lock', {
    schema: { tags: ['rollbacks'], summary: 'Deploy in progress: who holds the system and for what, or none', params: SystemParams, response: { 200: LockSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => {
      actorOf(req);
      return deps.lock.current(req.params.system);
    },
  });

  r.post('/systems/:system/rollbacks', {
    schema: {
      tags: ['rollbacks'],
      summary: 'Roll an environment back (admin): ux records a follow-up, regression rolls back, data-corruption also escalates',
      params: SystemParams,
      body: Type.Object(
        {
          env: Env,
          to: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A tag to go back to; default: what ran before the current deployment.' })),
          impact: StringEnum(ROLLBACK_IMPACTS),
          reason: Type.String({ minLength: 1, maxLength: 2000, description: 'What broke.' }),
        },
        { additionalProperties: false },
      ),
      response: { 201: RollbackSchema, ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema) },
    },
    handler: async (req, reply) => {
      const result = await deps.rollbacks.request(actorOf(req), req.params.system, req.body);
      return reply.code(201).send(result);
    },
  });

  r.get('/systems/:system/rollbacks', {
    schema: {
      tags: ['rollbacks'],
      summary: 'Rollbacks (the HISTORY), newest first',
      params: SystemParams,
      querystring: Type.Object(
        { cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
        { additionalProperties: false },
      ),
      response: { 200: RollbackPageSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => {
      const limit = req.query.limit ?? 50;
      const items = await deps.rollbacks.list(actorOf(req), req.params.system, { beforeId: req.query.cursor, limit });
      return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
    },
  });

  r.get('/systems/:system/rollbacks/:id', {
    schema: { tags: ['rollbacks'], summary: 'One rollback with its checklist', params: IdParams, response: { 200: RollbackSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => deps.rollbacks.get(actorOf(req), req.params.system, req.params.id),
  });

  r.patch('/systems/:system/rollbacks/:id', {
    schema: {
      tags: ['rollbacks'],
      summary: 'Document the root cause and the fix plan (admin)',
      params: IdParams,
      body: Type.Object(
        { rootCause: Type.Optional(Type.String({ minLength: 1, maxLength: 10000 })), fixPlan: Type.Optional(Type.String({ minLength: 1, maxLength: 10000 })) },
        { additionalProperties: false },
      ),
      response: { 200: RollbackSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => deps.rollbacks.document(actorOf(req), req.params.system, req.params.id, req.body),
  });

  r.get('/systems/:system/history.md', {
    schema: { tags: ['rollbacks'], summary: 'The rollback HISTORY as Markdown', params: SystemParams, produces: ['text/markdown'] },
    handler: async (req, reply) => {
      const text = await deps.rollbacks.history(actorOf(req), req.params.system);
      return reply.type('text/markdown; charset=utf-8').send(text);
    },
  });
}

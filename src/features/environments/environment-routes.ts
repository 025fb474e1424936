import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, StringEnum, SystemParams } from '../../http/schema-helpers.ts';
import { ENVIRONMENTS, FIX_FLOWS } from '../bugs/bug-statuses.ts';
import type { EnvironmentService } from './environment-service.ts';
import { VERSION_RELATIONS } from './flow-rules.ts';

export const EnvironmentSchema = Type.Object({
  env: StringEnum(ENVIRONMENTS),
  url: Type.String(),
  line: Type.String({ description: 'The git branch this environment follows.' }),
  version: Nullable(Type.String()),
  commit: Nullable(Type.String()),
  deployedAt: Nullable(Type.String({ format: 'date-time' })),
  recordedBy: Nullable(Type.String()),
  releaseId: Nullable(Type.Integer({ description: 'The release a deployment put there; null when recorded by hand.' })),
});

export const FlowChoiceSchema = Type.Object(
  {
    flow: Nullable(StringEnum(FIX_FLOWS)),
    relation: StringEnum(VERSION_RELATIONS),
    reason: Type.String(),
    warning: Nullable(Type.String()),
  },
  { description: 'The flow a bug confirmed now would take, and why.' },
);

export const EnvironmentsSchema = Type.Object({ system: Type.String(), environments: Type.Array(EnvironmentSchema), flow: FlowChoiceSchema });

export function registerEnvironmentRoutes(app: FastifyInstance, service: EnvironmentService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['environments'];

  r.get('/systems/:system/environments', {
    schema: {
      tags,
      summary: 'UAT and PROD side by side, and the flow a bug confirmed now would take',
      params: SystemParams,
      response: { 200: EnvironmentsSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => service.describe(actorOf(req), req.params.system),
  });

  r.post('/systems/:system/environments/:env', {
    schema: {
      tags,
      summary: 'Record the version and commit an environment runs (admin)',
      description: 'For deploy tooling outside Tonic; the flow of the next confirmation follows from these commits.',
      params: Type.Object({ system: Type.String(), env: StringEnum(ENVIRONMENTS) }, { additionalProperties: false }),
      body: Type.Object(
        { version: Type.Optional(Nullable(Type.String({ maxLength: 64 }))), commit: Type.String({ minLength: 7, maxLength: 64 }) },
        { additionalProperties: false },
      ),
      response: { 200: Type.Omit(EnvironmentSchema, ['url', 'line']), ...PROBLEM_RESPONSES },
    },
    handler: async (req) => service.record(actorOf(req), req.params.system, req.params.env, req.body),
  });
}

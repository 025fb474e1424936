/**
 * Rehearsal and the rollback runbook over HTTP.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, StringEnum, SystemParams } from '../../http/schema-helpers.ts';
import { STEP_RESULTS } from './rehearsal-rules.ts';
import type { RehearsalService } from './rehearsal-service.ts';

const ActionSchema = Type.Object({
  env: StringEnum(['uat', 'prod'] as const),
  kind: StringEnum(['deploy', 'health', 'smoke', 'monitoring', 'migration'] as const),
  text: Type.String({ description: 'Exactly what the real deploy would run or send.' }),
  problems: Type.Array(Type.String(), { description: 'What is wrong with it, and what to fix.' }),
});

const RehearsalSchema = Type.Object({
  system: Type.String(),
  ok: Type.Boolean({ description: 'No step failed and the real system is unchanged.' }),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.String({ format: 'date-time' }),
  unchanged: Type.Object({ checked: Type.Boolean(), detail: Type.String() }, { description: 'The real repository and environment records, compared before and after.' }),
  steps: Type.Array(
    Type.Object({
      name: Type.String(),
      result: StringEnum(STEP_RESULTS),
      detail: Type.String(),
      fix: Nullable(Type.String()),
      actions: Type.Array(ActionSchema),
    }),
  ),
  runbook: Type.String({ description: 'The rollback runbook, as Markdown.' }),
});

export function registerRehearsalRoutes(app: FastifyInstance, rehearsals: RehearsalService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post('/systems/:system/rehearsals', {
    schema: {
      tags: ['rehearsal'],
      summary:
        'Rehearse (admin): a synthetic bug through Flow 1 and Flow 2, a rollback and a freeze check, on a scratch clone and database, with deploys recorded instead of run; changes nothing real',
      params: SystemParams,
      body: Type.Object({}, { additionalProperties: false }),
      response: { 200: RehearsalSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => rehearsals.rehearse(actorOf(req), req.params.system),
  });

  r.get('/systems/:system/rollback-runbook.md', {
    schema: { tags: ['rehearsal'], summary: "The system's rollback runbook as Markdown: SEED.md's procedure with its commands", params: SystemParams, produces: ['text/markdown'] },
    handler: async (req, reply) => {
      const text = await rehearsals.runbook(actorOf(req), req.params.system);
      return reply.type('text/markdown; charset=utf-8').send(text);
    },
  });
}

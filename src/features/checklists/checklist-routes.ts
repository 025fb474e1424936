/**
 * The pre-deploy checklist over HTTP: run it now, read stored reports, acknowledge the on-call
 * "deploy tonight" message.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum, SystemParams } from '../../http/schema-helpers.ts';
import { CHECKLIST_VERDICTS, PROBES, PROBE_MODES, PROBE_RESULTS } from './checklist-rules.ts';
import type { ChecklistService } from './checklist-service.ts';
import { CHECKLIST_TRIGGERS } from './checklist-store.ts';

const Env = StringEnum(['uat', 'prod'] as const);

export const ChecklistItemSchema = Type.Object({
  probe: StringEnum(PROBES),
  result: StringEnum(PROBE_RESULTS),
  mode: StringEnum(PROBE_MODES),
  evidence: Type.Object({
    measured: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), { description: 'What the probe measured, by name.' }),
    at: Type.String({ format: 'date-time', description: 'When it was measured.' }),
    detail: Type.String({ description: 'What was found, for people.' }),
  }),
});

const AckSchema = Type.Object({
  id: Type.Integer(),
  t1At: Type.String({ format: 'date-time', description: 'The T1 of the night the acknowledgement is for.' }),
  person: Type.String(),
  username: Type.String(),
  channels: Type.Array(Type.String()),
  checklistId: Type.Integer(),
  requestedAt: Type.String({ format: 'date-time' }),
  deadline: Type.String({ format: 'date-time' }),
  acknowledgedAt: Nullable(Type.String({ format: 'date-time' })),
  acknowledgedBy: Nullable(Type.String()),
  note: Nullable(Type.String()),
});

export const ChecklistSchema = Type.Object({
  id: Type.Integer(),
  system: Type.String(),
  env: Env,
  slot: StringEnum(['t1', 't2'] as const),
  slotAt: Type.String({ format: 'date-time', description: 'The deploy slot this list guards.' }),
  trigger: StringEnum(CHECKLIST_TRIGGERS),
  runId: Nullable(Type.Integer()),
  requestedBy: Type.String(),
  status: StringEnum(['running', 'done'] as const),
  verdict: Nullable(StringEnum(CHECKLIST_VERDICTS)),
  items: Type.Array(ChecklistItemSchema),
  notChecked: Type.Array(StringEnum(PROBES), { description: 'Probes of SEED.md’s list this system does not configure for this environment.' }),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  ack: Nullable(AckSchema),
});

export const ChecklistPageSchema = Type.Object({ items: Type.Array(ChecklistSchema), nextCursor: Nullable(Type.Integer()) });

const IdParams = Type.Object({ system: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false });

export function registerChecklistRoutes(app: FastifyInstance, checklists: ChecklistService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post('/systems/:system/checks', {
    schema: {
      tags: ['checklists'],
      summary: 'Run the pre-deploy checklist now (managers and admins); answers the report',
      params: SystemParams,
      body: Type.Object(
        { env: Type.Optional(StringEnum(['uat', 'prod'] as const, { description: 'The deploy it guards. Default: the environment of the next slot (T1: uat, T2: prod).' })) },
        { additionalProperties: false },
      ),
      response: { 201: ChecklistSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req, reply) => {
      const report = await checklists.checkNow(actorOf(req), req.params.system, { env: req.body.env });
      return reply.code(201).send(report);
    },
  });

  r.get('/systems/:system/checks', {
    schema: {
      tags: ['checklists'],
      summary: 'Stored checklists, newest first',
      params: SystemParams,
      querystring: Type.Object(
        {
          runId: Type.Optional(Type.Integer({ minimum: 1, description: 'Only the checklist of this run.' })),
          cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: ChecklistPageSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => {
      const limit = req.query.limit ?? 50;
      const items = await checklists.list(actorOf(req), req.params.system, { runId: req.query.runId, beforeId: req.query.cursor, limit });
      return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
    },
  });

  r.get('/systems/:system/checks/:id', {
    schema: { tags: ['checklists'], summary: 'One checklist with its items and evidence', params: IdParams, response: { 200: ChecklistSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => checklists.get(actorOf(req), req.params.system, req.params.id),
  });

  r.post('/systems/:system/checks/:id/ack', {
    schema: {
      tags: ['checklists'],
      summary: 'The on-call person acknowledges the "deploy tonight" message this checklist sent',
      params: IdParams,
      body: Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      response: { 200: ChecklistSchema, ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema) },
    },
    handler: async (req) => checklists.acknowledge(actorOf(req), req.params.system, req.params.id, { note: req.body.note }),
  });
}

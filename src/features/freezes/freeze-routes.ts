/**
 * Change freezes over HTTP: what is frozen now and the declared freezes, the calendar ahead,
 * declaring (admin) and lifting (admin).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum, SystemParams } from '../../http/schema-helpers.ts';
import { FREEZE_SCOPES, FREEZE_SOURCES } from './freeze-rules.ts';
import { FREEZE_STATES, MAX_CALENDAR_DAYS, type FreezeService } from './freeze-service.ts';

export const FreezeWindowSchema = Type.Object(
  {
    source: StringEnum(FREEZE_SOURCES),
    label: Type.String({ description: 'What freezes: the variable, holiday, close, go-live or declared reason.' }),
    scope: StringEnum(FREEZE_SCOPES, { description: 'system: every deploy; modules: only the bugs of those modules.' }),
    modules: Type.Array(Type.String()),
    start: Nullable(Type.String({ format: 'date-time', description: 'null: in force since before anyone can say (a flag).' })),
    end: Nullable(Type.String({ format: 'date-time', description: 'When it lifts; null: until it is removed.' })),
  },
  { description: 'One freeze window of one source.' },
);

const LocalTimes = Type.Object({ startLocal: Nullable(Type.String()), endLocal: Nullable(Type.String()) });
export const LocalWindowSchema = Type.Composite([FreezeWindowSchema, LocalTimes]);

export const FreezeStateSchema = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    full: Type.Boolean({ description: 'Some source freezes the whole system: scheduled runs are skipped.' }),
    modules: Type.Array(Type.String(), { description: 'Modules frozen by module-scoped sources: their bugs are left out of runs.' }),
    lunarNewYear: Type.Boolean({ description: 'The Lunar New Year freeze is in force (hotfixes: P1 only, with a cto sign-off).' }),
    sources: Type.Array(LocalWindowSchema),
  },
  { description: 'The freezes in force at an instant, from every source.' },
);

export const FreezeSchema = Type.Object({
  id: Type.Integer(),
  system: Type.String(),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  startLocal: Type.String(),
  endLocal: Type.String(),
  scope: StringEnum(FREEZE_SCOPES),
  modules: Type.Array(Type.String()),
  reason: Type.String(),
  by: Type.String({ description: 'Who declared it.' }),
  declaredAt: Type.String({ format: 'date-time' }),
  state: StringEnum(FREEZE_STATES),
  liftedAt: Nullable(Type.String({ format: 'date-time' })),
  liftedBy: Nullable(Type.String()),
  liftReason: Nullable(Type.String()),
});

export const FreezeListSchema = Type.Object({ system: Type.String(), now: FreezeStateSchema, items: Type.Array(FreezeSchema), nextCursor: Nullable(Type.Integer()) });

export const FreezeCalendarSchema = Type.Object({
  system: Type.String(),
  timeZone: Type.String(),
  days: Type.Integer(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  windows: Type.Array(LocalWindowSchema),
});

const FreezeParams = Type.Object({ system: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false });

export const DeclareBody = Type.Object(
  {
    start: Type.Optional(Type.String({ minLength: 1, description: 'Default now. YYYY-MM-DD (00:00 in the system\'s zone), YYYY-MM-DDTHH:MM (local) or an instant with its offset.' })),
    end: Type.String({ minLength: 1, description: 'When the freeze lifts, written like start.' }),
    modules: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Only these modules of the system; absent or empty: the whole system.' })),
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why: shown in run reports and messages.' }),
  },
  { additionalProperties: false },
);

export function registerFreezeRoutes(app: FastifyInstance, freezes: FreezeService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['freezes'];

  r.get('/systems/:system/freezes', {
    schema: {
      tags,
      summary: 'What is frozen now (every source), and the declared freezes, newest first',
      params: SystemParams,
      querystring: Type.Object(
        {
          all: Type.Optional(Type.Boolean({ description: 'Include lifted and ended freezes.' })),
          cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: FreezeListSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => freezes.list(actorOf(req), req.params.system, { all: req.query.all, cursor: req.query.cursor, limit: req.query.limit ?? 50 }),
  });

  r.get('/systems/:system/freezes/calendar', {
    schema: {
      tags,
      summary: 'The freeze windows of the days ahead, merged per source and labelled',
      params: SystemParams,
      querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CALENDAR_DAYS, default: 90 })) }, { additionalProperties: false }),
      response: { 200: FreezeCalendarSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => freezes.calendar(actorOf(req), req.params.system, req.query.days ?? 90),
  });

  r.get('/systems/:system/freezes/:id', {
    schema: { tags, summary: 'One declared freeze', params: FreezeParams, response: { 200: FreezeSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => freezes.get(actorOf(req), req.params.system, req.params.id),
  });

  r.post('/systems/:system/freezes', {
    schema: {
      tags,
      summary: 'Declare a freeze (admin): scheduled deploys are suspended for the system or some modules; announced',
      params: SystemParams,
      body: DeclareBody,
      response: { 201: FreezeSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req, reply) => {
      const declared = await freezes.declare(actorOf(req), req.params.system, req.body);
      return reply.code(201).header('location', `/api/v1/systems/${declared.system}/freezes/${declared.id}`).send(declared);
    },
  });

  r.delete('/systems/:system/freezes/:id', {
    schema: {
      tags,
      summary: 'Lift a declared freeze now (admin); announced',
      params: FreezeParams,
      querystring: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
      response: { 200: FreezeSchema, ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema) },
    },
    handler: async (req) => freezes.lift(actorOf(req), req.params.system, req.params.id, { reason: req.query.reason }),
  });
}

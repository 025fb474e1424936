/**
 * Runs, plan, releases and deployments over HTTP.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum, SystemParams } from '../../http/schema-helpers.ts';
import { ChecklistItemSchema } from '../checklists/checklist-routes.ts';
import { CHECKLIST_VERDICTS } from '../checklists/checklist-rules.ts';
import type { DeploymentService } from '../deployments/deployment-service.ts';
import { DEPLOYMENT_STATUSES } from '../deployments/deployment-store.ts';
import { RELEASE_KINDS } from '../releases/release-rules.ts';
import type { ReleaseService } from '../releases/release-service.ts';
import { FreezeWindowSchema } from '../freezes/freeze-routes.ts';
import { DeploymentServicesSchema, ServicePlanSchema } from '../services/service-schemas.ts';
import type { RunService } from './run-service.ts';
import { RUN_SLOTS, RUN_STATUSES } from './run-store.ts';

const IdParams = Type.Object({ system: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false });
const Page = Type.Object(
  { cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
  { additionalProperties: false },
);

export const RunSchema = Type.Object({
  id: Type.Integer(),
  system: Type.String(),
  slot: StringEnum(RUN_SLOTS),
  scheduledFor: Type.String({ format: 'date-time' }),
  trigger: StringEnum(['schedule', 'manual', 'startup'] as const),
  status: StringEnum(RUN_STATUSES),
  claimedBy: Type.String(),
  leaseUntil: Type.String({ format: 'date-time' }),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  report: Type.Object({
    steps: Type.Array(Type.Object({ at: Type.String(), message: Type.String() })),
    bugs: Type.Array(Type.Object({ id: Type.Integer(), outcome: Type.String(), reason: Type.Optional(Type.String()) })),
    releases: Type.Array(
      Type.Object({ id: Type.Integer(), version: Type.String(), env: Type.String(), deployed: Nullable(Type.Boolean()), services: Type.Optional(ServicePlanSchema) }),
    ),
    freeze: Type.Optional(
      Type.Object(
        {
          full: Type.Boolean({ description: 'A full freeze: the run was skipped.' }),
          modules: Type.Array(Type.String(), { description: 'Frozen modules: their bugs were left out.' }),
          lunarNewYear: Type.Boolean(),
          detail: Type.String({ description: 'What was frozen, by what, until when.' }),
          sources: Type.Array(FreezeWindowSchema),
        },
        { description: 'The freezes in force at the slot instant (DESIGN.md decision 7).' },
      ),
    ),
    checklist: Type.Optional(
      Type.Object(
        { id: Type.Integer(), env: StringEnum(['uat', 'prod'] as const), verdict: StringEnum(CHECKLIST_VERDICTS), items: Type.Array(ChecklistItemSchema) },
        { description: 'The pre-deploy checklist run before deploying (GET …/checks/{id} has it in full).' },
      ),
    ),
    skipped: Type.Optional(Type.Object({ reason: StringEnum(['freeze', 'checklist'] as const), detail: Type.String() }, { description: 'Why a skipped run did nothing.' })),
    interrupted: Type.Optional(
      Type.Object(
        { reason: Type.String(), done: Type.Array(Type.String()), notDone: Type.Array(Type.String()) },
        { description: 'A run cut short because its server stopped: why, what it had done and what it had not.' },
      ),
    ),
  }),
  error: Nullable(Type.String()),
});

export const ReleaseSchema = Type.Object({
  id: Type.Integer(),
  system: Type.String(),
  version: Type.String(),
  tag: Type.String(),
  commit: Type.String(),
  baseCommit: Type.String(),
  baseVersion: Nullable(Type.String()),
  kind: StringEnum(RELEASE_KINDS),
  targetEnv: StringEnum(['uat', 'prod'] as const),
  notes: Type.String(),
  runId: Nullable(Type.Integer()),
  createdAt: Type.String({ format: 'date-time' }),
  bugs: Type.Array(Type.Object({ id: Type.Integer(), position: Type.Integer(), commits: Type.Array(Type.String()) })),
  services: Type.Array(Type.String(), { description: 'The services its bugs touch.' }),
});

export const DeploymentSchema = Type.Object({
  id: Type.Integer(),
  system: Type.String(),
  env: StringEnum(['uat', 'prod'] as const),
  runId: Nullable(Type.Integer()),
  releaseId: Type.Integer(),
  previousReleaseId: Nullable(Type.Integer()),
  previousVersion: Type.Optional(Nullable(Type.String())),
  previousCommit: Type.Optional(Nullable(Type.String())),
  status: StringEnum(DEPLOYMENT_STATUSES),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  error: Nullable(Type.String()),
  smoke: Type.Optional(Nullable(Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description: 'Smoke results: ok, failedStep, steps (name, result, expected, actual, ms, checks).' }))),
  services: Type.Optional(Nullable(DeploymentServicesSchema)),
});

export const DeploymentWithLogSchema = Type.Composite([DeploymentSchema, Type.Object({ log: Type.Array(Type.Object({ at: Type.String(), stream: Type.String(), line: Type.String() })) })]);

export const PlanBug = Type.Object({ id: Type.Integer(), title: Type.String(), action: Type.String(), reason: Nullable(Type.String()) });
const PlanFreeze = Nullable(
  Type.Object(
    { full: Type.Boolean(), modules: Type.Array(Type.String()), detail: Type.String() },
    { description: 'The freezes in force at the slot: full skips the run, modules leave their bugs out.' },
  ),
);
export const PlanDeploySchema = Type.Composite(
  [
    Type.Object({
      slot: StringEnum(RUN_SLOTS),
      env: StringEnum(['uat', 'prod'] as const),
      what: Type.String({ description: 'The deploy: which release (or the one T1 would build) and why.' }),
      release: Nullable(Type.String({ description: 'The version, when the release exists already.' })),
      bugs: Type.Array(Type.Integer()),
    }),
    ServicePlanSchema,
  ],
  { description: 'A deploy the next T1 or T2 would make, service by service (multi-service systems).' },
);
export const PlanSchema = Type.Object({
  system: Type.String(),
  versionCheck: Type.Object({ flow: Nullable(Type.String()), relation: Type.String(), reason: Type.String(), warning: Nullable(Type.String()) }),
  t1: Type.Object({ at: Type.String(), atLocal: Type.String(), freeze: Type.Optional(PlanFreeze), bugs: Type.Array(PlanBug) }),
  t2: Type.Object({ at: Type.String(), atLocal: Type.String(), freeze: Type.Optional(PlanFreeze), bugs: Type.Array(PlanBug) }),
  deploys: Type.Optional(Type.Array(PlanDeploySchema, { description: 'Multi-service systems: what each deploy of the next T1 and T2 would do, service by service, and its reverse order.' })),
});

export const RunPageSchema = Type.Object({ items: Type.Array(RunSchema), nextCursor: Nullable(Type.Integer()) });
export const ReleasePageSchema = Type.Object({ items: Type.Array(ReleaseSchema), nextCursor: Nullable(Type.Integer()) });
export const DeploymentPageSchema = Type.Object({ items: Type.Array(DeploymentSchema), nextCursor: Nullable(Type.Integer()) });

const nextCursor = <T extends { id: number }>(items: T[], limit: number) => (items.length === limit ? items[items.length - 1]!.id : null);

export function registerRunRoutes(app: FastifyInstance, deps: { runs: RunService; releases: ReleaseService; deployments: DeploymentService }): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/systems/:system/plan', {
    schema: { tags: ['runs'], summary: 'What the next T1 and T2 will do, bug by bug, with the reason for each skip', params: SystemParams, response: { 200: PlanSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => deps.runs.plan(actorOf(req), req.params.system),
  });

  r.post('/systems/:system/runs/:slot', {
    schema: {
      tags: ['runs'],
      summary: 'Run T1 or T2 now (admin); with dryRun, only say what it would do',
      params: Type.Object({ system: Type.String(), slot: StringEnum(RUN_SLOTS) }, { additionalProperties: false }),
      body: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: Type.Union([RunSchema, PlanSchema]), ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema) },
    },
    handler: async (req) => {
      const actor = actorOf(req);
      if (req.body.dryRun) return deps.runs.plan(actor, req.params.system);
      return deps.runs.runNow(actor, req.params.system, req.params.slot);
    },
  });

  r.get('/systems/:system/runs', {
    schema: {
      tags: ['runs'],
      summary: 'Runs, newest first',
      params: SystemParams,
      querystring: Type.Composite([Page, Type.Object({ slot: Type.Optional(StringEnum(RUN_SLOTS)) })], { additionalProperties: false }),
      response: { 200: RunPageSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => {
      const limit = req.query.limit ?? 50;
      const items = await deps.runs.list(actorOf(req), req.params.system, { slot: req.query.slot, beforeId: req.query.cursor, limit });
      return { items, nextCursor: nextCursor(items, limit) };
    },
  });

  r.get('/systems/:system/runs/:id', {
    schema: { tags: ['runs'], summary: 'One run with its report', params: IdParams, response: { 200: RunSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => deps.runs.get(actorOf(req), req.params.system, req.params.id),
  });

  r.get('/systems/:system/releases', {
    schema: {
      tags: ['releases'],
      summary: 'Releases, newest first',
      params: SystemParams,
      querystring: Page,
      response: { 200: ReleasePageSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => {
      const limit = req.query.limit ?? 50;
      const items = await deps.releases.list(actorOf(req), req.params.system, { beforeId: req.query.cursor, limit });
      return { items, nextCursor: nextCursor(items, limit) };
    },
  });

  r.get('/systems/:system/releases/:id', {
    schema: { tags: ['releases'], summary: 'One release with its bugs and notes', params: IdParams, response: { 200: ReleaseSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => deps.releases.get(actorOf(req), req.params.system, req.params.id),
  });

  r.get('/systems/:system/deployments', {
    schema: {
      tags: ['deployments'],
      summary: 'Deployments, newest first',
      params: SystemParams,
      querystring: Type.Composite([Page, Type.Object({ runId: Type.Optional(Type.Integer({ minimum: 1 })) })], { additionalProperties: false }),
      response: { 200: DeploymentPageSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => {
      const limit = req.query.limit ?? 50;
      const items = await deps.deployments.list(actorOf(req), req.params.system, { runId: req.query.runId, beforeId: req.query.cursor, limit });
      return { items, nextCursor: nextCursor(items, limit) };
    },
  });

  r.get('/systems/:system/deployments/:id', {
    schema: {
      tags: ['deployments'],
      summary: 'One deployment with its log',
      params: IdParams,
      response: { 200: DeploymentWithLogSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => deps.deployments.get(actorOf(req), req.params.system, req.params.id),
  });
}

/**
 * /api/v1/systems/{system}/bugs: translate HTTP to the bug use cases. No workflow rules here.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorOf, expectedVersion } from '../../http/auth.ts';
import { AnalysisSchema, ValidationStepSchema } from '../analysis/analysis-routes.ts';
import { BugParams, Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum, SystemParams } from '../../http/schema-helpers.ts';
import { PERSON_ACTIONS } from './bug-rules.ts';
import { BUG_STATUSES, ENVIRONMENTS, FIX_FLOWS, SEVERITIES } from './bug-statuses.ts';
import type { BugService } from './bug-service.ts';
import type { BugView } from './bug-view.ts';

const Status = StringEnum(BUG_STATUSES);
const Severity = StringEnum(SEVERITIES);
const Flow = StringEnum(FIX_FLOWS);

export const BugSchema = Type.Object(
  {
    id: Type.Integer(),
    system: Type.String(),
    title: Type.String(),
    description: Type.String(),
    severity: Severity,
    status: Status,
    foundInEnv: StringEnum(ENVIRONMENTS),
    module: Nullable(Type.String()),
    services: Type.Array(Type.String()),
    fixFlow: Nullable(Flow),
    flowReason: Nullable(Type.String({ description: 'Why the flow was chosen, from the version check at confirm.' })),
    flowHold: Nullable(Type.String({ description: 'Set while no flow is safe; the bug waits for this.' })),
    flowOverrideReason: Nullable(Type.String()),
    reporter: Type.String(),
    fixAttachedBy: Nullable(Type.String()),
    fixRefs: Type.Array(
      Type.Object({
        kind: StringEnum(['commit', 'branch', 'trailer'] as const),
        ref: Type.String(),
        commit: Type.String(),
        attachedBy: Type.String(),
        at: Type.String({ format: 'date-time' }),
      }),
      { description: 'The fix: commits, branches, and commits found by a "Fixes #id" line.' },
    ),
    analysis: Nullable(Type.Ref(AnalysisSchema)),
    validationSteps: Type.Array(Type.Ref(ValidationStepSchema), { description: "What the approver checks before approving (from the analysis); shown beside the approve button." }),
    aiFixDiff: Nullable(Type.String()),
    conflict: Nullable(
      Type.Object({ release: Nullable(Type.String()), commit: Type.String(), files: Type.Array(Type.String()), message: Type.String(), at: Type.String() }),
    ),
    releaseId: Nullable(Type.Integer()),
    runsAt: Nullable(Type.String({ format: 'date-time', description: 'The T2 instant that will act on the bug while it is queued (UTC).' })),
    runsAtLocal: Nullable(Type.String({ description: 'runsAt in the system time zone, for people.' })),
    version: Type.Integer({ description: 'Increases with every change; send it back as If-Match.' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    allowedActions: Type.Optional(
      Type.Array(StringEnum(PERSON_ACTIONS), {
        description: 'The actions the caller may take on the bug now (their roles on the system, its status and flow, severity policy, self-approval); the dashboard offers exactly these.',
      }),
    ),
  },
  { $id: 'Bug' },
);

export const BugSummarySchema = Type.Omit(BugSchema, ['description', 'analysis', 'validationSteps', 'aiFixDiff'], {
  $id: 'BugSummary',
  description: 'A bug as lists show it: without its description, analysis and fix diff (GET the bug for those).',
});

export const HistoryEntrySchema = Type.Object({
  action: Type.String(),
  from: Nullable(Status),
  to: Status,
  actor: Type.String(),
  reason: Nullable(Type.String()),
  data: Nullable(Type.Record(Type.String(), Type.Unknown())),
  at: Type.String({ format: 'date-time' }),
});

export const BugWithHistory = Type.Intersect([Type.Ref(BugSchema), Type.Object({ history: Type.Array(HistoryEntrySchema) })]);

export const ReportBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    description: Type.String({ maxLength: 20000 }),
    severity: Severity,
    foundInEnv: StringEnum(ENVIRONMENTS),
    module: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
    services: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ maxLength: 200, description: 'Words in the title (case-insensitive), or a bug id ("12", "#12").' })),
    status: Type.Optional(Status),
    severity: Type.Optional(Severity),
    fixFlow: Type.Optional(Flow),
    module: Type.Optional(Type.String({ maxLength: 40 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);

export const ConfirmBody = Type.Object(
  {
    flow: StringEnum(['auto', ...FIX_FLOWS] as const, { default: 'auto', description: '"auto" follows the version check; naming another flow is an admin override and needs a reason.' }),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false });
export const OptionalReasonBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
const EmptyBody = Type.Object({}, { additionalProperties: false });
export const FixBody = Type.Object(
  {
    commit: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A commit id in the system repository.' })),
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A branch: its commits not yet in the release base are the fix.' })),
  },
  { additionalProperties: false },
);
export const IdsBody = Type.Object({ ids: Type.Array(Type.Integer({ minimum: 1, maximum: 2147483647 }), { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });

export const BatchResultSchema = Type.Object({
  id: Type.Integer(),
  ok: Type.Boolean(),
  bug: Type.Optional(Type.Ref(BugSchema)),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});

export const BugPageSchema = Type.Object({ items: Type.Array(Type.Ref(BugSummarySchema)), nextCursor: Nullable(Type.String()) });
export const BatchResponseSchema = Type.Object({ results: Type.Array(BatchResultSchema) });

const ACTION_RESPONSES = { 200: Type.Ref(BugSchema), ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema), 412: Type.Ref(ProblemSchema), 422: Type.Ref(ProblemSchema) };

export function registerBugRoutes(app: FastifyInstance, service: BugService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['bugs'];
  const etag = (bug: BugView) => `"${bug.version}"`;

  r.post('/systems/:system/bugs', {
    schema: { tags, summary: 'Report a bug (status submitted)', params: SystemParams, body: ReportBody, response: { 201: Type.Ref(BugSchema), ...PROBLEM_RESPONSES } },
    handler: async (req, reply) => {
      const bug = await service.report(actorOf(req), req.params.system, req.body);
      return reply.code(201).header('etag', etag(bug)).header('location', `/api/v1/systems/${bug.system}/bugs/${bug.id}`).send(bug);
    },
  });

  r.get('/systems/:system/bugs', {
    schema: {
      tags,
      summary: 'List bugs, newest first',
      description: 'Filters combine; pass nextCursor back as cursor for the next page.',
      params: SystemParams,
      querystring: ListQuery,
      response: { 200: BugPageSchema, ...PROBLEM_RESPONSES },
    },
    // The page comes as JSON bytes written straight from the rows (bugPageJson, the hot path),
    // sent as they are; the response schema above documents them.
    handler: async (req, reply) => reply.type('application/json; charset=utf-8').send((await service.listJson(actorOf(req), req.params.system, req.query)) as never),
  });

  r.get('/systems/:system/bugs/:id', {
    schema: { tags, summary: 'One bug with its history', params: BugParams, response: { 200: BugWithHistory, ...PROBLEM_RESPONSES } },
    handler: async (req, reply) => {
      const bug = await service.get(actorOf(req), req.params.system, req.params.id);
      return reply.header('etag', etag(bug)).send(bug);
    },
  });

  const action = <B>(
    path: string,
    summary: string,
    body: typeof ConfirmBody | typeof ReasonBody | typeof OptionalReasonBody | typeof EmptyBody | typeof FixBody,
    run: (req: { actor: Parameters<BugService['close']>[0]; system: string; id: number; body: B; expectedVersion?: number }) => Promise<BugView>,
  ) => {
    r.post(`/systems/:system/bugs/:id/${path}`, {
      schema: {
        tags,
        summary,
        description: 'Send If-Match with the version you saw to refuse the action if the bug changed meanwhile.',
        params: BugParams,
        body,
        response: ACTION_RESPONSES,
      },
      handler: async (req, reply) => {
        const bug = await run({ actor: actorOf(req), system: req.params.system, id: req.params.id, body: (req.body ?? {}) as B, expectedVersion: expectedVersion(req) });
        return reply.header('etag', etag(bug)).send(bug);
      },
    });
  };

  action<{ flow?: 'auto' | 'flow1' | 'flow2'; reason?: string }>('confirm', 'Confirm a bug into the pipeline; the flow follows the version check', ConfirmBody, (a) =>
    service.confirm(a.actor, a.system, a.id, { flow: a.body.flow ?? 'auto', reason: a.body.reason }, { expectedVersion: a.expectedVersion }),
  );
  action<{ reason: string }>('reject', 'Reject: not a valid bug', ReasonBody, (a) => service.reject(a.actor, a.system, a.id, a.body, { expectedVersion: a.expectedVersion }));
  action<{ reason?: string }>('close', 'Close manually', OptionalReasonBody, (a) => service.close(a.actor, a.system, a.id, a.body, { expectedVersion: a.expectedVersion }));
  action('approve-prod', 'Approve PROD deploy (Flow 1, deployed_uat → pending_prod); runsAt names the T2 that deploys it', EmptyBody, (a) =>
    service.approveProd(a.actor, a.system, a.id, { expectedVersion: a.expectedVersion }),
  );
  action('approve-uat-merge', 'Approve merge to UAT (Flow 2, deployed_prod → pending_uat_merge); runsAt names the T2 that merges it', EmptyBody, (a) =>
    service.approveUatMerge(a.actor, a.system, a.id, { expectedVersion: a.expectedVersion }),
  );

  action<{ commit?: string; branch?: string }>('fix', 'Attach a fix: a commit id or a branch of the system repository', FixBody, (a) =>
    service.attachFix(a.actor, a.system, a.id, a.body, { expectedVersion: a.expectedVersion }),
  );
  action<{ reason?: string }>('drop-from-release', 'Drop an unapproved bug from its UAT release (admin); it returns to confirmed', OptionalReasonBody, (a) =>
    service.dropFromRelease(a.actor, a.system, a.id, a.body, { expectedVersion: a.expectedVersion }),
  );

  const batch = (path: string, summary: string, run: BugService['approveProdBatch']) => {
    r.post(`/systems/:system/bugs/${path}`, {
      schema: { tags, summary, params: SystemParams, body: IdsBody, response: { 200: BatchResponseSchema, ...PROBLEM_RESPONSES } },
      handler: async (req) => ({ results: await run(actorOf(req), req.params.system, req.body.ids) }),
    });
  };
  batch('approve-prod', 'Approve PROD deploy for several bugs; one result per id', service.approveProdBatch);
  batch('approve-uat-merge', 'Approve UAT merge for several bugs; one result per id', service.approveUatMergeBatch);
}

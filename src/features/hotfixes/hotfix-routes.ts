/**
 * /api/v1/systems/{system}/hotfixes: translate HTTP to the emergency hotfix use cases. No workflow rules here.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum, SystemParams } from '../../http/schema-helpers.ts';
import { BUG_STATUSES, ENVIRONMENTS, SEVERITIES } from '../bugs/bug-statuses.ts';
import { CHECKLIST_ITEMS, HOTFIX_STATUSES, PRIORITIES, UAT_FOLLOW_UP_MODES, UAT_FOLLOW_UP_STATUSES, type ChecklistItem } from './hotfix-rules.ts';
import type { HotfixDetail, HotfixService } from './hotfix-service.ts';

const Instant = Type.String({ format: 'date-time' });
const IdParams = Type.Object({ system: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'Hotfix (incident) id.' }) }, { additionalProperties: false });
const ItemParams = Type.Object(
  { system: Type.String(), id: Type.Integer({ minimum: 1, maximum: 2147483647 }), item: StringEnum(CHECKLIST_ITEMS, { description: 'A checklist item.' }) },
  { additionalProperties: false },
);

const UatFollowUpSchema = Type.Object({
  mode: StringEnum(UAT_FOLLOW_UP_MODES, { description: 'cherry_pick: UAT is ahead, the fix goes onto its line; update: UAT gets PROD’s hotfix release.' }),
  reason: Type.String(),
  status: StringEnum(UAT_FOLLOW_UP_STATUSES),
  byHand: Type.Boolean(),
  releaseId: Nullable(Type.Integer()),
  deploymentId: Nullable(Type.Integer()),
  version: Nullable(Type.String()),
  commit: Nullable(Type.String()),
  error: Nullable(Type.String()),
  conflictFiles: Type.Array(Type.String()),
  at: Nullable(Type.String()),
  by: Nullable(Type.String()),
});

const SummaryFields = {
  id: Type.Integer(),
  system: Type.String(),
  bugId: Type.Integer(),
  title: Type.String(),
  severity: StringEnum(SEVERITIES),
  priority: StringEnum(PRIORITIES),
  status: StringEnum(HOTFIX_STATUSES),
  openedBy: Type.String(),
  openedAt: Instant,
  slaDueAt: Type.String({ format: 'date-time', description: 'When the fix must be deployed and validated (UTC).' }),
  slaStoppedAt: Nullable(Type.String({ format: 'date-time', description: 'When the SLA clock stopped: the fix validated, or the incident closed.' })),
  slaWarned: Type.Integer({ description: 'The highest SLA warning sent: 0, 50 or 100 (percent).' }),
  branch: Nullable(Type.String({ description: "The hotfix branch, made from PROD's commit." })),
  reviewDueAt: Nullable(Instant),
  uatFollowUp: Nullable(UatFollowUpSchema),
  closedAt: Nullable(Instant),
  version: Type.Integer(),
};

export const HotfixSummarySchema = Type.Object(SummaryFields);

export const HotfixSchema = Type.Object({
  ...SummaryFields,
  branchNote: Nullable(Type.String({ description: 'Why there is no branch, or why it was not pushed.' })),
  baseCommit: Nullable(Type.String({ description: "PROD's commit when the incident opened." })),
  baseVersion: Nullable(Type.String()),
  notices: Type.Array(Type.Object({ people: Type.Array(Type.String()), by: Type.String(), at: Instant }), { description: 'Each notice the system sent to the team.' }),
  deploy: Nullable(
    Type.Object({
      mode: StringEnum(['driver', 'manual'] as const),
      at: Instant,
      by: Type.String(),
      baseCommit: Nullable(Type.String()),
      commit: Type.String(),
      version: Nullable(Type.String()),
      releaseId: Nullable(Type.Integer()),
      deploymentId: Nullable(Type.Integer()),
    }),
  ),
  review: Type.Object({ dueAt: Nullable(Instant), remindedAt: Nullable(Instant), heldAt: Nullable(Instant), heldBy: Nullable(Type.String()), summary: Nullable(Type.String()) }),
  note: Nullable(Type.Object({ rootCause: Type.String(), fixSummary: Type.String(), by: Type.String(), at: Type.String() })),
  closedBy: Nullable(Type.String()),
  checklist: Type.Array(
    Type.Object({
      item: StringEnum(CHECKLIST_ITEMS),
      text: Type.String(),
      done: Type.Boolean(),
      by: Nullable(Type.String()),
      at: Nullable(Type.String()),
      bySystem: Type.Boolean({ description: 'The system did the item itself; false: a person ticked it.' }),
      note: Nullable(Type.String()),
    }),
    { description: "SEED.md's nine-item checklist, in its order." },
  ),
  approvals: Type.Array(Type.Object({ approver: Type.String(), roles: Type.Array(Type.String()), note: Nullable(Type.String()), at: Instant })),
  createdAt: Instant,
  updatedAt: Instant,
  bug: Type.Object({
    id: Type.Integer(),
    title: Type.String(),
    severity: StringEnum(SEVERITIES),
    status: StringEnum(BUG_STATUSES),
    module: Nullable(Type.String()),
    foundInEnv: StringEnum(ENVIRONMENTS),
    fixRefs: Type.Array(Type.Object({ kind: Type.String(), ref: Type.String(), commit: Type.String(), attachedBy: Type.String(), at: Type.String() })),
    releaseId: Nullable(Type.Integer()),
  }),
  slaDueAtLocal: Type.String(),
  reviewDueAtLocal: Nullable(Type.String()),
  gate: Type.Object(
    {
      teamNotified: Type.Boolean(),
      freeze: Type.Object({ frozen: Type.Boolean(), lunarNewYear: Type.Boolean(), why: Nullable(Type.String()) }),
      approval: Type.Object({ ok: Type.Boolean(), reason: Type.String() }),
    },
    { description: 'Whether a deploy to PROD by the caller may go now, and what is missing.' },
  ),
});

export const OpenBody = Type.Object({ bugId: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'A high or critical bug, still submitted.' }) }, { additionalProperties: false });
export const NotifyBody = Type.Object(
  {
    people: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 50, description: "Usernames; default: the system's admins, managers and ctos." })),
    message: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export const NoteBody = Type.Object({ rootCause: Type.String({ minLength: 1, maxLength: 10000 }), fixSummary: Type.String({ minLength: 1, maxLength: 10000 }) }, { additionalProperties: false });
const OptionalNote = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
const ReviewBody = Type.Object({ summary: Type.Optional(Type.String({ maxLength: 10000 })) }, { additionalProperties: false });
const Commit = Type.String({ minLength: 7, maxLength: 64, description: 'The commit deployed by hand.' });
export const RecordDeployBody = Type.Object(
  {
    commit: Commit,
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    diff: Type.Optional(Type.String({ maxLength: 1_000_000, description: 'The fix diff; computed from the repository when omitted.' })),
  },
  { additionalProperties: false },
);
const FollowUpBody = Type.Object(
  {
    commit: Type.Optional({ ...Commit, description: 'UAT was updated by hand to this commit: record it instead of deploying.' }),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);
const EmptyBody = Type.Object({}, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(HOTFIX_STATUSES)),
    cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);

export const HotfixPageSchema = Type.Object({ items: Type.Array(HotfixSummarySchema), nextCursor: Nullable(Type.Integer()) });

const ACTION_RESPONSES = { 200: HotfixSchema, ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema), 422: Type.Ref(ProblemSchema), 502: Type.Ref(ProblemSchema) };

export function registerHotfixRoutes(app: FastifyInstance, service: HotfixService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['hotfixes'];

  r.post('/systems/:system/hotfixes', {
    schema: {
      tags,
      summary: 'Open an emergency hotfix for a high or critical bug (admin): priority, SLA, checklist, a branch from PROD',
      params: SystemParams,
      body: OpenBody,
      response: { 201: HotfixSchema, ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema), 422: Type.Ref(ProblemSchema) },
    },
    handler: async (req, reply) => {
      const incident = await service.open(actorOf(req), req.params.system, req.body);
      return reply.code(201).header('location', `/api/v1/systems/${incident.system}/hotfixes/${incident.id}`).send(incident);
    },
  });

  r.get('/systems/:system/hotfixes', {
    schema: {
      tags,
      summary: 'Emergency hotfixes, newest first',
      params: SystemParams,
      querystring: ListQuery,
      response: { 200: HotfixPageSchema, ...PROBLEM_RESPONSES },
    },
    handler: async (req) => {
      const limit = req.query.limit ?? 50;
      const items = await service.list(actorOf(req), req.params.system, { status: req.query.status, beforeId: req.query.cursor, limit: limit + 1 });
      const page = items.slice(0, limit);
      return { items: page, nextCursor: items.length > limit ? page[page.length - 1]!.id : null };
    },
  });

  r.get('/systems/:system/hotfixes/:id', {
    schema: { tags, summary: 'One hotfix: checklist, approvals, deploy, UAT follow-up, and what a deploy needs now', params: IdParams, response: { 200: HotfixSchema, ...PROBLEM_RESPONSES } },
    handler: async (req) => service.get(actorOf(req), req.params.system, req.params.id),
  });

  type Body = typeof NotifyBody | typeof NoteBody | typeof OptionalNote | typeof ReviewBody | typeof RecordDeployBody | typeof FollowUpBody | typeof EmptyBody;
  const action = <B>(path: string, summary: string, body: Body, run: (a: { actor: ReturnType<typeof actorOf>; system: string; id: number; body: B }) => Promise<HotfixDetail>) => {
    r.post(`/systems/:system/hotfixes/:id/${path}`, {
      schema: { tags, summary, params: IdParams, body, response: ACTION_RESPONSES },
      handler: async (req) => run({ actor: actorOf(req), system: req.params.system, id: req.params.id, body: (req.body ?? {}) as B }),
    });
  };

  action<{ people?: string[]; message?: string }>('notify', 'Notify the team (the system sends the notice and records it); required before the deploy', NotifyBody, (a) =>
    service.notify(a.actor, a.system, a.id, a.body),
  );
  action<{ note?: string }>('approve', 'Approve the hotfix (admin, manager or cto; once per person): in a freeze the deploy needs two', OptionalNote, (a) =>
    service.approve(a.actor, a.system, a.id, a.body),
  );
  action('deploy', "Build PROD's commit + the fix (next patch version) and deploy it to PROD through its driver (admin)", EmptyBody, (a) => service.deploy(a.actor, a.system, a.id));
  action<{ commit: string; version?: string; diff?: string }>('record-deploy', 'Record a deploy to PROD done by hand, with its commit (admin)', RecordDeployBody, (a) =>
    service.recordDeploy(a.actor, a.system, a.id, a.body),
  );
  action<{ commit?: string; version?: string }>('uat-follow-up', 'Bring UAT up to the hotfix: cherry-pick if UAT is ahead, else update it; or record it done by hand (admin)', FollowUpBody, (a) =>
    service.uatFollowUp(a.actor, a.system, a.id, a.body),
  );
  action<{ rootCause: string; fixSummary: string }>('note', 'The post-incident note: root cause and fix summary (also added to the bug record)', NoteBody, (a) =>
    service.note(a.actor, a.system, a.id, a.body),
  );
  action<{ summary?: string }>('review', 'Record that the incident review was held', ReviewBody, (a) => service.reviewHeld(a.actor, a.system, a.id, a.body));
  action('close', 'Close the incident (admin): needs the post-incident note and UAT updated', EmptyBody, (a) => service.close(a.actor, a.system, a.id));

  r.post('/systems/:system/hotfixes/:id/checklist/:item', {
    schema: { tags, summary: 'Tick a checklist item you did; the time is recorded', params: ItemParams, body: OptionalNote, response: ACTION_RESPONSES },
    handler: async (req) => service.tick(actorOf(req), req.params.system, req.params.id, req.params.item as ChecklistItem, req.body ?? {}),
  });
}

/**
 * /api/v1/systems/{system}/bugs/{id}/analyze and …/analysis: analyse a bug's fix now (manager,
 * admin), and every attempt with exactly what was sent to the language model (admin).
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorOf } from '../../http/auth.ts';
import { BugParams, Nullable, PROBLEM_RESPONSES, ProblemSchema, StringEnum } from '../../http/schema-helpers.ts';
import type { AnalysisService } from './analysis-service.ts';
import { ANALYSIS_FAILURES } from './analysis-store.ts';
import { SECRET_KINDS } from './redaction-rules.ts';

export const ValidationStepSchema = Type.Object(
  {
    env: StringEnum(['uat', 'prod'] as const, { description: 'Where to check: UAT before approve-prod (Flow 1), PROD before approve-uat-merge (Flow 2).' }),
    check: Type.String(),
  },
  { $id: 'ValidationStep', description: 'A check the approver makes before approving.' },
);

/**
 * What the analyzer recorded on a bug. Every key is optional: analyses recorded before a key
 * existed lack it. Unknown keys pass through.
 */
export const AnalysisSchema = Type.Object(
  {
    source: Type.Optional(StringEnum(['builtin', 'model'] as const, { description: 'The built-in rules, or a language model (with the facts from git).' })),
    model: Type.Optional(Nullable(Type.String())),
    fallback: Type.Optional(Nullable(Type.String({ description: 'Why the configured model was not used (timeout, error, invalid answer); the built-in analysis is recorded instead.' }))),
    analysedAt: Type.Optional(Nullable(Type.String({ description: 'When the model answered.' }))),
    rootCause: Type.Optional(Nullable(Type.String())),
    fixPlan: Type.Optional(Type.String()),
    risk: Type.Optional(StringEnum(['low', 'medium', 'high'] as const)),
    note: Type.Optional(Type.String({ description: 'The risk in one line.' })),
    riskReasons: Type.Optional(Type.Array(Type.String())),
    validationSteps: Type.Optional(Type.Array(Type.Ref(ValidationStepSchema))),
    migrationInvolved: Type.Optional(Type.Boolean()),
    files: Type.Optional(Type.Array(Type.String())),
    services: Type.Optional(Type.Array(Type.String())),
    linesAdded: Type.Optional(Type.Integer()),
    linesRemoved: Type.Optional(Type.Integer()),
    migrations: Type.Optional(Type.Array(Type.String())),
  },
  { $id: 'Analysis', additionalProperties: true, description: 'What the analyzer found at T1 (or on demand).' },
);

const AttemptSummarySchema = Type.Object({
  id: Type.Integer(),
  outcome: StringEnum(['answered', 'fallback'] as const),
  failure: Nullable(StringEnum(ANALYSIS_FAILURES)),
  message: Nullable(Type.String()),
  provider: Type.String(),
  endpoint: Nullable(Type.String()),
  model: Nullable(Type.String()),
  httpStatus: Nullable(Type.Integer()),
  sent: Type.Boolean({ description: 'Whether anything was sent (false when the model was not called).' }),
  redactions: Type.Integer({ description: 'How many secrets were taken out before sending.' }),
  withheld: Type.Array(Type.String(), { description: 'Files not sent at all (never-send globs).' }),
  createdAt: Type.String({ format: 'date-time' }),
});

const AnalyzeResponse = Type.Object({
  bugId: Type.Integer(),
  commits: Type.Array(Type.String()),
  cached: Type.Boolean({ description: 'The model answer for these commits was reused: no call was made.' }),
  analysis: Type.Ref(AnalysisSchema),
  attempt: Nullable(AttemptSummarySchema),
});

const RedactionSchema = Type.Object({
  kind: StringEnum(SECRET_KINDS),
  where: StringEnum(['diff', 'title', 'description', 'commit-message'] as const),
  file: Type.Optional(Type.String()),
  line: Type.Optional(Type.Integer()),
  commit: Type.Optional(Type.String()),
});

const AttemptSchema = Type.Object({
  id: Type.Integer(),
  system: Type.String(),
  bugId: Type.Integer(),
  commits: Type.Array(Type.String()),
  trigger: StringEnum(['t1', 'on_demand'] as const),
  runId: Nullable(Type.Integer()),
  actor: Type.String(),
  provider: Type.String(),
  endpoint: Nullable(Type.String({ description: 'The URL called; the API key is not kept.' })),
  model: Nullable(Type.String()),
  outcome: StringEnum(['answered', 'fallback'] as const),
  failure: Nullable(StringEnum(ANALYSIS_FAILURES)),
  message: Nullable(Type.String()),
  httpStatus: Nullable(Type.Integer()),
  providerAnswer: Nullable(Type.String({ description: "The provider's answer, cut at 4,000 characters." })),
  sent: Type.Unknown({ description: 'The request body exactly as sent (after redaction), or null when nothing was sent.' }),
  redactions: Type.Array(RedactionSchema, { description: 'Each secret taken out: its kind and place, never its value.' }),
  withheld: Type.Array(Type.Object({ file: Type.String(), pattern: Type.String() })),
  result: Type.Ref(AnalysisSchema),
  createdAt: Type.String({ format: 'date-time' }),
});

export function registerAnalysisRoutes(app: FastifyInstance, service: AnalysisService): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['analysis'];

  r.post('/systems/:system/bugs/:id/analyze', {
    schema: {
      tags,
      summary: "Analyse a bug's fix now and record the result on the bug (manager, admin)",
      description: 'A language-model answer for the same fix commits is reused unless refresh is true. A failed call records the built-in analysis with the reason.',
      params: BugParams,
      body: Type.Object({ refresh: Type.Optional(Type.Boolean({ description: 'Call the model even if it answered for these commits before.' })) }, { additionalProperties: false }),
      response: { 200: AnalyzeResponse, ...PROBLEM_RESPONSES, 409: Type.Ref(ProblemSchema), 422: Type.Ref(ProblemSchema) },
    },
    handler: async (req) => service.analyzeNow(actorOf(req), req.params.system, req.params.id, { refresh: req.body.refresh }),
  });

  r.get('/systems/:system/bugs/:id/analysis', {
    schema: {
      tags,
      summary: 'Every analysis attempt of a bug, newest first, with exactly what was sent to the model (admin)',
      params: BugParams,
      querystring: Type.Object(
        {
          cursor: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ items: Type.Array(AttemptSchema), nextCursor: Nullable(Type.Integer()) }), ...PROBLEM_RESPONSES },
    },
    handler: async (req) => {
      const limit = req.query.limit ?? 20;
      const items = await service.attempts(actorOf(req), req.params.system, req.params.id, { beforeId: req.query.cursor, limit });
      return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
    },
  });
}

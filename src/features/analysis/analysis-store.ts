/**
 * The record of language-model analyses (table bug_analyses): each attempt with what was sent,
 * what came back and what was recorded on the bug.
 */
import type { Analysis } from '../../adapters/analyze/diff-analyzer.ts';
import type { BugAnalysisRow, Reader, Tx } from '../../adapters/db/schema.ts';
import type { Redaction } from './redaction-rules.ts';

export const ANALYSIS_FAILURES = [
  'timeout',
  'unreachable',
  'key_refused',
  'unknown_model',
  'not_found',
  'not_compatible',
  'rate_limited',
  'http_error',
  'invalid_output',
  'not_called',
] as const;
export type AnalysisFailure = (typeof ANALYSIS_FAILURES)[number];

export type AnalysisAttempt = {
  id: number;
  system: string;
  bugId: number;
  commits: string[];
  trigger: 't1' | 'on_demand';
  runId: number | null;
  actor: string;
  provider: string;
  endpoint: string | null;
  model: string | null;
  outcome: 'answered' | 'fallback';
  failure: AnalysisFailure | null;
  message: string | null;
  httpStatus: number | null;
  providerAnswer: string | null;
  /** The request body as sent, parsed (it is JSON). */
  sent: unknown;
  redactions: Redaction[];
  withheld: { file: string; pattern: string }[];
  result: Analysis;
  createdAt: string;
};

export type NewAttempt = Omit<AnalysisAttempt, 'id' | 'sent'> & { fixKey: string; sent: string | null };

function toAttempt(r: BugAnalysisRow): AnalysisAttempt {
  return {
    id: r.id,
    system: r.system,
    bugId: r.bug_id,
    commits: JSON.parse(r.commits) as string[],
    trigger: r.trigger as AnalysisAttempt['trigger'],
    runId: r.run_id,
    actor: r.actor,
    provider: r.provider,
    endpoint: r.endpoint,
    model: r.model,
    outcome: r.outcome as AnalysisAttempt['outcome'],
    failure: r.failure as AnalysisFailure | null,
    message: r.message,
    httpStatus: r.http_status,
    providerAnswer: r.provider_answer,
    sent: r.sent === null ? null : (JSON.parse(r.sent) as unknown),
    redactions: JSON.parse(r.redactions) as Redaction[],
    withheld: JSON.parse(r.withheld) as AnalysisAttempt['withheld'],
    result: JSON.parse(r.result) as Analysis,
    createdAt: r.created_at,
  };
}

export function createAnalysisStore() {
  return {
    async insert(trx: Tx, a: NewAttempt): Promise<AnalysisAttempt> {
      const row = await trx
        .insertInto('bug_analyses')
        .values({
          system: a.system,
          bug_id: a.bugId,
          fix_key: a.fixKey,
          commits: JSON.stringify(a.commits),
          trigger: a.trigger,
          run_id: a.runId,
          actor: a.actor,
          provider: a.provider,
          endpoint: a.endpoint,
          model: a.model,
          outcome: a.outcome,
          failure: a.failure,
          message: a.message,
          http_status: a.httpStatus,
          provider_answer: a.providerAnswer,
          sent: a.sent,
          redactions: JSON.stringify(a.redactions),
          withheld: JSON.stringify(a.withheld),
          result: JSON.stringify(a.result),
          created_at: a.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAttempt(row);
    },

    /** The latest answered attempt for these commits by this model at this endpoint: the cache. */
    async findAnswered(db: Reader, key: { system: string; bugId: number; fixKey: string; endpoint: string; model: string }): Promise<AnalysisAttempt | undefined> {
      const row = await db
        .selectFrom('bug_analyses')
        .selectAll()
        .where('system', '=', key.system)
        .where('bug_id', '=', key.bugId)
        .where('fix_key', '=', key.fixKey)
        .where('endpoint', '=', key.endpoint)
        .where('model', '=', key.model)
        .where('outcome', '=', 'answered')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? toAttempt(row) : undefined;
    },

    /** A bug's attempts, newest first. */
    async list(db: Reader, system: string, bugId: number, query: { beforeId?: number; limit: number }): Promise<AnalysisAttempt[]> {
      let q = db.selectFrom('bug_analyses').selectAll().where('system', '=', system).where('bug_id', '=', bugId);
      if (query.beforeId !== undefined) q = q.where('id', '<', query.beforeId);
      return (await q.orderBy('id', 'desc').limit(query.limit).execute()).map(toAttempt);
    },
  };
}

export type AnalysisStore = ReturnType<typeof createAnalysisStore>;

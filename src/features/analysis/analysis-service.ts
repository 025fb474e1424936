/**
 * The analysis of a bug's fix, at T1 and on demand. Each system's configuration picks the
 * analyzer: the built-in one (the diff only), or a language model behind an OpenAI-compatible
 * endpoint with the built-in result as its floor and its fallback. The model never blocks the
 * pipeline: a timeout, an error or an invalid answer records the built-in analysis with a note
 * saying why. An answered analysis is reused while the fix's commits stay the same (one call per
 * bug per release). Every attempt is recorded with exactly what was sent, redacted.
 */
import { chatBody, chatTarget, postChatCompletion, type ChatFailureKind } from '../../adapters/analyze/chat-completions.ts';
import {
  builtinAnalysis,
  createDiffAnalyzer,
  describeFixes,
  type Analysis,
  type AnalysisInput,
  type AnalysisResult,
  type Analyzer,
  type FixFacts,
} from '../../adapters/analyze/diff-analyzer.ts';
import type { Db } from '../../adapters/db/schema.ts';
import type { AnalyzerConfig } from '../../config/load-config.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { BugService } from '../bugs/bug-service.ts';
import type { BugStore } from '../bugs/bug-store.ts';
import { toBugView } from '../bugs/bug-view.ts';
import type { EnvironmentStore } from '../environments/environment-store.ts';
import { SYSTEM_ACTOR, type Actor, type IdentityService } from '../identity/identity-service.ts';
import { assertCan, type Permission } from '../identity/roles.ts';
import { fixCommits, type Repositories } from '../runs/run-service.ts';
import type { SystemRegistry } from '../systems/system-registry.ts';
import { buildPrompt, fixKey, mergeAnswer, parseModelAnswer, wireSchema, withFallback } from './analysis-rules.ts';
import type { AnalysisAttempt, AnalysisFailure, AnalysisStore, NewAttempt } from './analysis-store.ts';

type AnalysisDeps = {
  db: Db;
  store: AnalysisStore;
  audit: AuditStore;
  systems: SystemRegistry;
  identity: IdentityService;
  bugStore: BugStore;
  bugs: BugService;
  environments: EnvironmentStore;
  repositories: Repositories;
  clock: Clock;
};

type ModelConfig = Extract<AnalyzerConfig, { provider: 'openai-compatible' }>;

/** What an attempt found, besides who asked and about what. */
type AttemptOutcome = Pick<NewAttempt, 'endpoint' | 'outcome' | 'failure' | 'message' | 'httpStatus' | 'providerAnswer' | 'sent' | 'redactions' | 'withheld' | 'result'>;

type Trigger = { trigger: 't1' | 'on_demand'; runId: number | null; actor: string; refresh: boolean };

/** One bug's analysis with the attempt behind it (null for the built-in analyzer, which sends nothing). */
export type AnalysedFix = AnalysisResult & { attempt: AnalysisAttempt | null; cached: boolean };

/** Failures that say the endpoint (not this bug) is at fault: the rest of the run does not call it again. */
const ENDPOINT_FAILURES: readonly ChatFailureKind[] = ['timeout', 'unreachable', 'key_refused', 'unknown_model', 'not_found', 'not_compatible', 'rate_limited'];

/** What a person who may run an analysis sees of its attempt (admins read the whole record, sent payload included). */
export function attemptSummary(a: AnalysisAttempt) {
  return {
    id: a.id,
    outcome: a.outcome,
    failure: a.failure,
    message: a.message,
    provider: a.provider,
    endpoint: a.endpoint,
    model: a.model,
    httpStatus: a.httpStatus,
    /** Whether anything left: false when the model was not called. */
    sent: a.sent !== null,
    redactions: a.redactions.length,
    withheld: a.withheld.map((w) => w.file),
    createdAt: a.createdAt,
  };
}

export function createAnalysisService(deps: AnalysisDeps) {
  const { db, store, audit, systems, identity, clock } = deps;

  function authorize(actor: Actor, system: string, permission: Permission) {
    const config = systems.get(system);
    assertCan({ username: actor.username, roles: identity.rolesOn(actor, system) }, permission, system);
    return config;
  }

  /** Saves an attempt and its audit event together. */
  async function record(system: string, fix: AnalysisInput, trigger: Trigger, model: ModelConfig, attempt: AttemptOutcome): Promise<AnalysisAttempt> {
    const at = clock.now();
    return db.transaction().execute(async (trx) => {
      const saved = await store.insert(trx, {
        system,
        bugId: fix.id,
        fixKey: fixKey(fix.commits),
        commits: [...fix.commits],
        trigger: trigger.trigger,
        runId: trigger.runId,
        actor: trigger.actor,
        provider: 'openai-compatible',
        model: model.model,
        createdAt: at.toISOString(),
        ...attempt,
      });
      await audit.append(trx, {
        stream: system,
        actor: trigger.actor,
        action: saved.sent === null ? 'analysis.not_sent' : 'analysis.sent',
        subject: `bug:${fix.id}`,
        data: {
          attempt: saved.id,
          trigger: saved.trigger,
          runId: saved.runId,
          endpoint: saved.endpoint,
          model: saved.model,
          outcome: saved.outcome,
          failure: saved.failure,
          sentChars: attempt.sent?.length ?? 0,
          redactions: saved.redactions.length,
          withheld: saved.withheld.map((w) => w.file),
        },
        at,
      });
      return saved;
    });
  }

  /** One bug through the model: the cache, or a call; a failure records the built-in analysis. */
  async function withModel(system: string, model: ModelConfig, fix: AnalysisInput, facts: FixFacts, builtin: Analysis, trigger: Trigger, broken: { bugId: number; message: string } | null): Promise<Omit<AnalysedFix, 'diff'>> {
    const endpoint = chatTarget(model).url;
    if (!trigger.refresh) {
      const cached = await store.findAnswered(db, { system, bugId: fix.id, fixKey: fixKey(fix.commits), endpoint, model: model.model });
      if (cached) {
        // The same commits: the model's assessment stands; the facts are today's.
        const { files, services, linesAdded, linesRemoved, migrations } = builtin;
        return { analysis: { ...cached.result, files, services, linesAdded, linesRemoved, migrations }, attempt: cached, cached: true };
      }
    }
    const fail = async (failure: AnalysisFailure, message: string, sent: string | null, extra: { httpStatus?: number | null; providerAnswer?: string | null; redactions?: AnalysisAttempt['redactions']; withheld?: AnalysisAttempt['withheld'] } = {}) => {
      const analysis = withFallback(builtin, message);
      const attempt = await record(system, fix, trigger, model, {
        endpoint,
        outcome: 'fallback',
        failure,
        message,
        httpStatus: extra.httpStatus ?? null,
        providerAnswer: extra.providerAnswer ?? null,
        sent,
        redactions: extra.redactions ?? [],
        withheld: extra.withheld ?? [],
        result: analysis,
      });
      return { analysis, attempt, cached: false };
    };
    if (broken) return fail('not_called', `not called: the endpoint failed for bug #${broken.bugId} earlier in this run (${broken.message})`, null);
    if (!fix.bug) return fail('not_called', 'not called: the bug report was not given to the analyzer', null);

    const prompt = buildPrompt({ bug: { ...fix.bug, id: fix.id }, services: fix.services, facts, neverSend: model.neverSend, maxInputChars: model.maxInputChars });
    const body = chatBody(model, prompt.messages, { name: 'bug_analysis', schema: wireSchema() });
    const sentRecord = { redactions: prompt.redactions, withheld: prompt.withheld };
    const outcome = await postChatCompletion(model, body);
    if (!outcome.ok) return fail(outcome.kind, outcome.message, body, { httpStatus: outcome.status, providerAnswer: outcome.answer, ...sentRecord });
    const parsed = parseModelAnswer(outcome.content);
    if (!parsed.ok) {
      const cutOff = outcome.cutOff ? ' (the answer was cut off: finish_reason "length")' : '';
      return fail('invalid_output', `${model.model} answered, but ${parsed.message}${cutOff}`, body, { httpStatus: outcome.status, providerAnswer: outcome.answer, ...sentRecord });
    }
    const at = clock.now().toISOString();
    const analysis = mergeAnswer(builtin, parsed.answer, { model: model.model, at });
    const attempt = await record(system, fix, trigger, model, {
      endpoint,
      outcome: 'answered',
      failure: null,
      message: null,
      httpStatus: outcome.status,
      providerAnswer: outcome.answer,
      sent: body,
      ...sentRecord,
      result: analysis,
    });
    return { analysis, attempt, cached: false };
  }

  /**
   * Every bug of a batch, one after the other (a slow endpoint costs one timeout per run, not one
   * per bug: after an endpoint failure the rest fall back without a call).
   */
  async function analyzeFixes(system: string, repoPath: string, fixes: readonly AnalysisInput[], trigger: Trigger): Promise<Map<number, AnalysedFix>> {
    const config = systems.get(system).analyzer;
    const facts = await describeFixes(repoPath, fixes);
    const out = new Map<number, AnalysedFix>();
    let broken: { bugId: number; message: string } | null = null;
    for (const fix of fixes) {
      const f = facts.get(fix.id)!;
      const builtin = builtinAnalysis(f, fix);
      if (config.provider === 'builtin') {
        out.set(fix.id, { analysis: builtin, diff: f.diff, attempt: null, cached: false });
        continue;
      }
      const result = await withModel(system, config, fix, f, builtin, trigger, broken);
      const failure = result.attempt?.failure;
      if (!broken && failure && (ENDPOINT_FAILURES as readonly string[]).includes(failure)) broken = { bugId: fix.id, message: result.attempt!.message ?? failure };
      out.set(fix.id, { ...result, diff: f.diff });
    }
    return out;
  }

  /** The port the T1 run uses. */
  const analyzer: Analyzer = {
    async analyze(repoPath, fixes, context) {
      if (!context) return createDiffAnalyzer().analyze(repoPath, fixes);
      return analyzeFixes(context.system, repoPath, fixes, { trigger: 't1', runId: context.runId ?? null, actor: SYSTEM_ACTOR.username, refresh: false });
    },
  };

  return {
    analyzer,

    /**
     * `POST …/bugs/{id}/analyze`, `tonic analyze`: analyses the bug's fix now and records the
     * result on the bug. An answer for the same commits is reused unless `refresh` is set.
     */
    async analyzeNow(actor: Actor, system: string, id: number, options: { refresh?: boolean } = {}) {
      const config = authorize(actor, system, 'analysis.run');
      const row = await deps.bugStore.get(db, system, id);
      if (!row) throw new DomainError('not_found', `bug ${id} does not exist on system ${system}`);
      const bug = toBugView(row, config.timeZone);
      if (bug.fixRefs.length === 0) {
        throw new DomainError('fix_missing', `bug ${id} has no fix attached: attach one (tonic bugs attach-fix ${id} --commit SHA) and analyse again`);
      }
      if (!deps.repositories.has(system)) throw new DomainError('validation_failed', `${system} has no repository configured: set systems[].repository.path or .url`);
      const repo = await deps.repositories.open(system);
      await repo.refresh();
      const envs = await deps.environments.get(db, system);
      const base = envs.prod.commit;
      if (!base && bug.fixRefs.some((f) => f.kind === 'branch')) {
        throw new DomainError('flow_unavailable', `the commit on PROD is not recorded, and a branch fix is its commits on top of it: record it (tonic env record --env prod --commit SHA)`);
      }
      const commits = await fixCommits(repo, bug, base ?? '');
      if (commits.length === 0) throw new DomainError('fix_missing', `bug ${id}'s fix has no commits that PROD does not already run: nothing to analyse`);
      const results = await analyzeFixes(system, repo.path, [{ id, commits, services: bug.services, bug }], {
        trigger: 'on_demand',
        runId: null,
        actor: actor.username,
        refresh: options.refresh ?? false,
      });
      const result = results.get(id)!;
      const a = result.analysis;
      await deps.bugs.note(
        system,
        id,
        'analysis',
        {
          reason: a.fallback ?? (a.source === 'model' ? `analysed by ${a.model}${result.cached ? ' (the answer for these commits, reused)' : ''}` : 'built-in analysis'),
          changes: { analysis: JSON.stringify(a), ai_fix_diff: result.diff },
          data: { source: a.source, risk: a.risk, model: a.model, cached: result.cached, attempt: result.attempt?.id ?? null },
        },
        actor,
      );
      return { bugId: id, commits, cached: result.cached, analysis: a, attempt: result.attempt ? attemptSummary(result.attempt) : null };
    },

    /** `GET …/bugs/{id}/analysis` (admin): every attempt, newest first, with exactly what was sent. */
    async attempts(actor: Actor, system: string, id: number, query: { beforeId?: number; limit: number }) {
      authorize(actor, system, 'analysis.audit');
      const row = await deps.bugStore.get(db, system, id);
      if (!row) throw new DomainError('not_found', `bug ${id} does not exist on system ${system}`);
      return store.list(db, system, id, query);
    },
  };
}

export type AnalysisService = ReturnType<typeof createAnalysisService>;

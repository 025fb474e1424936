/**
 * The built-in analyzer: deterministic, from the fix's own commits. It fills the bug's analysis
 * (files and services touched, lines changed, migrations touched, a risk with its reasons, a fix
 * plan from the commit messages, and validation steps for the approver) and its fix diff. The
 * language-model analyzer (src/features/analysis) starts from this result and falls back to it.
 */
import type { BugView } from '../../features/bugs/bug-view.ts';
import { git } from '../git/git-cli.ts';
import { describeCommits } from '../git/release-builder.ts';

export type RiskLevel = 'low' | 'medium' | 'high';
export const RISK_LEVELS: readonly RiskLevel[] = ['low', 'medium', 'high'];

/** A check a person makes before approving: in UAT (Flow 1, before approve-prod) or PROD (Flow 2, before approve-uat-merge). */
export type ValidationStep = { env: 'uat' | 'prod'; check: string };

export type Analysis = {
  // Facts from git.
  files: string[];
  services: string[];
  linesAdded: number;
  linesRemoved: number;
  migrations: string[];
  // The assessment.
  risk: RiskLevel;
  /** The risk in one line. */
  note: string;
  riskReasons: string[];
  /** Why the bug happened; null when only the built-in analysis ran (it reads the diff, not the cause). */
  rootCause: string | null;
  fixPlan: string;
  validationSteps: ValidationStep[];
  migrationInvolved: boolean;
  /** Who assessed it: the built-in rules, or a language model (with the facts above from git). */
  source: 'builtin' | 'model';
  /** The model that answered, when source is model. */
  model: string | null;
  /** Why a configured model's answer is not used (timeout, error, invalid answer), or null. */
  fallback: string | null;
  /** When the model answered (an answer reused for the same commits keeps its time). */
  analysedAt: string | null;
};

/** What the analysis knows of the bug itself (from the report and triage). */
export type BugFacts = Pick<BugView, 'title' | 'description' | 'severity' | 'foundInEnv' | 'module' | 'fixFlow'>;

export type AnalysisInput = { id: number; commits: readonly string[]; services: readonly string[]; bug?: BugFacts };

export type AnalysisResult = { analysis: Analysis; diff: string };

export interface Analyzer {
  /**
   * Analyses every bug of a run at once; a bug missing from the answer could not be analysed.
   * `context` names the system (whose configuration picks the analyzer) and the run, if any.
   */
  analyze(repoPath: string, fixes: readonly AnalysisInput[], context?: { system: string; runId?: number }): Promise<Map<number, AnalysisResult>>;
}

/** What git says about one bug's fix. */
export type FixFacts = {
  files: { file: string; added: number; removed: number }[];
  /** The commits with their full messages, in the order given. */
  commits: { id: string; message: string }[];
  /** The fix's patches, one after the other (cut at MAX_DIFF_BYTES). */
  diff: string;
};

const MAX_DIFF_BYTES = 200_000;

const MIGRATION = /(^|\/)(migrations?|migrate|db\/schema)(\/|\.)/i;

export function assessRisk(stats: { files: number; lines: number; migrations: number }): { risk: RiskLevel; note: string } {
  if (stats.migrations > 0) return { risk: 'high', note: `touches ${stats.migrations} migration file(s): deploy the migration first and check its down path` };
  if (stats.lines > 500 || stats.files > 20) return { risk: 'high', note: `a large change (${stats.lines} lines in ${stats.files} files) for a bug fix: review it before T2` };
  if (stats.lines > 100 || stats.files > 5) return { risk: 'medium', note: `${stats.lines} lines in ${stats.files} files: validate the neighbouring features too` };
  return { risk: 'low', note: `a small change (${stats.lines} lines in ${stats.files} files)` };
}

/**
 * The checks SEED.md's smoke sequence asks of a person, made specific to this fix: reproduce the
 * report where the fix lands first (UAT for Flow 1, PROD for Flow 2), the module's workflow, the
 * migration, the logs of the services touched, and the features next to the change.
 */
export function builtinValidationSteps(input: { title: string | null; module: string | null; fixFlow: string | null; services: readonly string[]; migrations: readonly string[] }): ValidationStep[] {
  const env = input.fixFlow === 'flow2' ? 'prod' : 'uat';
  const steps: ValidationStep[] = [
    { env, check: input.title ? `Do what the report describes ("${input.title}") and confirm it no longer happens` : 'Do what the report describes and confirm it no longer happens' },
  ];
  if (input.module) steps.push({ env, check: `Walk through the main workflow of the ${input.module} module end to end` });
  if (input.migrations.length > 0) steps.push({ env, check: `Confirm the migration ran (${input.migrations.join(', ')}) and the data it changes reads back correctly` });
  steps.push({ env, check: input.services.length > 0 ? `Check the logs of ${input.services.join(', ')} for new errors since the deploy` : 'Check the logs for new errors since the deploy' });
  steps.push({ env, check: 'Check two or three features next to the change for regressions' });
  return steps;
}

/** The built-in analysis of one fix: the facts, a risk from its size, a plan from its commit subjects. */
export function builtinAnalysis(facts: FixFacts, input: { services: readonly string[]; bug?: BugFacts }): Analysis {
  const files = facts.files.map((f) => f.file).sort();
  const linesAdded = facts.files.reduce((n, s) => n + s.added, 0);
  const linesRemoved = facts.files.reduce((n, s) => n + s.removed, 0);
  const migrations = files.filter((f) => MIGRATION.test(f));
  const { risk, note } = assessRisk({ files: files.length, lines: linesAdded + linesRemoved, migrations: migrations.length });
  const subjects = facts.commits.map((c) => c.message.split('\n')[0]!.trim()).filter(Boolean);
  const fixPlan =
    subjects.length > 0
      ? `Apply ${subjects.length} commit(s): ${subjects.map((s) => `"${s}"`).join('; ')} (${files.length} file(s), +${linesAdded} -${linesRemoved})`
      : `Apply the attached commits (${files.length} file(s), +${linesAdded} -${linesRemoved})`;
  return {
    files,
    services: [...input.services],
    linesAdded,
    linesRemoved,
    migrations,
    risk,
    note,
    riskReasons: [note],
    rootCause: null,
    fixPlan,
    validationSteps: builtinValidationSteps({
      title: input.bug?.title ?? null,
      module: input.bug?.module ?? null,
      fixFlow: input.bug?.fixFlow ?? null,
      services: input.services,
      migrations,
    }),
    migrationInvolved: migrations.length > 0,
    source: 'builtin',
    model: null,
    fallback: null,
    analysedAt: null,
  };
}

/** Full commit messages, a few git processes for any number of commits. */
export async function commitMessages(repo: string, commits: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = [...new Set(commits)];
  for (let i = 0; i < unique.length; i += 400) {
    const text = await git(repo, ['show', '-s', '--no-walk=unsorted', '--format=%H%x1f%B%x1e', ...unique.slice(i, i + 400)], { timeoutMs: 120_000 });
    for (const record of text.split('\x1e')) {
      const [sha, message] = record.split('\x1f');
      if (sha?.trim() && message !== undefined) out.set(sha.trim(), message.trim());
    }
  }
  return out;
}

/** Per bug: its files with lines changed, its commits' messages and its diff. */
export async function describeFixes(repoPath: string, fixes: readonly AnalysisInput[]): Promise<Map<number, FixFacts>> {
  const all = fixes.flatMap((f) => f.commits);
  const [described, messages] = await Promise.all([describeCommits(repoPath, all), commitMessages(repoPath, all)]);
  const results = new Map<number, FixFacts>();
  for (const fix of fixes) {
    const byFile = new Map<string, { added: number; removed: number }>();
    let diff = '';
    const commits: FixFacts['commits'] = [];
    for (const commit of fix.commits) {
      const d = described.get(commit);
      if (!d) continue;
      for (const s of d.stats) {
        const f = byFile.get(s.file) ?? { added: 0, removed: 0 };
        f.added += s.added;
        f.removed += s.removed;
        byFile.set(s.file, f);
      }
      diff += d.patch;
      commits.push({ id: commit, message: messages.get(commit) ?? '' });
    }
    results.set(fix.id, {
      files: [...byFile.entries()].map(([file, s]) => ({ file, ...s })),
      commits,
      diff: diff.length > MAX_DIFF_BYTES ? `${diff.slice(0, MAX_DIFF_BYTES)}\n… (truncated)\n` : diff,
    });
  }
  return results;
}

export function createDiffAnalyzer(): Analyzer {
  return {
    async analyze(repoPath, fixes) {
      const facts = await describeFixes(repoPath, fixes);
      const results = new Map<number, AnalysisResult>();
      for (const fix of fixes) {
        const f = facts.get(fix.id)!;
        results.set(fix.id, { analysis: builtinAnalysis(f, fix), diff: f.diff });
      }
      return results;
    },
  };
}

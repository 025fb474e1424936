/**
 * The language-model analysis as pure rules: what is asked (the prompt, built from redacted
 * input and cut to the configured size), what a valid answer is (a schema), how an answer and the
 * built-in analysis combine (the built-in risk is a floor), and the cache key of a fix. No I/O.
 */
import { createHash } from 'node:crypto';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RISK_LEVELS, type Analysis, type BugFacts, type FixFacts, type RiskLevel } from '../../adapters/analyze/diff-analyzer.ts';
import { redactDiff, redactText, type RedactedDiff, type Redaction } from './redaction-rules.ts';

/** What the model must answer: one JSON object. */
export const ModelAnswerSchema = Type.Object(
  {
    rootCause: Type.String({ minLength: 1, maxLength: 8000, description: 'Why the bug happened, as the diff shows it.' }),
    fixPlan: Type.String({ minLength: 1, maxLength: 8000, description: 'What the fix changes, and how to deploy it safely.' }),
    risk: Type.Object(
      {
        level: Type.Union(RISK_LEVELS.map((l) => Type.Literal(l))),
        reasons: Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), { maxItems: 10 }),
      },
      { additionalProperties: false },
    ),
    validationSteps: Type.Array(
      Type.Object({ env: Type.Union([Type.Literal('uat'), Type.Literal('prod')]), check: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 20 },
    ),
    migrationInvolved: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type ModelAnswer = Static<typeof ModelAnswerSchema>;

/**
 * The schema as sent for `response_format: json_schema`: without the size keywords that strict
 * structured-output modes refuse (the answer is still checked against the full schema here).
 */
export function wireSchema(schema: TSchema = ModelAnswerSchema): Record<string, unknown> {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (['minLength', 'maxLength', 'minItems', 'maxItems'].includes(key)) continue;
      out[key] = strip(value);
    }
    return out;
  };
  return strip(JSON.parse(JSON.stringify(schema))) as Record<string, unknown>;
}

export const SYSTEM_PROMPT = `You analyse a bug fix for Tonic Deploy, a pipeline that deploys bug fixes to a UAT and a PROD environment after a person approves them.
You receive the bug report and the fix: its commits, the files it touches and its diff. Secrets in them are replaced by [REDACTED:<kind>]; some files are withheld and only named.
Answer with one JSON object and nothing else, with exactly these keys:
{"rootCause": string, why the bug happened, as the diff shows it;
 "fixPlan": string, what the fix changes and how to deploy it safely;
 "risk": {"level": "low" | "medium" | "high", "reasons": [string, ...]};
 "validationSteps": [{"env": "uat" | "prod", "check": string}, ...], 1 to 8 concrete checks a person makes in the environment named by bug.validateIn before approving;
 "migrationInvolved": boolean, true when the fix changes a database schema or migrates data}
Be concrete and brief. Say so when the diff does not show the cause.`;

export type PromptInput = {
  bug: BugFacts & { id: number };
  services: readonly string[];
  facts: FixFacts;
  neverSend: readonly string[];
  maxInputChars: number;
};

export type Prompt = {
  messages: { role: 'system' | 'user'; content: string }[];
  redactions: Redaction[];
  withheld: RedactedDiff['withheld'];
  /** Characters of the diff left out to stay within maxInputChars. */
  diffCut: number;
};

const DESCRIPTION_MAX = 4000;
const MESSAGE_MAX = 2000;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters not sent)`;
}

/**
 * The messages for one bug: everything redacted first, then cut to size (the diff goes last and
 * is what is cut, at a line end), so a cut never reveals part of a secret.
 */
export function buildPrompt(input: PromptInput): Prompt {
  const redactions: Redaction[] = [];
  const clean = (text: string, where: Redaction['where'], extra: { commit?: string } = {}) => {
    const r = redactText(text, where, extra);
    redactions.push(...r.redactions);
    return r.text;
  };
  const diff = redactDiff(input.facts.diff, input.neverSend);
  const withheldFiles = new Set(diff.withheld.map((w) => w.file));
  const validateIn = input.bug.fixFlow === 'flow2' ? 'prod' : 'uat';
  const payload = {
    bug: {
      id: input.bug.id,
      title: clean(input.bug.title, 'title'),
      description: cut(clean(input.bug.description, 'description'), DESCRIPTION_MAX),
      severity: input.bug.severity,
      foundIn: input.bug.foundInEnv,
      module: input.bug.module,
      flow: input.bug.fixFlow,
      validateIn,
    },
    services: [...input.services],
    files: input.facts.files.map((f) => ({ path: f.file, added: f.added, removed: f.removed, ...(withheldFiles.has(f.file) ? { withheld: true } : {}) })),
    commits: input.facts.commits.map((c) => ({ id: c.id.slice(0, 12), message: cut(clean(c.message, 'commit-message', { commit: c.id }), MESSAGE_MAX) })),
    diff: '',
  };
  redactions.push(...diff.redactions);
  // The diff is cut at a line end to what fits once escaped as JSON (a newline or a quote takes
  // two characters there).
  payload.diff = diff.text;
  let content = JSON.stringify(payload, null, 1);
  let diffCut = 0;
  if (content.length > input.maxInputChars) {
    const room = input.maxInputChars - JSON.stringify({ ...payload, diff: '' }, null, 1).length - 80;
    let used = 0;
    let kept = 0;
    for (const line of diff.text.split('\n')) {
      const cost = JSON.stringify(`${line}\n`).length - 2;
      if (used + cost > room) break;
      used += cost;
      kept += line.length + 1;
    }
    diffCut = diff.text.length - kept;
    payload.diff = `${diff.text.slice(0, kept)}… (diff cut here: ${diffCut} more characters not sent)`;
    content = JSON.stringify(payload, null, 1);
  }
  return {
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content },
    ],
    redactions,
    withheld: diff.withheld,
    diffCut,
  };
}

/**
 * Reads the model's message as the answer: JSON (a fenced ```json block too, as local models
 * like to write), checked against ModelAnswerSchema. The message says what is wrong.
 */
export function parseModelAnswer(content: string): { ok: true; answer: ModelAnswer } | { ok: false; message: string } {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n\s*```\s*$/i.exec(content);
  const text = (fenced ? fenced[1]! : content).trim();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `the answer is not JSON (${(error as Error).message}): ${JSON.stringify(text.slice(0, 120))}` };
  }
  if (Value.Check(ModelAnswerSchema, value)) return { ok: true, answer: value };
  const problems = [...Value.Errors(ModelAnswerSchema, value)]
    .slice(0, 5)
    .map((e) => `${e.path || '(root)'} ${e.value === undefined ? 'is missing' : e.message.toLowerCase()}`);
  return { ok: false, message: `the answer does not match the schema: ${[...new Set(problems)].join('; ')}` };
}

const rank = (level: RiskLevel) => RISK_LEVELS.indexOf(level);

/**
 * The model's answer over the built-in facts. The built-in risk is a floor: a change that touches
 * a migration stays high whatever the model says, and the reasons say why it was raised.
 */
export function mergeAnswer(builtin: Analysis, answer: ModelAnswer, meta: { model: string; at: string }): Analysis {
  const raised = rank(builtin.risk) > rank(answer.risk.level);
  const risk = raised ? builtin.risk : answer.risk.level;
  const reasons = [...answer.risk.reasons, ...(raised ? [`raised from ${answer.risk.level} to ${builtin.risk} by the built-in check: ${builtin.note}`] : [])];
  return {
    ...builtin,
    risk,
    note: raised ? `${builtin.note} (the model said ${answer.risk.level})` : (answer.risk.reasons[0] ?? builtin.note),
    riskReasons: reasons,
    rootCause: answer.rootCause,
    fixPlan: answer.fixPlan,
    validationSteps: answer.validationSteps,
    migrationInvolved: answer.migrationInvolved || builtin.migrations.length > 0,
    source: 'model',
    model: meta.model,
    fallback: null,
    analysedAt: meta.at,
  };
}

/** The built-in analysis, recorded because the model's was not usable; the note says why. */
export function withFallback(builtin: Analysis, why: string): Analysis {
  return { ...builtin, fallback: `the language model was not used: ${why}; this is the built-in analysis` };
}

/** The cache key of a fix: its commits, in any order. */
export function fixKey(commits: readonly string[]): string {
  return createHash('sha256')
    .update([...new Set(commits)].sort().join('\n'))
    .digest('hex');
}

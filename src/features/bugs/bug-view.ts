/** How a bug looks outside the database: camelCase, parsed JSON, typed statuses. */
import type { ValidationStep } from '../../adapters/analyze/diff-analyzer.ts';
import type { BugRow } from '../../adapters/db/schema.ts';
import type { BugPageRow } from './bug-store.ts';
import { formatLocal } from '../schedule/schedule-rules.ts';
import type { ActionFacts, PersonAction } from './bug-rules.ts';
import type { BugStatus, EnvironmentName, FixFlow, Severity } from './bug-statuses.ts';

export type BugView = {
  id: number;
  system: string;
  title: string;
  description: string;
  severity: Severity;
  status: BugStatus;
  foundInEnv: EnvironmentName;
  module: string | null;
  services: string[];
  fixFlow: FixFlow | null;
  flowReason: string | null;
  flowHold: string | null;
  flowOverrideReason: string | null;
  reporter: string;
  fixAttachedBy: string | null;
  fixRefs: FixRef[];
  analysis: Record<string, unknown> | null;
  /** What the approver checks before approving: the analysis's validation steps (none before T1). */
  validationSteps: ValidationStep[];
  aiFixDiff: string | null;
  /** The last cherry-pick conflict, until the bug moves on. */
  conflict: { release: string | null; commit: string; files: string[]; message: string; at: string } | null;
  releaseId: number | null;
  runsAt: string | null;
  /** runsAt in the system's time zone, for people. */
  runsAtLocal: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** What the caller may do to it now (set on answers to people, not on pipeline steps). */
  allowedActions?: PersonAction[];
};

/** A fix attached to a bug: a commit, a branch (its commits not yet in the release base), or a commit found by its "Fixes #id" trailer. */
export type FixRef = { kind: 'commit' | 'branch' | 'trailer'; ref: string; commit: string; attachedBy: string; at: string };

/** The columns a list page carries: everything but the long texts (description, analysis, diff). */
export const SUMMARY_COLUMNS = [
  'id', 'system', 'title', 'severity', 'status', 'found_in_env', 'module', 'services', 'fix_flow', 'flow_reason', 'flow_hold',
  'flow_override_reason', 'reporter', 'fix_attached_by', 'fix_refs', 'conflict', 'release_id', 'runs_at', 'version', 'created_at', 'updated_at',
] as const satisfies readonly (keyof BugRow)[];

export type BugSummaryRow = Pick<BugRow, (typeof SUMMARY_COLUMNS)[number]>;
export type BugSummary = Omit<BugView, 'description' | 'analysis' | 'validationSteps' | 'aiFixDiff'>;

/**
 * `parsedAnalysis`: the row's analysis already parsed (a view of the same row before a change that
 * left the analysis alone), so a long analysis is not parsed twice in one change.
 */
export function toBugView(r: BugRow, timeZone: string, parsedAnalysis?: Record<string, unknown> | null): BugView {
  const analysis = parsedAnalysis !== undefined ? parsedAnalysis : r.analysis ? (JSON.parse(r.analysis) as Record<string, unknown>) : null;
  // Added to the summary, not spread into a new object: V8 copies a spread summary slowly (16 µs
  // against 4 µs, every change of a bug makes two views).
  return Object.assign(toBugSummary(r, timeZone), { description: r.description, analysis, validationSteps: validationStepsOf(analysis), aiFixDiff: r.ai_fix_diff });
}

/** The well-formed validation steps of an analysis (one recorded before they existed has none). */
function validationStepsOf(analysis: Record<string, unknown> | null): ValidationStep[] {
  const steps = analysis?.validationSteps;
  if (!Array.isArray(steps)) return [];
  return steps.filter((s): s is ValidationStep => !!s && typeof s === 'object' && (s.env === 'uat' || s.env === 'prod') && typeof s.check === 'string');
}

export function toBugSummary(r: BugSummaryRow, timeZone: string): BugSummary {
  return {
    id: r.id,
    system: r.system,
    title: r.title,
    severity: r.severity as Severity,
    status: r.status as BugStatus,
    foundInEnv: r.found_in_env as EnvironmentName,
    module: r.module,
    services: JSON.parse(r.services) as string[],
    fixFlow: r.fix_flow as FixFlow | null,
    flowReason: r.flow_reason,
    flowHold: r.flow_hold,
    flowOverrideReason: r.flow_override_reason,
    reporter: r.reporter,
    fixAttachedBy: r.fix_attached_by,
    fixRefs: JSON.parse(r.fix_refs) as FixRef[],
    conflict: r.conflict ? (JSON.parse(r.conflict) as BugView['conflict']) : null,
    releaseId: r.release_id,
    runsAt: r.runs_at,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    runsAtLocal: r.runs_at ? formatLocal(new Date(r.runs_at), timeZone) : null,
  };
}

/**
 * A list page as JSON (UTF-8 bytes): the same document as
 * `JSON.stringify({ items: rows.map((r) => ({ ...toBugSummary(r, timeZone), allowedActions })), nextCursor })`,
 * byte for byte, without building objects.
 * The database writes each bug's stored fields (`doc`, bug-store.ts); the local time of runsAt and
 * the caller's actions are added here, worked out once per kind of bug (`facts`). `rows` may hold
 * one bug more than `limit`, which says that there is a next page. The bug list is the hottest read
 * of the API (every dashboard refresh); decision records 0022, 0023 and 0025.
 */
export function bugPageJson(rows: readonly BugPageRow[], page: PageOptions): Buffer {
  // Bytes, made a few kilobytes at a time: a page of 200 bugs as one string would be a large
  // object to V8 (over 128 KB), kept until a full collection; buffers of bytes are freed with their
  // small handles, so paging through many bugs does not grow the server's memory.
  const chunks: Buffer[] = [];
  const ends = new Map<string, string>();
  const { limit } = page;
  const count = Math.min(rows.length, limit);
  let text = '{"items":[';
  for (let i = 0; i < count; i++) {
    const { doc, facts } = rows[i]!;
    let end = ends.get(facts);
    if (end === undefined) {
      end = bugEnd(facts, page);
      ends.set(facts, end);
    }
    text += i ? `,${doc}${end}` : doc + end;
    if (text.length >= CHUNK_CHARS) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  }
  // The next page starts below the last bug of this one; each doc opens with its id ({"id":12,…).
  const nextCursor = rows.length > limit ? encodeCursor(Number.parseInt(rows[limit - 1]!.doc.slice(6), 10)) : null;
  chunks.push(Buffer.from(`${text}],"nextCursor":${nextCursor === null ? 'null' : `"${nextCursor}"`}}`));
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

const CHUNK_CHARS = 16_384;

/** `me`: the caller, whose actions `actionsOf` gives; `limit`: the page's size. */
type PageOptions = { limit: number; timeZone: string; me: string; actionsOf: (bug: ActionFacts) => readonly PersonAction[] };

/** The end of a bug's JSON: runsAtLocal and the caller's actions, from its facts ("status fixFlow severity mine runsAt"). */
function bugEnd(facts: string, { timeZone, me, actionsOf }: PageOptions): string {
  const [status, fixFlow, severity, mine, runsAt] = facts.split(' ') as [BugStatus, FixFlow | '', Severity, 'mine' | '', string];
  // Whose fix it is matters to the actions only as the caller's or not.
  const actions = actionsOf({ status, fixFlow: fixFlow || null, severity, fixAttachedBy: mine ? me : null });
  const runsAtLocal = runsAt ? JSON.stringify(formatLocal(new Date(runsAt), timeZone)) : 'null';
  return `,"runsAtLocal":${runsAtLocal},"allowedActions":${JSON.stringify(actions)}}`;
}

/** Opaque cursor for keyset pagination, newest first. */
export function encodeCursor(id: number): string {
  return Buffer.from(JSON.stringify({ before: id })).toString('base64url');
}

export function decodeCursor(cursor: string): number | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    return Number.isInteger(value.before) && (value.before as number) > 0 ? (value.before as number) : null;
  } catch {
    return null;
  }
}

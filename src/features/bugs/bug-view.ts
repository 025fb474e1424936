/** How a bug looks outside the database: camelCase, parsed JSON, typed statuses. */
import type { ValidationStep } from '../../adapters/analyze/diff-analyzer.ts';
import type { BugRow } from '../../adapters/db/schema.ts';
import type { BugPageRow } from './bug-store.ts';
import { formatLocal } from '../schedule/schedule-rules.ts';
import type { PersonAction } from './bug-rules.ts';
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
    runsAtLocal: r.runs_at ? formatLocal(new Date(r.runs_at), timeZone) : null,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const json = JSON.stringify;

/**
 * A list page as JSON (UTF-8 bytes): the same document as
 * `JSON.stringify({ items: rows.map((r) => ({ ...toBugSummary(r, timeZone), allowedActions })), nextCursor })`,
 * key for key in that order (PostgreSQL spaces its JSON differently), without building objects.
 * Each bug up to runsAt comes written by the database (`head`, SQLite) or is written here from the
 * row (PostgreSQL, where building JSON costs the server more than it saves Node); the rest is
 * added here. The bug list is the hottest read of the API (every dashboard refresh); decision
 * records 0022 and 0023.
 */
export function bugPageJson(rows: readonly BugPageRow[], timeZone: string, actionsOf: (bug: BugFactsOfRow) => readonly PersonAction[], nextCursor: string | null): Buffer {
  // Bytes, made a few kilobytes at a time: a page of 200 bugs as one string would be a large
  // object to V8 (over 128 KB), kept until a full collection; buffers of bytes are freed with their
  // small handles, so paging through many bugs does not grow the server's memory.
  const chunks: Buffer[] = [];
  let text = '{"items":[';
  rows.forEach((r, i) => {
    const runsAtLocal = r.runs_at ? json(formatLocal(new Date(r.runs_at), timeZone)) : 'null';
    const facts: BugFactsOfRow = { id: r.id, status: r.status as BugStatus, fixFlow: r.fix_flow as FixFlow | null, severity: r.severity as Severity, fixAttachedBy: r.fix_attached_by };
    const head = 'head' in r ? r.head.slice(0, r.head.lastIndexOf('}')) : summaryHead(r);
    text +=
      `${i ? ',' : ''}${head},"runsAtLocal":${runsAtLocal},"version":${r.version}` +
      `,"createdAt":${json(r.created_at)},"updatedAt":${json(r.updated_at)},"allowedActions":${json(actionsOf(facts))}}`;
    if (text.length >= CHUNK_CHARS) {
      chunks.push(Buffer.from(text));
      text = '';
    }
  });
  chunks.push(Buffer.from(`${text}],"nextCursor":${json(nextCursor)}}`));
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

const CHUNK_CHARS = 16_384;

/** A summary's JSON from id to runsAt, unclosed. The JSON columns are embedded as stored: Tonic writes them with JSON.stringify. */
function summaryHead(r: BugSummaryRow): string {
  return (
    `{"id":${r.id},"system":${json(r.system)},"title":${json(r.title)},"severity":${json(r.severity)},"status":${json(r.status)}` +
    `,"foundInEnv":${json(r.found_in_env)},"module":${json(r.module)},"services":${r.services},"fixFlow":${json(r.fix_flow)},"flowReason":${json(r.flow_reason)}` +
    `,"flowHold":${json(r.flow_hold)},"flowOverrideReason":${json(r.flow_override_reason)},"reporter":${json(r.reporter)},"fixAttachedBy":${json(r.fix_attached_by)}` +
    `,"fixRefs":${r.fix_refs},"conflict":${r.conflict || 'null'},"releaseId":${json(r.release_id)},"runsAt":${json(r.runs_at)}`
  );
}

type BugFactsOfRow = { id: number; status: BugStatus; fixFlow: FixFlow | null; severity: Severity; fixAttachedBy: string | null };

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

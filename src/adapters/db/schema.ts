/**
 * Table types for Kysely. Timestamps are ISO-8601 UTC strings in both dialects (fixed width, so
 * they sort as text); JSON columns hold text.
 */
import type { ColumnType, Generated, Insertable, Kysely, Selectable, Transaction } from 'kysely';

export interface BugTable {
  id: Generated<number>;
  system: string;
  title: string;
  description: string;
  severity: string;
  status: string;
  found_in_env: string;
  module: string | null;
  /** JSON array of service names. */
  services: string;
  fix_flow: string | null;
  /** Why the flow was chosen (or why none could be). */
  flow_reason: string | null;
  /** Set while no flow is safe: the bug waits for this to be resolved. */
  flow_hold: string | null;
  flow_override_reason: string | null;
  reporter: string;
  fix_attached_by: string | null;
  /** The T2 instant that will act on the bug, while it is queued. */
  runs_at: string | null;
  /** JSON array of FixRef: the commits and branches attached as the bug's fix. */
  fix_refs: ColumnType<string, string | undefined, string>;
  /** JSON: what the analyzer found (files, services, lines, migrations, risk). */
  analysis: string | null;
  ai_fix_diff: string | null;
  /** JSON: the last cherry-pick conflict (release, commit, files), cleared when the bug moves on. */
  conflict: string | null;
  /** The release the bug is in now (UAT release for Flow 1, PROD or UAT release for Flow 2). */
  release_id: number | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface BugHistoryTable {
  id: Generated<number>;
  bug_id: number;
  action: string;
  from_status: string | null;
  to_status: string;
  actor: string;
  reason: string | null;
  /** JSON object or null. */
  data: string | null;
  at: string;
}

export interface EnvironmentTable {
  system: string;
  env: string;
  version: string | null;
  commit_sha: string | null;
  deployed_at: string | null;
  recorded_by: string | null;
  release_id: number | null;
  updated_at: string;
}

export interface ReleaseTable {
  id: Generated<number>;
  system: string;
  version: string;
  tag: string;
  commit_sha: string;
  base_commit: string;
  base_version: string | null;
  /** flow1 | flow2 | flow2b */
  kind: string;
  /** The environment it was built for: uat (Flow 1, 2b) or prod (Flow 2). */
  target_env: string;
  notes: string;
  run_id: number | null;
  created_at: string;
}

export interface ReleaseBugTable {
  release_id: number;
  bug_id: number;
  position: number;
  /** JSON array of the commit ids the bug's fix became in this release. */
  commits: string;
}

export interface RunTable {
  id: Generated<number>;
  system: string;
  slot: string;
  scheduled_for: string;
  trigger: string;
  status: string;
  claimed_by: string;
  lease_until: string;
  started_at: string;
  finished_at: string | null;
  /** JSON RunReport. */
  report: ColumnType<string, string | undefined, string>;
  error: string | null;
}

export interface DeploymentTable {
  id: Generated<number>;
  system: string;
  env: string;
  run_id: number | null;
  release_id: number;
  previous_release_id: number | null;
  status: string;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

export interface DeploymentLogTable {
  id: Generated<number>;
  deployment_id: number;
  at: string;
  stream: string;
  line: string;
}

export interface SchedulerWatermarkTable {
  system: string;
  since: string;
}

export interface AuditEventTable {
  id: Generated<number>;
  stream: string;
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  stream: string;
  seq: number;
  hash: string;
}

export interface OutboxTable {
  id: Generated<number>;
  system: string | null;
  event: string;
  payload: string;
  idempotency_key: string;
  status: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface UserTable {
  id: Generated<number>;
  username: string;
  display_name: string;
  role: string;
  password_hash: string | null;
  disabled: ColumnType<number, number | undefined, number>;
  created_at: string;
}

export interface ApiTokenTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface MonitoringWatchTable {
  id: Generated<number>;
  deployment_id: number;
  system: string;
  env: string;
  /** The version watched. */
  release: string;
  /** Where the metrics came from ("Prometheus at …", "scrape of …"). */
  source: string;
  /** watching | clean | rollback | alert | unavailable */
  outcome: string;
  reason: string | null;
  /** JSON Baseline. */
  baseline: string;
  /** JSON Breach[]. */
  breaches: ColumnType<string, string | undefined, string>;
  /** JSON string[]: metrics that could not be judged, and why. */
  notes: ColumnType<string, string | undefined, string>;
  samples: ColumnType<number, number | undefined, number>;
  window_ms: number;
  poll_ms: number;
  started_at: string;
  finished_at: string | null;
}

export interface MonitoringSampleTable {
  id: Generated<number>;
  watch_id: number;
  seq: number;
  at: string;
  error_rate: number | null;
  p95_latency: number | null;
  memory: number | null;
  cpu: number | null;
  auth_success: number | null;
  requests: number | null;
  auth_attempts: number | null;
  /** The provider's failure on this poll, when it could not measure. */
  error: string | null;
}

/** One attempt to analyse a bug with a language model (src/features/analysis). */
export interface BugAnalysisTable {
  id: Generated<number>;
  system: string;
  bug_id: number;
  /** sha256 of the fix's commit ids, sorted: an answered attempt is reused for the same key. */
  fix_key: string;
  /** JSON array of the commit ids analysed. */
  commits: string;
  /** t1 | on_demand */
  trigger: string;
  run_id: number | null;
  actor: string;
  provider: string;
  /** The URL called (no key), or null when nothing was sent. */
  endpoint: string | null;
  model: string | null;
  /** answered (the model's analysis is recorded) | fallback (the built-in one, with why). */
  outcome: string;
  /** What went wrong: timeout, unreachable, key_refused, unknown_model, not_found, not_compatible, rate_limited, http_error, invalid_output, not_called. */
  failure: string | null;
  message: string | null;
  http_status: number | null;
  /** The provider's answer (cut at a few KB). */
  provider_answer: string | null;
  /** The request body exactly as sent (redacted; the key travels in a header and is not kept). */
  sent: string | null;
  /** JSON array of Redaction: the kind and place of each secret taken out, never the secret. */
  redactions: ColumnType<string, string | undefined, string>;
  /** JSON array of { file, pattern }: files not sent at all. */
  withheld: ColumnType<string, string | undefined, string>;
  /** JSON: the analysis recorded on the bug. */
  result: string;
  created_at: string;
}

export interface DB {
  bugs: BugTable;
  bug_history: BugHistoryTable;
  environments: EnvironmentTable;
  audit_events: AuditEventTable;
  audit_heads: AuditHeadTable;
  outbox: OutboxTable;
  users: UserTable;
  api_tokens: ApiTokenTable;
  releases: ReleaseTable;
  release_bugs: ReleaseBugTable;
  runs: RunTable;
  deployments: DeploymentTable;
  deployment_logs: DeploymentLogTable;
  scheduler_watermarks: SchedulerWatermarkTable;
  monitoring_watches: MonitoringWatchTable;
  monitoring_samples: MonitoringSampleTable;
  bug_analyses: BugAnalysisTable;
}

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Reads work inside or outside a transaction. */
export type Reader = Kysely<DB> | Transaction<DB>;

export type BugRow = Selectable<BugTable>;
export type NewBugRow = Insertable<BugTable>;
export type UserRow = Selectable<UserTable>;
export type ReleaseRow = Selectable<ReleaseTable>;
export type RunRow = Selectable<RunTable>;
export type DeploymentRow = Selectable<DeploymentTable>;
export type BugAnalysisRow = Selectable<BugAnalysisTable>;

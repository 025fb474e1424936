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
  /** JSON string array: the services its bugs touch. */
  services: ColumnType<string, string | undefined, string>;
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
  /** What the environment ran before: a version recorded by hand has no release. */
  previous_version: ColumnType<string | null, string | null | undefined, string | null>;
  previous_commit: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON SmokeReport, once smoke steps ran after the deploy. */
  smoke: ColumnType<string | null, string | null | undefined, string | null>;
  /** JSON: the deploy plan and each service's progress (multi-service systems); null for one service. */
  services: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DeploymentLogTable {
  id: Generated<number>;
  deployment_id: number;
  at: string;
  stream: string;
  line: string;
}

/** One deploy at a time per system: the row exists while a deploy holds the system. */
export interface DeployLockTable {
  system: string;
  /** Who: a username, or "tonic" for the pipeline. */
  holder: string;
  /** What: "T2 run 12: v1.2.3 to prod", "rollback 4", "hotfix 7". */
  purpose: string;
  run_id: number | null;
  /** Unique per acquisition: only the acquirer renews or releases it. */
  token: string;
  instance: string;
  acquired_at: string;
  lease_until: string;
}

export interface RollbackTable {
  id: Generated<number>;
  system: string;
  env: string;
  status: string;
  impact: string;
  trigger: string;
  reason: string;
  requested_by: string;
  /** The deployment rolled back (null when the environment's version was recorded by hand). */
  deployment_id: number | null;
  from_release_id: number | null;
  from_version: string | null;
  from_commit: string | null;
  from_deployed_at: string | null;
  to_release_id: number | null;
  to_version: string | null;
  to_commit: string | null;
  rollback_deployment_id: number | null;
  /** JSON string array: services, and "database" when a down migration ran. */
  scope: ColumnType<string, string | undefined, string>;
  /** JSON: the down migration (files, command, outcome), or null when none was needed. */
  migration: string | null;
  /** JSON: each affected bug, the status it returned to, or why it was left. */
  bugs: ColumnType<string, string | undefined, string>;
  /** JSON SmokeReport of the smoke steps run after the rollback. */
  smoke: string | null;
  /** JSON: the validation verdict (smoke, and the watch window when monitoring is wired). */
  validation: string | null;
  detail: string | null;
  root_cause: string | null;
  fix_plan: string | null;
  notified: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
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

export interface NotificationDeliveryTable {
  id: Generated<number>;
  /** The outbox message delivered (the first one, for a digest). */
  outbox_id: number;
  /** JSON array of the outbox ids this delivery carries (one, or a run's digest). */
  message_ids: string;
  system: string | null;
  channel: string;
  kind: string;
  event: string;
  /** Unique per (message, channel); sent along where the channel supports it. */
  idempotency_key: string;
  /** The waiting state announced, for quiet repeats; null when the message is not one. */
  quiet_key: string | null;
  /** pending | sending | sent | failed | suppressed */
  status: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: string;
  claimed_by: string | null;
  lease_until: string | null;
  last_error: string | null;
  /** What the channel answered last (status and body), for people. */
  answer: string | null;
  /** The channel's id of the sent message (Telegram: "chatId:messageId"). */
  external_id: string | null;
  /** JSON RenderedMessage as sent. */
  content: string | null;
  /** JSON array of what happened to the message since (approvals from its buttons). */
  annotations: ColumnType<string, string | undefined, string>;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
}

export interface TelegramLinkTable {
  telegram_user_id: string;
  user_id: number;
  telegram_username: string | null;
  linked_at: string;
}

export interface TelegramLinkCodeTable {
  code_hash: string;
  user_id: number;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface NotificationLeaseTable {
  name: string;
  holder: string;
  lease_until: string;
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

export interface FreezeTable {
  id: Generated<number>;
  system: string;
  starts_at: string;
  ends_at: string;
  /** JSON array of module names; empty: the whole system. */
  modules: string;
  reason: string;
  declared_by: string;
  declared_at: string;
  lifted_at: string | null;
  lifted_by: string | null;
  lift_reason: string | null;
}

export interface HotfixTable {
  id: Generated<number>;
  system: string;
  bug_id: number;
  /** P1 | P2 */
  priority: string;
  /** open | deploying | deployed | closed */
  status: string;
  opened_by: string;
  opened_at: string;
  sla_due_at: string;
  /** When the fix was deployed and validated (or the incident closed): the SLA clock stops. */
  sla_stopped_at: string | null;
  /** The highest SLA warning sent: 0, 50 or 100 (percent). */
  sla_warned: ColumnType<number, number | undefined, number>;
  branch: string | null;
  branch_note: string | null;
  base_commit: string | null;
  base_version: string | null;
  /** JSON array of HotfixNotice. */
  notices: ColumnType<string, string | undefined, string>;
  /** JSON HotfixDeploy, or null. */
  deploy: string | null;
  /** JSON UatFollowUp, or null. */
  uat_follow_up: string | null;
  review_due_at: string | null;
  review_reminded_at: string | null;
  review_held_at: string | null;
  review_held_by: string | null;
  review_summary: string | null;
  root_cause: string | null;
  fix_summary: string | null;
  note_by: string | null;
  note_at: string | null;
  closed_at: string | null;
  closed_by: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface HotfixChecklistTable {
  hotfix_id: number;
  item: string;
  ticked_by: string;
  ticked_at: string;
  /** 1: the system did the item itself; 0: a person ticked it. */
  by_system: number;
  note: string | null;
}

export interface HotfixApprovalTable {
  id: Generated<number>;
  hotfix_id: number;
  approver: string;
  /** JSON array of the approver's roles on the system when they approved. */
  roles: string;
  note: string | null;
  at: string;
}

export interface ChecklistTable {
  id: Generated<number>;
  system: string;
  env: string;
  /** The slot the checklist guards (t1 | t2) and its instant. */
  slot: string;
  slot_at: string;
  /** run | manual | precheck */
  trigger: string;
  run_id: number | null;
  requested_by: string;
  /** running | done */
  status: string;
  /** pass | warn | blocked, once done. */
  verdict: string | null;
  /** JSON array of ChecklistItem. */
  items: ColumnType<string, string | undefined, string>;
  /** JSON array of the probe names not configured. */
  not_checked: ColumnType<string, string | undefined, string>;
  started_at: string;
  finished_at: string | null;
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

export interface OnCallAckTable {
  id: Generated<number>;
  system: string;
  t1_at: string;
  person: string;
  username: string;
  /** JSON array of "telegram 123" strings. */
  channels: string;
  checklist_id: number;
  requested_at: string;
  deadline: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  note: string | null;
}

export interface SessionTable {
  /** SHA-256 (hex) of the session cookie's value. */
  id: string;
  user_id: number;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginFailureTable {
  id: Generated<number>;
  /** "<ip> <username>": the rate limit's unit. */
  key: string;
  at: string;
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
  freezes: FreezeTable;
  deploy_locks: DeployLockTable;
  rollbacks: RollbackTable;
  hotfixes: HotfixTable;
  hotfix_checklist: HotfixChecklistTable;
  hotfix_approvals: HotfixApprovalTable;
  checklists: ChecklistTable;
  oncall_acks: OnCallAckTable;
  sessions: SessionTable;
  login_failures: LoginFailureTable;
  notification_deliveries: NotificationDeliveryTable;
  telegram_links: TelegramLinkTable;
  telegram_link_codes: TelegramLinkCodeTable;
  notification_leases: NotificationLeaseTable;
  bug_analyses: BugAnalysisTable;
  monitoring_watches: MonitoringWatchTable;
  monitoring_samples: MonitoringSampleTable;
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
export type FreezeRow = Selectable<FreezeTable>;
export type DeployLockRow = Selectable<DeployLockTable>;
export type RollbackRow = Selectable<RollbackTable>;
export type HotfixRow = Selectable<HotfixTable>;
export type ChecklistRow = Selectable<ChecklistTable>;
export type OnCallAckRow = Selectable<OnCallAckTable>;
export type NotificationDeliveryRow = Selectable<NotificationDeliveryTable>;
export type BugAnalysisRow = Selectable<BugAnalysisTable>;

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
  updated_at: string;
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

export interface DB {
  bugs: BugTable;
  bug_history: BugHistoryTable;
  environments: EnvironmentTable;
  audit_events: AuditEventTable;
  audit_heads: AuditHeadTable;
  outbox: OutboxTable;
  users: UserTable;
  api_tokens: ApiTokenTable;
}

export type Db = Kysely<DB>;
export type Tx = Transaction<DB>;
/** Reads work inside or outside a transaction. */
export type Reader = Kysely<DB> | Transaction<DB>;

export type BugRow = Selectable<BugTable>;
export type NewBugRow = Insertable<BugTable>;
export type UserRow = Selectable<UserTable>;

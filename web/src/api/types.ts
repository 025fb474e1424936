/**
 * The API's shapes, derived from the TypeBox schemas the server validates and serializes with
 * (src/features/*\/*-routes.ts): one definition, so a changed schema breaks the dashboard's type
 * check rather than the page. Type-only imports: no server code reaches the bundle.
 * (The web tsconfig includes Node's types only because those schema modules are type-checked too.)
 */
import type { Static } from '@sinclair/typebox';
import type { AuditEventSchema, AuditPageSchema } from '../../../src/features/audit/audit-routes.ts';
import type {
  BatchResponseSchema,
  BatchResultSchema,
  BugPageSchema,
  BugSchema,
  BugSummarySchema,
  ConfirmBody,
  FixBody,
  HistoryEntrySchema,
  ListQuery,
  OptionalReasonBody,
  ReasonBody,
  ReportBody,
} from '../../../src/features/bugs/bug-routes.ts';
import type { EnvironmentSchema, EnvironmentsSchema } from '../../../src/features/environments/environment-routes.ts';
import type { ApiTokenListSchema, ApiTokenSchema, CreateUserBody, IssuedTokenSchema, UpdateUserBody, UserListSchema, UserSchema } from '../../../src/features/identity/identity-routes.ts';
import type {
  DeploymentPageSchema,
  DeploymentSchema,
  DeploymentWithLogSchema,
  PlanSchema,
  ReleaseSchema,
  RunPageSchema,
  RunSchema,
} from '../../../src/features/runs/run-routes.ts';
import type { SessionSchema, SetPasswordBody, SignInBody } from '../../../src/features/sessions/session-routes.ts';
import type { SystemListSchema, SystemSchema } from '../../../src/features/systems/system-routes.ts';
import type { Change } from '../../../src/features/live-events/live-events.ts';
import type { ProblemSchema } from '../../../src/http/schema-helpers.ts';
import type { ChecklistPageSchema, ChecklistSchema } from '../../../src/features/checklists/checklist-routes.ts';
import type { DeclareBody, FreezeCalendarSchema, FreezeListSchema, FreezeSchema, LocalWindowSchema } from '../../../src/features/freezes/freeze-routes.ts';
import type { HotfixPageSchema, HotfixSchema, HotfixSummarySchema, NoteBody, NotifyBody, RecordDeployBody } from '../../../src/features/hotfixes/hotfix-routes.ts';
import type { DeploymentMetricsSchema, WatchSchema } from '../../../src/features/monitoring/monitoring-routes.ts';
import type { DeliveryPageSchema, DeliverySchema, TelegramLinkSchema } from '../../../src/features/notifications/notification-routes.ts';
import type { LockSchema, RollbackPageSchema, RollbackSchema } from '../../../src/features/rollbacks/rollback-routes.ts';

export type Bug = Static<typeof BugSchema>;
export type BugSummary = Static<typeof BugSummarySchema>;
export type HistoryEntry = Static<typeof HistoryEntrySchema>;
export type BugWithHistory = Bug & { history: HistoryEntry[] };
export type BugPage = Static<typeof BugPageSchema> & { items: BugSummary[] };
export type BugListQuery = Static<typeof ListQuery>;
export type ReportInput = Static<typeof ReportBody>;
export type ConfirmInput = Static<typeof ConfirmBody>;
export type ReasonInput = Static<typeof ReasonBody>;
export type OptionalReasonInput = Static<typeof OptionalReasonBody>;
export type FixInput = Static<typeof FixBody>;
export type BatchResult = Static<typeof BatchResultSchema> & { bug?: Bug };
export type BatchResponse = Static<typeof BatchResponseSchema> & { results: BatchResult[] };
export type Environment = Static<typeof EnvironmentSchema>;
export type Environments = Static<typeof EnvironmentsSchema>;
export type User = Static<typeof UserSchema>;
export type UserList = Static<typeof UserListSchema>;
export type ApiToken = Static<typeof ApiTokenSchema>;
export type ApiTokenList = Static<typeof ApiTokenListSchema>;
export type CreateUserInput = Static<typeof CreateUserBody>;
export type UpdateUserInput = Static<typeof UpdateUserBody>;
export type IssuedToken = Static<typeof IssuedTokenSchema>;
export type Run = Static<typeof RunSchema>;
export type RunPage = Static<typeof RunPageSchema>;
export type Release = Static<typeof ReleaseSchema>;
export type Deployment = Static<typeof DeploymentSchema>;
export type DeploymentPage = Static<typeof DeploymentPageSchema>;
export type DeploymentWithLog = Static<typeof DeploymentWithLogSchema>;
export type Plan = Static<typeof PlanSchema>;
export type AuditEvent = Static<typeof AuditEventSchema>;
export type AuditPage = Static<typeof AuditPageSchema>;
export type Session = Static<typeof SessionSchema>;
export type SignInInput = Static<typeof SignInBody>;
export type SetPasswordInput = Static<typeof SetPasswordBody>;
export type SystemInfo = Static<typeof SystemSchema>;
export type SystemList = Static<typeof SystemListSchema>;
export type Problem = Static<typeof ProblemSchema>;
export type LiveChange = Change;
export type Permission = Session['permissions']['global'][number];
export type PersonAction = NonNullable<Bug['allowedActions']>[number];
export type Freeze = Static<typeof FreezeSchema>;
export type FreezeWindow = Static<typeof LocalWindowSchema>;
export type FreezeList = Static<typeof FreezeListSchema>;
export type FreezeCalendar = Static<typeof FreezeCalendarSchema>;
export type DeclareFreezeInput = Static<typeof DeclareBody>;
export type Hotfix = Static<typeof HotfixSchema>;
export type HotfixSummary = Static<typeof HotfixSummarySchema>;
export type HotfixPage = Static<typeof HotfixPageSchema>;
export type HotfixNotifyInput = Static<typeof NotifyBody>;
export type HotfixNoteInput = Static<typeof NoteBody>;
export type HotfixRecordDeployInput = Static<typeof RecordDeployBody>;
export type Checklist = Static<typeof ChecklistSchema>;
export type ChecklistPage = Static<typeof ChecklistPageSchema>;
export type DeploymentMetrics = Static<typeof DeploymentMetricsSchema>;
export type Watch = Static<typeof WatchSchema>;
export type Delivery = Static<typeof DeliverySchema>;
export type DeliveryPage = Static<typeof DeliveryPageSchema>;
export type TelegramLink = Static<typeof TelegramLinkSchema>;
export type Rollback = Static<typeof RollbackSchema>;
export type RollbackPage = Static<typeof RollbackPageSchema>;
export type DeployLockState = Static<typeof LockSchema>;

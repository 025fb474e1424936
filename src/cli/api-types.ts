/**
 * The API's JSON as the command line reads it. Bugs, history entries, runs, releases and
 * deployments are the server's own view types (type-only imports: nothing of the server is
 * loaded); the rest mirror the route schemas in src/features/*-routes.ts.
 */
import type { AnalysisService } from '../features/analysis/analysis-service.ts';
import type { BugSummary, BugView } from '../features/bugs/bug-view.ts';
import type { ChecklistView } from '../features/checklists/checklist-store.ts';
import type { HistoryEntry } from '../features/bugs/bug-store.ts';
import type { DeploymentView, LogLine } from '../features/deployments/deployment-store.ts';
import type { FlowChoice } from '../features/environments/flow-rules.ts';
import type { FreezeState, FreezeWindow } from '../features/freezes/freeze-rules.ts';
import type { FreezeView } from '../features/freezes/freeze-service.ts';
import type { HotfixDetail } from '../features/hotfixes/hotfix-service.ts';
import type { HotfixSummary } from '../features/hotfixes/hotfix-store.ts';
import type { ReleaseView } from '../features/releases/release-store.ts';
import type { RunView } from '../features/runs/run-store.ts';
import type { ServicePlan } from '../features/services/service-rules.ts';

export type Bug = BugView;
export type BugWithHistory = BugView & { history: HistoryEntry[] };
export type BugPage = { items: BugSummary[]; nextCursor: string | null };

/** POST /systems/{s}/bugs/{id}/analyze. */
export type AnalyzeResult = Awaited<ReturnType<AnalysisService['analyzeNow']>>;

export type BatchResult = { id: number; ok: boolean; bug?: Bug; error?: { code: string; message: string } };
export type BatchResponse = { results: BatchResult[] };

export type SystemInfo = {
  name: string;
  title: string;
  timeZone: string;
  schedule: { t1: string; t2: string };
  environments: Record<'uat' | 'prod', { url: string; line: string }>;
  modules: string[];
  pipelineSeverities: string[];
};

export type EnvironmentInfo = {
  env: 'uat' | 'prod';
  url: string;
  line: string;
  version: string | null;
  commit: string | null;
  deployedAt: string | null;
  recordedBy: string | null;
  /** The release a deployment put there; null when recorded by hand. */
  releaseId: number | null;
};

export type EnvironmentsResponse = { system: string; environments: EnvironmentInfo[]; flow: FlowChoice };

/** A list whose nextCursor is the id of its last item (runs, releases, deployments). */
export type IdPage<T> = { items: T[]; nextCursor: number | null };

export type Run = RunView;
export type Checklist = ChecklistView;
export type Release = ReleaseView;
export type Deployment = DeploymentView;
export type DeploymentWithLog = DeploymentView & { log: LogLine[] };

/** GET /systems/{s}/plan (and POST /runs/{slot} with dryRun): what the next T1 and T2 will do. */
export type PlanBug = { id: number; title: string; action: string; reason: string | null };
export type PlanSlot = { at: string; atLocal: string; freeze?: { full: boolean; modules: string[]; detail: string } | null; bugs: PlanBug[] };
/** Multi-service systems: a deploy the next T1 or T2 would make, service by service. */
export type PlanDeploy = ServicePlan & { slot: 't1' | 't2'; env: 'uat' | 'prod'; what: string; release: string | null; bugs: number[] };
export type Plan = { system: string; versionCheck: FlowChoice; t1: PlanSlot; t2: PlanSlot; deploys?: PlanDeploy[] };

export type Hotfix = HotfixDetail;
export type HotfixListItem = HotfixSummary;

export type Problem = { type?: string; title?: string; status: number; detail: string; code: string; requestId?: string; errors?: { path: string; message: string }[] };

/** A freeze window with its instants in the system's zone, for people. */
export type LocalFreezeWindow = FreezeWindow & { startLocal: string | null; endLocal: string | null };
export type Freeze = FreezeView;
export type FreezeList = { system: string; now: FreezeState & { sources: LocalFreezeWindow[] }; items: Freeze[]; nextCursor: number | null };
export type FreezeCalendar = { system: string; timeZone: string; days: number; from: string; to: string; windows: LocalFreezeWindow[] };

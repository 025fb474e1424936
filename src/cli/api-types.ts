/**
 * The API's JSON as the command line reads it. Bugs and history entries are the server's own
 * view types (type-only imports: nothing of the server is loaded); the rest mirror the route
 * schemas in src/features/*-routes.ts.
 */
import type { BugView } from '../features/bugs/bug-view.ts';
import type { HistoryEntry } from '../features/bugs/bug-store.ts';
import type { FlowChoice } from '../features/environments/flow-rules.ts';

export type Bug = BugView;
export type BugWithHistory = BugView & { history: HistoryEntry[] };
export type BugPage = { items: Bug[]; nextCursor: string | null };

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
};

export type EnvironmentsResponse = { system: string; environments: EnvironmentInfo[]; flow: FlowChoice };

export type Problem = { type?: string; title?: string; status: number; detail: string; code: string; requestId?: string; errors?: { path: string; message: string }[] };

/**
 * Every page of the dashboard, in one list: its path, its component and, for pages in the main
 * navigation, the label and the permission needed to see it. A new capability (freezes,
 * incidents, monitoring, notifications) adds its page here.
 */
import type { ComponentType } from 'react';
import type { Permission } from '../api/types.ts';
import { AccountPage } from './account-page.tsx';
import { AdminPage } from './admin-page.tsx';
import { AuditPage } from './audit-page.tsx';
import { BoardPage } from './board-page.tsx';
import { BugPage } from './bug-page.tsx';
import { DeploymentPage } from './deployment-page.tsx';
import { EnvironmentsPage } from './environments-page.tsx';
import { FreezesPage } from './freezes-page.tsx';
import { HistoryPage } from './history-page.tsx';
import { IncidentPage, IncidentsPage } from './incidents-page.tsx';
import { NotificationsPage } from './notifications-page.tsx';
import { ReleasePage } from './release-page.tsx';
import { ReportBugPage } from './report-bug-page.tsx';
import { RunPage, RunsPage } from './runs-page.tsx';
import { TonightPage } from './tonight-page.tsx';

export type PageEntry = {
  path: string;
  component: ComponentType;
  nav?: { label: string; scope: 'system' | 'global'; permission?: Permission };
};

export const PAGES: PageEntry[] = [
  { path: '/systems/:system/bugs', component: BoardPage, nav: { label: 'Bugs', scope: 'system' } },
  { path: '/systems/:system/bugs/new', component: ReportBugPage },
  { path: '/systems/:system/bugs/:id', component: BugPage },
  { path: '/systems/:system/environments', component: EnvironmentsPage, nav: { label: 'Environments', scope: 'system' } },
  { path: '/systems/:system/tonight', component: TonightPage, nav: { label: 'Tonight', scope: 'system' } },
  { path: '/systems/:system/runs', component: RunsPage, nav: { label: 'Runs', scope: 'system' } },
  { path: '/systems/:system/runs/:id', component: RunPage },
  { path: '/systems/:system/deployments/:id', component: DeploymentPage },
  { path: '/systems/:system/releases/:id', component: ReleasePage },
  { path: '/systems/:system/freezes', component: FreezesPage, nav: { label: 'Freezes', scope: 'system' } },
  { path: '/systems/:system/incidents', component: IncidentsPage, nav: { label: 'Incidents', scope: 'system' } },
  { path: '/systems/:system/incidents/:id', component: IncidentPage },
  { path: '/systems/:system/history', component: HistoryPage, nav: { label: 'History', scope: 'system' } },
  { path: '/audit', component: AuditPage, nav: { label: 'Audit', scope: 'global', permission: 'audit.read' } },
  { path: '/notifications', component: NotificationsPage, nav: { label: 'Notifications', scope: 'global', permission: 'notifications.read' } },
  { path: '/admin', component: AdminPage, nav: { label: 'Admin', scope: 'global', permission: 'users.manage' } },
  { path: '/account', component: AccountPage },
];

/** The system a page path is about, if any. */
export function systemOf(location: string): string | null {
  const m = /^\/systems\/([^/]+)/.exec(location);
  return m ? decodeURIComponent(m[1]!) : null;
}

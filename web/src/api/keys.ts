/**
 * Query keys. Everything of one system starts with ['system', name], so a live change on that
 * system refetches exactly what pages of it show.
 */
export const keys = {
  session: ['session'] as const,
  systems: ['systems'] as const,
  system: (system: string) => ['system', system] as const,
  bugs: (system: string, filters: Record<string, unknown>) => ['system', system, 'bugs', filters] as const,
  bug: (system: string, id: number) => ['system', system, 'bug', id] as const,
  environments: (system: string) => ['system', system, 'environments'] as const,
  plan: (system: string) => ['system', system, 'plan'] as const,
  runs: (system: string) => ['system', system, 'runs'] as const,
  run: (system: string, id: number) => ['system', system, 'run', id] as const,
  deployments: (system: string, runId?: number) => ['system', system, 'deployments', runId ?? null] as const,
  deployment: (system: string, id: number) => ['system', system, 'deployment', id] as const,
  release: (system: string, id: number) => ['system', system, 'release', id] as const,
  freezes: (system: string) => ['system', system, 'freezes'] as const,
  freezeCalendar: (system: string, days: number) => ['system', system, 'freezes', 'calendar', days] as const,
  hotfixes: (system: string, filters: Record<string, unknown>) => ['system', system, 'hotfixes', filters] as const,
  hotfix: (system: string, id: number) => ['system', system, 'hotfix', id] as const,
  rollbacks: (system: string) => ['system', system, 'rollbacks'] as const,
  checks: (system: string, filters: Record<string, unknown>) => ['system', system, 'checks', filters] as const,
  metrics: (system: string, deploymentId: number) => ['system', system, 'deployment', deploymentId, 'metrics'] as const,
  deployLock: (system: string) => ['system', system, 'deploy-lock'] as const,
  audit: (filters: Record<string, unknown>) => ['audit', filters] as const,
  notifications: (filters: Record<string, unknown>) => ['notifications', filters] as const,
  users: ['users'] as const,
  tokens: (username: string) => ['users', username, 'tokens'] as const,
};

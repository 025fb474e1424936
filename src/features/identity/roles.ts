/**
 * Roles and what each may do (DESIGN.md decision 14). Pure.
 */
import { DomainError } from '../../shared/errors.ts';

export const ROLES = ['viewer', 'developer', 'manager', 'admin', 'cto'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'bugs.read',
  'bugs.report',
  'bugs.triage', // confirm, reject, close
  'bugs.approve',
  'flow.override',
  'environments.record',
  'releases.manage', // drop a bug from a release, run T1/T2 now
  'analysis.run', // analyse a bug's fix now
  'analysis.audit', // see what an analysis sent to a language model
  'audit.read',
  'users.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ['bugs.read'],
  developer: ['bugs.read', 'bugs.report'],
  manager: ['bugs.read', 'bugs.report', 'bugs.triage', 'bugs.approve', 'audit.read', 'analysis.run'],
  cto: ['bugs.read', 'bugs.report', 'bugs.triage', 'bugs.approve', 'audit.read', 'analysis.run'],
  admin: [
    'bugs.read',
    'bugs.report',
    'bugs.triage',
    'bugs.approve',
    'audit.read',
    'flow.override',
    'environments.record',
    'releases.manage',
    'users.manage',
    'analysis.run',
    'analysis.audit',
  ],
};

export function can(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((r) => GRANTS[r].includes(permission));
}

const NEEDED_BY: Record<Permission, string> = {
  'bugs.read': 'viewing bugs',
  'bugs.report': 'reporting bugs',
  'bugs.triage': 'confirming, rejecting and closing bugs',
  'bugs.approve': 'approving deploys',
  'flow.override': 'overriding the chosen flow',
  'environments.record': 'recording environment versions',
  'releases.manage': 'running T1/T2 and changing releases',
  'analysis.run': "analysing a bug's fix on demand",
  'analysis.audit': 'seeing what an analysis sent to a language model',
  'audit.read': 'reading the audit log',
  'users.manage': 'managing users and tokens',
};

export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((r) => GRANTS[r].includes(permission));
}

export function assertCan(actor: { username: string; roles: readonly Role[] }, permission: Permission, where?: string): void {
  if (!can(actor.roles, permission)) {
    const on = where ? ` on ${where}` : '';
    throw new DomainError(
      'forbidden',
      `${actor.username} (${actor.roles.join(', ') || 'no role'}${on}) may not do this: ${NEEDED_BY[permission]} needs ${rolesWith(permission).join(' or ')}`,
      { permission },
    );
  }
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

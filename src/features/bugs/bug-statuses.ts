/**
 * SEED.md's Status Reference, in one place. The union type, the API schema's enum and the
 * dashboard badges all derive from these arrays.
 */
export const BUG_STATUSES = [
  'submitted',
  'confirmed',
  'analyzing',
  'planned',
  'deployed_uat',
  'pending_prod',
  'deployed_prod',
  'pending_uat_merge',
  'uat_merged',
  'closed',
  'rejected',
] as const;
export type BugStatus = (typeof BUG_STATUSES)[number];

/** Badge colours and meanings, as SEED.md lists them. */
export const STATUS_INFO: Record<BugStatus, { colour: string; meaning: string; next: string }> = {
  submitted: { colour: 'grey', meaning: 'Bug reported, awaiting review', next: 'Admin confirms/rejects' },
  confirmed: { colour: 'blue', meaning: 'Valid bug, enters pipeline', next: 'T1 auto-process' },
  analyzing: { colour: 'purple', meaning: 'AI analysis running (transient)', next: 'Auto → planned' },
  planned: { colour: 'indigo', meaning: 'AI fix plan recorded', next: 'T1 auto-deploy' },
  deployed_uat: { colour: 'cyan', meaning: 'UAT deployed, awaiting human validation', next: 'Admin approves PROD' },
  pending_prod: { colour: 'yellow', meaning: 'Queued for PROD at next T2', next: 'T2 auto-deploy' },
  deployed_prod: { colour: 'green', meaning: 'PROD deployed', next: 'Flow1: done; Flow2: admin approves UAT merge' },
  pending_uat_merge: { colour: 'purple', meaning: 'Queued for UAT merge at next T2', next: 'T2 auto-merge' },
  uat_merged: { colour: 'teal', meaning: 'UAT updated with PROD fix', next: 'Flow 2 complete' },
  closed: { colour: 'emerald', meaning: 'Manually closed', next: '' },
  rejected: { colour: 'red', meaning: 'Not a valid bug', next: '' },
};

/**
 * The statuses a bug passes through on each flow, in order (SEED.md's Quick Reference Card): the
 * columns of the dashboard's flow view.
 */
export const FLOW_PATHS: Record<'flow1' | 'flow2', readonly BugStatus[]> = {
  flow1: ['confirmed', 'analyzing', 'planned', 'deployed_uat', 'pending_prod', 'deployed_prod'],
  flow2: ['confirmed', 'analyzing', 'planned', 'pending_prod', 'deployed_prod', 'pending_uat_merge', 'uat_merged'],
};

/** Waiting for the next T2: such a bug carries the instant that will act on it. */
export const QUEUED_STATUSES: readonly BugStatus[] = ['pending_prod', 'pending_uat_merge'];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FIX_FLOWS = ['flow1', 'flow2'] as const;
export type FixFlow = (typeof FIX_FLOWS)[number];

export const ENVIRONMENTS = ['uat', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export const FLOW_LABEL: Record<FixFlow, string> = { flow1: 'Flow 1', flow2: 'Flow 2' };
